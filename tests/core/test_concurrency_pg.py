"""Many tills at once on PostgreSQL: no lost update, no double award, one registration per phone.

Every thread uses its own sessions (each service call opens one), as the
desktop client's worker and a second till would.
"""
from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from typing import Any

import pytest
from sqlalchemy import func, select

from pointsmall import adjustments, members, purchases, tiers
from pointsmall.errors import Conflict, InsufficientPoints, ValidationError
from pointsmall.models import Member, PointEntry, Purchase, Refund, TierEvaluation
from pointsmall.staff import Role

from ..conftest import make_actor
from .support import assert_clean, member_row, new_member, unique_phone

pytestmark = pytest.mark.postgres

THREADS = 16


def run_together(n: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Start ``n`` calls at the same moment; return ("ok", result) or ("error", exception) for each."""
    barrier = threading.Barrier(n, timeout=30)

    def one(i: int) -> tuple[str, Any]:
        barrier.wait()
        try:
            return "ok", work(i)
        except Exception as exc:  # noqa: BLE001 - sorted by the test
            return "error", exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@pytest.fixture
def tills(pg_db):
    return make_actor(pg_db, Role.CASHIER), make_actor(pg_db, Role.SUPERVISOR)


def test_spending_adjusting_and_awarding_at_once_loses_nothing(pg_db, tills):
    cashier, supervisor = tills
    m = new_member(pg_db, cashier)
    initial = purchases.award_for_purchase(pg_db, cashier, member_id=m.id, receipt_no="START",
                                           amount_fen=200_000).balance
    rng = random.Random(20261124)
    plans = [[rng.choice(["spend", "spend", "add", "award"]) for _ in range(6)] for _ in range(THREADS)]

    def work(i: int) -> list[int]:
        rng = random.Random(i)
        changes = []
        for j, op in enumerate(plans[i]):
            if op == "award":
                r = purchases.award_for_purchase(pg_db, cashier, member_id=m.id, receipt_no=f"T{i}-{j}",
                                                 amount_fen=rng.randint(100, 50_000))
                assert not r.repeated
                changes.append(r.points)
                continue
            points = -rng.randint(1, 400) if op == "spend" else rng.randint(1, 300)
            try:
                r = adjustments.adjust_points(pg_db, supervisor, member_id=m.id, points=points,
                                              reason_category="correction", note=f"till {i} op {j}")
            except InsufficientPoints:
                continue
            changes.append(r.points)
        return changes

    results = run_together(THREADS, work)
    errors = [value for kind, value in results if kind == "error"]
    assert errors == []
    changes = [c for _, value in results for c in value]
    row = member_row(pg_db, m.id)
    assert row.balance == initial + sum(changes)
    assert row.balance >= 0 and not row.needs_review
    with pg_db.read() as session:
        afters = list(session.scalars(select(PointEntry.balance_after).where(PointEntry.member_id == m.id)
                                      .order_by(PointEntry.seq)))
        assert len(afters) == 1 + len([c for c in changes if c])
        assert min(afters) >= 0  # never negative, not even for a moment
        assert afters[-1] == row.balance
    assert_clean(pg_db)


def test_sixteen_tills_awarding_the_same_receipt_award_it_once(pg_db, tills):
    cashier, _ = tills
    m = new_member(pg_db, cashier)
    results = run_together(THREADS, lambda i: purchases.award_for_purchase(
        pg_db, cashier, member_id=m.id, receipt_no="SAME-1", amount_fen=12_345))
    assert [kind for kind, _ in results] == ["ok"] * THREADS, [v for k, v in results if k == "error"]
    awards = [value for _, value in results]
    assert sum(not a.repeated for a in awards) == 1
    assert {(a.points, a.balance) for a in awards} == {(123, 123)}
    with pg_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Purchase)) == 1
        assert session.scalar(select(func.count()).select_from(PointEntry)
                              .where(PointEntry.member_id == m.id)) == 1
    assert member_row(pg_db, m.id).balance == 123
    assert_clean(pg_db)


def test_the_same_receipt_for_two_members_at_once_goes_to_one(pg_db, tills):
    cashier, _ = tills
    a, b = new_member(pg_db, cashier), new_member(pg_db, cashier)
    results = run_together(2, lambda i: purchases.award_for_purchase(
        pg_db, cashier, member_id=(a, b)[i].id, receipt_no="SAME-2", amount_fen=10_000))
    kinds = sorted((kind, type(value).__name__) for kind, value in results)
    assert kinds == [("error", "Conflict"), ("ok", "AwardResult")]
    assert member_row(pg_db, a.id).balance + member_row(pg_db, b.id).balance == 100
    assert_clean(pg_db)


def test_refunds_at_once_never_take_back_more_than_was_earned(pg_db, tills):
    cashier, supervisor = tills
    m = new_member(pg_db, cashier)
    purchases.award_for_purchase(pg_db, cashier, member_id=m.id, receipt_no="R-1", amount_fen=10_000)
    # 8 tills each refund a fifth: five fit, three are refused; one refund number is sent twice.
    results = run_together(8, lambda i: purchases.refund_purchase(
        pg_db, supervisor, receipt_no="R-1", refund_no=f"F-{min(i, 6)}", amount_fen=2_000))
    ok = [value for kind, value in results if kind == "ok"]
    refused = [value for kind, value in results if kind == "error"]
    assert all(isinstance(e, (ValidationError, Conflict)) for e in refused), refused
    assert sum(not r.repeated for r in ok) == 5
    with pg_db.read() as session:
        assert session.scalar(select(func.sum(Refund.amount_fen))) == 10_000
        assert session.scalar(select(func.sum(Refund.points_reversed))) == 100
    assert member_row(pg_db, m.id).balance == 0
    assert_clean(pg_db)


def test_a_retried_adjustment_racing_its_first_attempt_applies_once(pg_db, tills):
    """Bug: the request id was looked up before the member was locked, so a
    retry that arrived while the first attempt was still running passed the
    lookup and then crashed on the unique idempotency key (IntegrityError)
    instead of answering with the first result."""
    cashier, supervisor = tills
    m = new_member(pg_db, cashier)
    results = run_together(THREADS, lambda i: adjustments.adjust_points(
        pg_db, supervisor, member_id=m.id, points=25, reason_category="goodwill", note="double click",
        request_id="req-42"))
    assert [kind for kind, _ in results] == ["ok"] * THREADS, [v for k, v in results if k == "error"]
    assert sum(not r.repeated for _, r in results) == 1
    assert len({r.entry_id for _, r in results}) == 1
    assert member_row(pg_db, m.id).balance == 25
    assert_clean(pg_db)


def test_two_registrations_with_the_same_phone_at_once(pg_db, tills):
    cashier, _ = tills
    for round_ in range(5):
        phone = unique_phone()
        results = run_together(2, lambda i: members.create_member(pg_db, cashier, name=f"会员{i}", phone=phone))
        kinds = sorted(kind for kind, _ in results)
        assert kinds == ["error", "ok"], results
        error = next(value for kind, value in results if kind == "error")
        assert isinstance(error, Conflict) and "phone" in error.message.lower()
        with pg_db.read() as session:
            assert session.scalar(select(func.count()).select_from(Member).where(Member.phone == phone)) == 1
    assert_clean(pg_db)


def test_two_evaluations_of_the_same_month_at_once_downgrade_one_step(pg_db, tills):
    """Bug: the month was marked as evaluated only after every batch had
    committed, so two runs at once (the nightly job and an operator's click)
    both downgraded: a lapsed Gold member fell straight to Regular."""
    cashier, _ = tills
    operator = make_actor(pg_db, Role.OPERATOR)
    lapsed = [new_member(pg_db, cashier) for _ in range(3)]
    for i, m in enumerate(lapsed):
        purchases.award_for_purchase(pg_db, cashier, member_id=m.id, receipt_no=f"G-{i}", amount_fen=500_000,
                                     now=datetime(2025, 1, 15, 4, tzinfo=timezone.utc))
    results = run_together(2, lambda i: tiers.evaluate(pg_db, operator, as_of=date(2026, 3, 1), batch=1))
    with pg_db.read() as session:
        codes = {t.id: t.code for t in tiers.list_tiers(session)}
        assert [codes[session.get(Member, m.id).tier_id] for m in lapsed] == ["silver"] * 3
        evaluation = session.get(TierEvaluation, "2026-03")
        assert (evaluation.downgraded, evaluation.upgraded) == (3, 0)
    done = [value for kind, value in results if kind == "ok" and not value.already_done]
    assert len(done) == 1 and (done[0].evaluated, done[0].downgraded) == (3, 3)
    other = next(value for value in (v for _, v in results) if value is not done[0])
    # The other run either came second (nothing to do) or collided with the first (refused).
    assert (isinstance(other, Conflict) and "ran twice at once" in other.message) or other.already_done
    assert_clean(pg_db)
