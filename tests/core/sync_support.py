"""A chain (a fresh PostgreSQL database) and offline stores (SQLite replicas) for the sync tests."""
from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from pointsmall import bootstrap, catalog, check, members, purchases, staff
from pointsmall.clock import utc_now
from pointsmall.db import Database
from pointsmall.models import CatalogItem, Member, PointLot, Store, SyncPending
from pointsmall.staff import Actor, Role
from pointsmall.sync import attach_replica, first_pull, sync_once

from .mall_support import draft
from .support import unique_phone

SECRET = "secret-123"
_receipts = itertools.count(1)


@dataclass
class Store_:
    """One offline store: its replica and a cashier and supervisor logged in on it."""

    store_id: str
    db: Database
    cashier: Actor
    supervisor: Actor


@dataclass
class Chain:
    db: Database
    admin: Actor
    operator: Actor
    staff: dict[str, tuple[str, str]]  # store -> (cashier username, supervisor username)


@pytest.fixture
def chain(pg_db: Database) -> Chain:
    with pg_db.read() as session:
        system = staff.system_actor(session)
    admin = _staff(pg_db, system, Role.ADMIN, system.store_id)
    operator = _staff(pg_db, system, Role.OPERATOR, system.store_id)
    return Chain(pg_db, admin, operator, {})


def _staff(db: Database, system: Actor, role: Role, store_id: str) -> Actor:
    username = f"{role.value}-{store_id}-{uuid.uuid4().hex[:4]}"
    staff.create_staff(db, system, username=username, display_name=username, role=role, secret=SECRET,
                       store_id=store_id)
    return staff.authenticate(db, username, SECRET)


def add_store(chain: Chain, store_id: str) -> None:
    with chain.db.write() as session:
        if session.get(Store, store_id) is None:
            session.execute(insert(Store).values(id=store_id, name=f"门店 {store_id}", timezone="Asia/Shanghai",
                                                 created_at=utc_now()))
    with chain.db.read() as session:
        system = staff.system_actor(session)
    cashier = _staff(chain.db, system, Role.CASHIER, store_id)
    supervisor = _staff(chain.db, system, Role.SUPERVISOR, store_id)
    chain.staff[store_id] = (cashier.username, supervisor.username)


def open_replica(path: Path) -> Database:
    return bootstrap.prepare(f"sqlite+pysqlite:///{path}")


def new_store(chain: Chain, store_id: str, directory: Path) -> Store_:
    """A store's first start: its own file, attached as a replica, filled by the first pull."""
    if store_id not in chain.staff:
        add_store(chain, store_id)
    db = open_replica(directory / f"replica-{store_id}.db")
    attach_replica(db, store_id)
    first_pull(db, chain.db)
    return login(chain, store_id, db)


def login(chain: Chain, store_id: str, db: Database) -> Store_:
    cashier_name, supervisor_name = chain.staff[store_id]
    return Store_(store_id, db, staff.authenticate(db, cashier_name, SECRET),
                  staff.authenticate(db, supervisor_name, SECRET))


def restart(chain: Chain, store: Store_) -> Store_:
    """The desktop process starts again on the same file."""
    path = store.db.sqlite_path
    store.db.dispose()
    db = open_replica(path)  # type: ignore[arg-type]
    attach_replica(db, store.store_id)
    return login(chain, store.store_id, db)


def award(db: Database, actor: Actor, member_id: uuid.UUID, points: int) -> None:
    purchases.award_for_purchase(db, actor, member_id=member_id, receipt_no=f"SYNC-{next(_receipts)}",
                                 amount_fen=points * 100)


def chain_member(chain: Chain, name: str = "连锁会员", points: int = 0) -> uuid.UUID:
    member = members.create_member(chain.db, chain.admin, name=name, phone=unique_phone())
    if points:
        award(chain.db, chain.admin, member.id, points)
    return member.id


def chain_item(chain: Chain, stock: int, price: int = 100) -> uuid.UUID:
    item = catalog.save_item(chain.db, chain.operator, draft(price_points=price))
    if stock:
        catalog.record_stock(chain.db, chain.operator, item.id, "restock", stock, "到货 delivery")
    return item.id


def balance(db: Database, member_id: uuid.UUID) -> int:
    with db.read() as session:
        value = session.scalar(select(Member.balance).where(Member.id == member_id))
        assert value is not None
        return value


def stock(db: Database, item_id: uuid.UUID) -> int:
    with db.read() as session:
        return session.scalar(select(CatalogItem.stock).where(CatalogItem.id == item_id)) or 0


def sync(store: Store_, chain: Chain, **kw: object):  # type: ignore[no-untyped-def]
    report = sync_once(store.db, chain.db, **kw)  # type: ignore[arg-type]
    assert report.ok, report.errors
    return report


def assert_agree(store: Store_, chain: Chain) -> None:
    """After a full sync: the replica's members, balances, lots and stock are the chain's."""
    with store.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SyncPending)) == 0
        local = _figures(session)
    with chain.db.read() as session:
        remote = _figures(session)
    for key in ("members", "lots", "items"):
        assert local[key] == remote[key], key


def _figures(session):  # type: ignore[no-untyped-def]
    return {
        "members": sorted(session.execute(select(Member.id, Member.balance, Member.last_entry_seq, Member.phone,
                                                 Member.needs_review)).all()),
        "lots": sorted(session.execute(select(PointLot.id, PointLot.remaining, PointLot.expires_on)).all()),
        "items": sorted(session.execute(select(CatalogItem.id, CatalogItem.stock, CatalogItem.last_stock_seq)).all()),
    }


def assert_chain_clean(chain: Chain) -> None:
    report = check.run_check(chain.db)
    assert report.ok, report.problems


def stores(chain: Chain, directory: Path, *ids: str) -> Iterator[Store_]:
    for store_id in ids:
        yield new_store(chain, store_id, directory)
