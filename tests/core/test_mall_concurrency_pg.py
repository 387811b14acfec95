"""Cashiers racing each other on a shared PostgreSQL: never oversold, never negative, exactly one wins.

Every race starts its threads at a barrier so they really run at once; each
thread uses its own session (the services open one per call).
"""
from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from pointsmall import catalog, check, purchases, redemption, vouchers
from pointsmall.catalog import ItemDraft
from pointsmall.db import Database
from pointsmall.errors import Conflict, DomainError
from pointsmall.models import Member, PointEntry, Redemption, StockEntry
from pointsmall.redemption import Refusal
from pointsmall.staff import Role

from ..conftest import make_actor
from .mall_support import Mall, pg_mall  # noqa: F401  (pg_mall is a fixture)
from .support import new_member

pytestmark = pytest.mark.postgres
THREADS = 16
_skus = itertools.count(1)


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001  (every outcome is asserted by the test)
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def outcomes(results: list[Any]) -> Counter[str]:
    """'ok' for a success, else the refusal's message; anything else fails the test."""
    for r in results:
        if isinstance(r, Exception) and not isinstance(r, DomainError):
            raise r
    return Counter("ok" if not isinstance(r, Exception) else r.message for r in results)


@pytest.fixture
def pg_db(pg_mall: Mall) -> Database:
    """One database for the module: every race makes its own members and items."""
    return pg_mall.db


@pytest.fixture
def staff(pg_mall: Mall):  # type: ignore[no-untyped-def]
    return {Role.CASHIER: pg_mall.cashier, Role.SUPERVISOR: pg_mall.supervisor, Role.OPERATOR: pg_mall.operator}


def rich(db: Database, cashier, points: int):  # type: ignore[no-untyped-def]
    member = new_member(db, cashier)
    purchases.award_for_purchase(db, cashier, member_id=member.id, receipt_no=f"R-{member.id.hex[:20]}",
                                 amount_fen=points * 100)
    return member


def item(db: Database, operator, stock: int = 0, **fields: object) -> catalog.ItemView:  # type: ignore[no-untyped-def]
    draft = ItemDraft(**{"sku": f"RACE-{next(_skus)}", "name": "限量保温杯",
                         "category": "家居", "price_points": 100, **fields})
    view = catalog.save_item(db, operator, draft)
    if stock:
        view = catalog.record_stock(db, operator, view.id, "restock", stock, "到货 delivery")
    return view


def assert_clean(db: Database) -> None:
    report = check.run_check(db)
    assert report.ok, report.problems


def test_sixteen_cashiers_taking_the_last_five_pieces(pg_db, staff):
    cashier, operator = staff[Role.CASHIER], staff[Role.OPERATOR]
    last = item(pg_db, operator, stock=5)
    buyers = [rich(pg_db, cashier, 500) for _ in range(THREADS)]
    results = run_together([lambda m=m: redemption.redeem(pg_db, cashier, member_id=m.id, item_id=last.id)
                            for m in buyers])
    assert outcomes(results) == {"ok": 5, "Out of stock.": 11}
    assert all(isinstance(r, Refusal) for r in results if isinstance(r, Exception))
    with pg_db.read() as session:
        assert catalog.get_item(session, last.id).stock == 0
        afters = list(session.scalars(select(StockEntry.stock_after).where(StockEntry.item_id == last.id)
                                      .order_by(StockEntry.seq)))
        assert afters == [5, 4, 3, 2, 1, 0]
    assert sorted(r.stock_left for r in results if not isinstance(r, Exception)) == [0, 1, 2, 3, 4]
    assert_clean(pg_db)


def test_sixteen_cashiers_spending_one_members_points(pg_db, staff):
    cashier, operator = staff[Role.CASHIER], staff[Role.OPERATOR]
    member = rich(pg_db, cashier, 730)  # enough for exactly 7 at 100 points
    unlimited = item(pg_db, operator, unlimited=True)
    results = run_together([lambda: redemption.redeem(pg_db, cashier, member_id=member.id, item_id=unlimited.id)
                            for _ in range(THREADS)])
    assert outcomes(results) == {"ok": 7, "Not enough points: 70 more are needed.": 9}
    with pg_db.read() as session:
        afters = list(session.scalars(select(PointEntry.balance_after).where(PointEntry.member_id == member.id)
                                      .order_by(PointEntry.seq)))
    assert afters == [730, 630, 530, 430, 330, 230, 130, 30]
    assert_clean(pg_db)


def test_sixteen_tills_writing_off_one_voucher(pg_db, staff):
    cashier, operator = staff[Role.CASHIER], staff[Role.OPERATOR]
    member = rich(pg_db, cashier, 1000)
    coupon = item(pg_db, operator, stock=3, kind="coupon", price_points=1000, face_value_fen=5000, validity_days=30)
    done = redemption.redeem(pg_db, cashier, member_id=member.id, item_id=coupon.id)
    results = run_together([lambda: vouchers.write_off(pg_db, cashier, done.voucher_display)
                            for _ in range(THREADS)])
    counts = outcomes(results)
    assert counts["ok"] == 1 and sum(counts.values()) == THREADS
    assert all(isinstance(r, Conflict) and r.message.startswith("This voucher was already used on ")
               for r in results if isinstance(r, Exception))
    assert_clean(pg_db)


def test_two_supervisors_cancelling_one_redemption(pg_db, staff):
    cashier, operator = staff[Role.CASHIER], staff[Role.OPERATOR]
    other = make_actor(pg_db, Role.SUPERVISOR)
    member = rich(pg_db, cashier, 500)
    goods = item(pg_db, operator, stock=5)
    for _ in range(5):
        done = redemption.redeem(pg_db, cashier, member_id=member.id, item_id=goods.id)
        results = run_together([lambda s=s: redemption.cancel(pg_db, s, done.redemption_id, "顾客退回 returned")
                                for s in (staff[Role.SUPERVISOR], other)])
        assert outcomes(results) == {"ok": 1, "This redemption was already cancelled.": 1}
    with pg_db.read() as session:
        assert catalog.get_item(session, goods.id).stock == 5
        assert session.get(Member, member.id).balance == 500
    assert_clean(pg_db)


def test_a_write_off_racing_a_cancellation_of_the_same_voucher(pg_db, staff):
    """Bug: each checked the other's row and both could commit: points back and the coupon used."""
    cashier, supervisor, operator = staff[Role.CASHIER], staff[Role.SUPERVISOR], staff[Role.OPERATOR]
    member = rich(pg_db, cashier, 5000)
    coupon = item(pg_db, operator, stock=20, kind="coupon", price_points=100, face_value_fen=500, validity_days=30)
    for _ in range(12):
        done = redemption.redeem(pg_db, cashier, member_id=member.id, item_id=coupon.id)
        results = run_together([lambda: vouchers.write_off(pg_db, cashier, done.voucher_code),
                                lambda: redemption.cancel(pg_db, supervisor, done.redemption_id, "退回 returned")])
        counts = outcomes(results)
        assert counts["ok"] == 1, counts
        assert set(counts) - {"ok"} <= {"This voucher was cancelled with its redemption.",
                                         "The voucher of this redemption was already used; it cannot be cancelled."}
    assert_clean(pg_db)


def test_one_request_retried_at_once_redeems_once(pg_db, staff):
    """Bug: the request id was looked up before the member's lock, so a racing retry hit the unique index."""
    cashier, operator = staff[Role.CASHIER], staff[Role.OPERATOR]
    member = rich(pg_db, cashier, 1000)
    goods = item(pg_db, operator, stock=10)
    results = run_together([lambda: redemption.redeem(pg_db, cashier, member_id=member.id, item_id=goods.id,
                                                      request_id="till-2-000042") for _ in range(8)])
    assert outcomes(results) == {"ok": 8}
    assert len({r.redemption_id for r in results}) == 1 and sum(not r.repeated for r in results) == 1
    with pg_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Redemption)
                              .where(Redemption.member_id == member.id)) == 1
        assert catalog.get_item(session, goods.id).stock == 9
    assert_clean(pg_db)
