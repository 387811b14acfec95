"""Wheel spins made offline at two stores: renumbered and counted at the chain (issue 6); prizes won past the
stock, the budget or a cap are honoured and reviewed, not overwritten."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from pointsmall import check, wheel, wheel_setup
from pointsmall.models import ReviewCase, ReviewSubject, Wheel, WheelDraw, WheelSegment

from .games_support import FixedDraws, seg
from .sync_support import assert_agree, assert_chain_clean, chain, chain_member, new_store, sync  # noqa: F401


def test_spins_at_two_offline_stores_are_renumbered_and_counted(chain, tmp_path, monkeypatch):  # noqa: F811
    now = datetime.now(timezone.utc)
    draft = wheel_setup.WheelDraft(
        name="同步转盘", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30),
        segments=(seg("谢谢参与", 30), seg("10积分", 30, "points", points=10), seg("再来", 20),
                  seg("5积分", 20, "points", points=5)), fallback_index=0, cost_points=5)
    wheel_id = wheel_setup.save_wheel(chain.db, chain.admin, draft).id
    member_id = chain_member(chain, points=100)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    # Weights 30/30/20/20 over [0, 100): 10 lands on "thanks", 40 on ten points. North misses twice;
    # south, not knowing, misses once: at the chain the third miss in a row is the member's third.
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(10))
    for store in (north, south, north):
        wheel.spin(store.db, store.cashier, member_id=member_id, wheel_id=wheel_id)
    sync(north, chain)
    sync(south, chain)
    with chain.db.read() as session:
        seqs = session.execute(select(WheelDraw.member_seq, WheelDraw.day_seq, WheelDraw.store_id)
                               .order_by(WheelDraw.member_seq)).all()
        spins = session.scalar(select(Wheel.spins).where(Wheel.id == wheel_id))
    assert [(m, d) for m, d, _ in seqs] == [(1, 1), (2, 2), (3, 3)]
    assert [s for _, _, s in seqs] == ["S02", "S02", "S03"]
    assert spins == 3
    with chain.db.read() as session:
        misses = session.scalars(select(WheelDraw.misses).order_by(WheelDraw.member_seq)).all()
    assert misses == [1, 2, 3]
    assert_chain_clean(chain)
    sync(north, chain)
    assert_agree(north, chain)
    assert_agree(south, chain)


def _last_prize_wheel(chain):  # type: ignore[no-untyped-def]  # noqa: F811
    """Thanks 30, again 20, a 50-point prize 30 with one left ([50, 80)), thanks 20; a budget of 50 points and
    one spin a day."""
    now = datetime.now(timezone.utc)
    return wheel_setup.save_wheel(chain.db, chain.admin, wheel_setup.WheelDraft(
        name="最后一份", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), fallback_index=0,
        segments=(seg("谢谢参与", 30), seg("再来", 20), seg("50积分", 30, "points", points=50, stock=1),
                  seg("谢谢", 20)), daily_cap=1,
        budget=50)).id


def test_the_last_prize_won_at_two_offline_stores_is_honoured_and_reviewed(chain, tmp_path, monkeypatch):  # noqa: F811
    wheel_id = _last_prize_wheel(chain)
    member_id = chain_member(chain, points=10)
    north, south = new_store(chain, "S02", tmp_path), new_store(chain, "S03", tmp_path)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(60))  # lands on the prize
    won = [wheel.spin(store.db, store.cashier, member_id=member_id, wheel_id=wheel_id) for store in (north, south)]
    assert [w.prize_points for w in won] == [50, 50]  # each store had the last one, as far as it knew
    sync(north, chain)
    report = sync(south, chain)
    assert sorted(c.split(":")[0] for c in report.conflicts) == [
        "sync_prize_oversold", "sync_wheel_over_budget", "sync_wheel_over_cap"]
    with chain.db.read() as session:
        awarded, stock = session.execute(select(WheelSegment.awarded, WheelSegment.stock)
                                         .where(WheelSegment.wheel_id == wheel_id, WheelSegment.idx == 2)).one()
        spent = session.scalar(select(Wheel.budget_spent).where(Wheel.id == wheel_id))
        cases = session.execute(select(ReviewCase.kind, ReviewCase.status, ReviewSubject.ref_id)
                                .join(ReviewSubject, ReviewSubject.case_id == ReviewCase.id)
                                .where(ReviewCase.kind.like("sync_%wheel%") | ReviewCase.kind.like("sync_prize%"))
                                .order_by(ReviewCase.kind)).all()
    assert (awarded, stock, spent) == (2, 1, 100)  # both prizes were handed over: nothing taken back
    south_draw = won[1].draw_id.hex
    assert cases == [("sync_prize_oversold", "open", south_draw), ("sync_wheel_over_budget", "open", south_draw),
                     ("sync_wheel_over_cap", "open", south_draw)]
    assert_chain_clean(chain)
    # A third store's win of the same segment joins the open case instead of opening another.
    west = new_store(chain, "S04", tmp_path)
    other = chain_member(chain, points=10)
    sync(west, chain)
    with west.db.write() as session:  # as if west had pulled before the others synced
        session.execute(WheelSegment.__table__.update().where(WheelSegment.wheel_id == wheel_id).values(awarded=0))
        session.execute(Wheel.__table__.update().where(Wheel.id == wheel_id).values(budget_spent=0))
    third = wheel.spin(west.db, west.cashier, member_id=other, wheel_id=wheel_id)
    assert third.prize_points == 50
    sync(west, chain)
    with chain.db.read() as session:
        oversold = session.execute(select(ReviewCase.id, func.count())
                                   .join(ReviewSubject, ReviewSubject.case_id == ReviewCase.id)
                                   .where(ReviewCase.kind == "sync_prize_oversold").group_by(ReviewCase.id)).all()
    assert len(oversold) == 1 and oversold[0][1] == 2
    assert_chain_clean(chain)
    for store in (north, south, west):
        sync(store, chain)
        assert_agree(store, chain)


def test_check_still_catches_a_prize_past_its_stock_on_one_database(chain, monkeypatch):  # noqa: F811
    """No store, no sync: a second last prize paid on one database is a bug, and check says so."""
    wheel_id = _last_prize_wheel(chain)
    member_id = chain_member(chain, points=10)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(60))
    wheel.spin(chain.db, chain.admin, member_id=member_id, wheel_id=wheel_id)
    assert check.run_check(chain.db).ok

    def forge(stock, spent):  # type: ignore[no-untyped-def]
        with chain.db.write() as session:
            session.execute(update(WheelSegment).where(WheelSegment.wheel_id == wheel_id, WheelSegment.idx == 2)
                            .values(stock=stock))
            session.execute(update(Wheel).where(Wheel.id == wheel_id).values(budget_spent=spent))

    # As if spin ignored the stock, the budget and the daily cap: the second prize is paid anyway.
    forge(None, 0)
    monkeypatch.setattr(wheel, "_refusal", lambda *args, **kw: None)
    assert wheel.spin(chain.db, chain.admin, member_id=member_id, wheel_id=wheel_id).prize_points == 50
    forge(1, 100)
    problems = check.run_check(chain.db).problems
    assert any("segment 2: 2 awarded of stock 1" in p for p in problems), problems
    assert any("spent of budget 50" in p for p in problems), problems
    assert any("(cap 1)" in p for p in problems), problems
