"""Fixtures and helpers for the mall tests (catalog, redemption, vouchers).

Creating a PostgreSQL database costs about two seconds here, so the mall's
service tests share one database per module and backend (``mall``) instead
of one per test: every test makes its own members and items (unique codes
and phone numbers), so tests cannot see each other's rows, and each test
ends with ``check`` over the whole database. Tests that tamper with rows
use the per-test ``db`` fixture instead.
"""
from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from pointsmall import catalog, check, purchases
from pointsmall.catalog import ItemDraft, ItemView
from pointsmall.db import Database
from pointsmall.models import PointLot, StockEntry

from ..conftest import make_sqlite
from .support import Crew, module_pg_database, new_member, staff_crew, unique_phone

_skus = itertools.count(1)
_receipts = itertools.count(1)


Mall = Crew


@contextmanager
def _pg_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    with module_pg_database(request.getfixturevalue("pg_template"), "m") as db:
        yield db


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def mall(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mall]:
    """One database per module and backend, with a staff member of every role."""
    if request.param == "sqlite":
        db = make_sqlite(request.getfixturevalue("sqlite_template"), tmp_path_factory.mktemp("mall"))
        yield staff_crew(db)
        db.dispose()
        return
    with _pg_database(request) as db:
        yield staff_crew(db)


@pytest.fixture(scope="module")
def pg_mall(request: pytest.FixtureRequest) -> Iterator[Mall]:
    """One PostgreSQL database for a module (the concurrency tests)."""
    with _pg_database(request) as db:
        yield staff_crew(db)


def new_sku() -> str:
    return f"T{next(_skus):05d}"


def draft(**changes: object) -> ItemDraft:
    values: dict[str, object] = dict(sku=new_sku(), name="保温杯 Thermos", category="家居", price_points=100)
    values.update(changes)
    return ItemDraft(**values)  # type: ignore[arg-type]


def new_item(mall: Mall, stock: int = 0, **changes: object) -> ItemView:
    """An item saved by the operator, restocked to ``stock`` pieces."""
    item = catalog.save_item(mall.db, mall.operator, draft(**changes))
    if stock:
        item = catalog.record_stock(mall.db, mall.operator, item.id, "restock", stock, "首批到货 first delivery")
    return item


def award(mall: Mall, member_id: uuid.UUID, points: int, day: date | None = None) -> int:
    """Points from a purchase (¥1 earns 1 point at the regular tier); returns the points earned."""
    when = datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=4) if day else None
    result = purchases.award_for_purchase(mall.db, mall.cashier, member_id=member_id,
                                          receipt_no=f"MALL-{next(_receipts)}", amount_fen=points * 100, now=when)
    return result.points


def member_with(mall: Mall, points: int = 0, name: str = "兑换会员"):  # type: ignore[no-untyped-def]
    member = new_member(mall.db, mall.cashier, name=name, phone=unique_phone())
    if points:
        assert award(mall, member.id, points) == points
    return member


def balance(mall: Mall, member_id: uuid.UUID) -> int:
    from pointsmall.models import Member

    with mall.db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None
        return member.balance


def stock(mall: Mall, item_id: uuid.UUID) -> int:
    with mall.db.read() as session:
        return catalog.get_item(session, item_id).stock


def stock_moves(mall: Mall, item_id: uuid.UUID) -> list[tuple[str, int, int, str]]:
    """(kind, quantity, stock after, reason) of an item's stock entries, oldest first."""
    with mall.db.read() as session:
        rows = session.scalars(select(StockEntry).where(StockEntry.item_id == item_id).order_by(StockEntry.seq))
        return [(e.kind, e.quantity, e.stock_after, e.reason) for e in rows]


def open_lots(mall: Mall, member_id: uuid.UUID) -> list[tuple[date, int]]:
    """(expiry, remaining) of a member's lots with points left, soonest first."""
    with mall.db.read() as session:
        rows = session.execute(select(PointLot.expires_on, PointLot.remaining)
                               .where(PointLot.member_id == member_id, PointLot.remaining > 0)
                               .order_by(PointLot.expires_on, PointLot.id))
        return [(day, remaining) for day, remaining in rows]


def assert_clean(db: Database) -> None:
    report = check.run_check(db)
    assert report.ok, report.problems


def freeze_time(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """Make the mall services see ``when`` as now."""
    from pointsmall import redemption, vouchers

    for module in (redemption, vouchers, catalog):
        monkeypatch.setattr(module, "utc_now", lambda: when)
