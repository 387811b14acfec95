"""The spin wheel (大转盘): the draw, one-transaction spins, stock, budget, caps, pity, versions, cost."""
from __future__ import annotations

import dataclasses
import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from pointsmall import catalog, check, ledger, members, prizes, purchases, staff, wheel, wheel_setup
from pointsmall.catalog import ItemDraft
from pointsmall.errors import (
    Conflict,
    InsufficientPoints,
    MemberNotActive,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from pointsmall.ids import new_id
from pointsmall.models import AuditRecord, PrizeVoucher, WheelDraw, WheelSegment
from pointsmall.wheel import SpinRefusal

from .games_support import MONDAY, FixedDraws, Games, assert_clean, games, local, new_wheel, seg, simple_wheel  # noqa: F401
from .support import entries, lots, member_row, new_member, row_counts

# Chi-square critical values at p = 0.001 (upper tail), by degrees of freedom.
CHI2_CRITICAL_P001 = {3: 16.266, 5: 20.515, 7: 24.322, 11: 31.264}


def fund(g: Games, member_id, points: int = 1000) -> None:
    purchases.award_for_purchase(g.db, g.cashier, member_id=member_id, receipt_no=f"W-{new_id().hex[:20]}",
                                 amount_fen=points * 100, now=local(MONDAY, 9))


def spin(g: Games, member_id, w, *, at=None, **kw):  # type: ignore[no-untyped-def]
    return wheel.spin(g.db, g.cashier, member_id=member_id, wheel_id=w.id, now=at or local(MONDAY, 12), **kw)


# -- the pure draw -------------------------------------------------------------------------------


@pytest.mark.parametrize("weights", [[1, 2, 3, 5, 8, 13, 21, 47], [7, 1, 30, 2, 9, 11, 4, 6, 3, 12, 10, 5]])
def test_draws_follow_the_weights_chi_square(weights: list[int]) -> None:
    n = 100_000
    counts = [0] * len(weights)
    for _ in range(n):
        counts[wheel.draw(weights)[0]] += 1
    total = sum(weights)
    statistic = sum((c - n * w / total) ** 2 / (n * w / total) for c, w in zip(counts, weights))
    assert statistic < CHI2_CRITICAL_P001[len(weights) - 1], (statistic, counts)


def test_the_range_is_half_open_and_zero_weights_are_never_hit() -> None:
    """The peer bug: a random range that includes its upper bound."""
    weights = [3, 0, 2, 0, 5]
    assert [wheel.segment_at(weights, v) for v in range(10)] == [0, 0, 0, 2, 2, 4, 4, 4, 4, 4]
    with pytest.raises(ValueError):
        wheel.segment_at(weights, 10)
    with pytest.raises(ValueError):
        wheel.segment_at(weights, -1)
    asked = FixedDraws(9)
    assert wheel.draw(weights, asked) == (4, 9)
    assert asked.ranges == [10]  # randbelow(total): never total + 1
    with pytest.raises(ValueError):
        wheel.draw([0, 0, 0, 0])


def test_spins_use_the_secure_source_over_the_total_weight(games: Games, monkeypatch) -> None:
    w = new_wheel(games)
    m = new_member(games.db, games.cashier)
    fund(games, m.id)
    asked = FixedDraws(99)
    monkeypatch.setattr(secrets, "randbelow", asked)
    result = spin(games, m.id, w)
    assert asked.ranges == [100]
    assert (result.drawn_index, result.segment_index) == (3, 3)  # the last unit of the range is the last segment
    with games.db.read() as session:
        row = session.get(WheelDraw, result.draw_id)
        assert (row.random_value, row.total_weight, row.version) == (99, 100, 1)


# -- one spin --------------------------------------------------------------------------------------


def test_a_spin_debits_the_cost_pays_points_and_records_the_draw(games: Games, monkeypatch) -> None:
    w = new_wheel(games)
    m = new_member(games.db, games.cashier)
    fund(games, m.id, 100)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(40))  # 10 points
    audits = _audits(games)
    result = spin(games, m.id, w)
    assert (result.segment_index, result.outcome, result.prize, result.prize_points) == (1, "drawn", "points", 10)
    assert (result.cost_points, result.free, result.balance, result.repeated) == (10, False, 100, False)
    assert result.label == "10积分" and result.voucher_code is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.segment_index = 2  # type: ignore[misc]
    cost, prize = entries(games.db, m.id)[-2:]
    assert (cost.kind, cost.points, prize.kind, prize.points) == ("wheel_cost", -10, "wheel_prize", 10)
    assert lots(games.db, m.id)[-1].expires_on == ledger.lot_expiry(MONDAY, 24)
    assert _audits(games) == audits + 1
    view = wheel_setup.get_wheel(games.db, games.cashier, w.id)
    assert (view.spins, view.budget_spent, view.segments[1].awarded) == (1, 10, 1)
    assert_clean(games.db)


def test_an_item_or_coupon_prize_is_a_voucher_handed_over_once(games: Games, monkeypatch) -> None:
    item = catalog.save_item(games.db, games.operator, ItemDraft(sku=f"WH{new_id().hex[:8]}", name="保温杯",
                                                                  category="家居", price_points=300, unlimited=True))
    segments = list(simple_wheel().segments)
    segments[2] = seg("保温杯", 20, "item", item_id=item.id, value_points=300, stock=1)
    w = new_wheel(games, segments=tuple(segments))
    m = new_member(games.db, games.cashier)
    fund(games, m.id)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(70, 95))  # the cup, then the coupon
    cup, coupon = spin(games, m.id, w, at=local(MONDAY, 12)), spin(games, m.id, w, at=local(MONDAY, 13))
    assert (cup.prize, cup.voucher_expires_on, coupon.prize) == ("item", None, "coupon")
    assert coupon.voucher_expires_on == MONDAY + timedelta(days=6)
    view = prizes.look_up(games.db, games.cashier, cup.voucher_code.lower())
    assert (view.name, view.kind, view.state, view.member_id) == ("保温杯", "goods", "valid", m.id)
    assert prizes.write_off(games.db, games.cashier, cup.voucher_code).state == "written_off"
    with pytest.raises(Conflict, match="already handed over"):
        prizes.write_off(games.db, games.supervisor, cup.voucher_code)
    assert [p.code for p in prizes.prizes_for(games.db, games.cashier, m.id)] == [
        coupon.voucher_code.replace("-", ""), cup.voucher_code.replace("-", "")]
    assert_clean(games.db)


def test_free_spins_by_tier_come_first_each_day(games: Games, monkeypatch) -> None:
    w = new_wheel(games, free_spins={"regular": 2, "gold": 3})
    m = new_member(games.db, games.cashier)
    fund(games, m.id, 100)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(0))  # thanks for playing
    first = [spin(games, m.id, w, at=local(MONDAY, 10 + i)) for i in range(3)]
    assert [(r.free, r.cost_points) for r in first] == [(True, 0), (True, 0), (False, 10)]
    status = wheel.spin_status(games.db, games.cashier, m.id, w.id, now=local(MONDAY, 20))
    assert (status.free_spins_left, status.next_cost, status.balance) == (0, 10, 90)
    tomorrow = spin(games, m.id, w, at=local(MONDAY + timedelta(1), 10))
    assert tomorrow.free
    assert [e.kind for e in entries(games.db, m.id)].count("wheel_cost") == 1
    assert_clean(games.db)


def test_refusals_say_why_and_write_nothing(games: Games) -> None:
    w = new_wheel(games, cost_points=30, daily_cap=1)
    m = new_member(games.db, games.cashier)
    before = row_counts(games.db)
    with pytest.raises(InsufficientPoints) as short:
        spin(games, m.id, w)
    assert short.value.message == "A spin costs 30 points; the balance is 0."
    with pytest.raises(SpinRefusal, match="opens at"):
        spin(games, m.id, w, at=w.starts_at - timedelta(seconds=1))
    with pytest.raises(SpinRefusal, match="closed at"):
        spin(games, m.id, w, at=w.ends_at)
    with pytest.raises(PermissionDenied):
        wheel.spin(games.db, games.operator, member_id=m.id, wheel_id=w.id, now=local(MONDAY, 12))
    with pytest.raises(NotFound):
        wheel.spin(games.db, games.cashier, member_id=m.id, wheel_id=new_id(), now=local(MONDAY, 12))
    assert row_counts(games.db) == before
    wheel_setup.set_wheel_active(games.db, games.operator, w.id, False)
    with pytest.raises(SpinRefusal, match="paused"):
        spin(games, m.id, w)

    wheel_setup.set_wheel_active(games.db, games.operator, w.id, True)
    members.set_status(games.db, games.supervisor, m.id, "frozen", "lost card")
    with pytest.raises(MemberNotActive):
        spin(games, m.id, w)


def test_daily_and_total_caps(games: Games, monkeypatch) -> None:
    w = new_wheel(games, cost_points=0, daily_cap=2, total_cap=3)
    m = new_member(games.db, games.cashier)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(0))
    spin(games, m.id, w, at=local(MONDAY, 10))
    spin(games, m.id, w, at=local(MONDAY, 11))
    with pytest.raises(SpinRefusal) as capped:
        spin(games, m.id, w, at=local(MONDAY, 12))
    assert capped.value.message == "All 2 spins for today are used; come back tomorrow."
    spin(games, m.id, w, at=local(MONDAY + timedelta(1), 10))
    with pytest.raises(SpinRefusal, match="All 3 spins on this wheel are used"):
        spin(games, m.id, w, at=local(MONDAY + timedelta(2), 10))
    status = wheel.spin_status(games.db, games.cashier, m.id, w.id, now=local(MONDAY + timedelta(2), 10))
    assert (status.spins_left_today, status.spins_left_total) == (2, 0) and isinstance(status.refusal, SpinRefusal)


def test_a_retried_request_is_answered_with_the_first_result(games: Games) -> None:
    w = new_wheel(games)
    m = new_member(games.db, games.cashier)
    fund(games, m.id)
    first = spin(games, m.id, w, request_id="till-1:42")
    again = spin(games, m.id, w, request_id="till-1:42")
    assert again.repeated and (again.draw_id, again.segment_index, again.balance) == (
        first.draw_id, first.segment_index, first.balance)
    other = new_member(games.db, games.cashier)
    with pytest.raises(Conflict):
        spin(games, other.id, w, request_id="till-1:42")
    with games.db.read() as session:
        assert session.scalar(select(func.count()).select_from(WheelDraw).where(WheelDraw.member_id == m.id)) == 1
    assert [d.draw_id for d in wheel.draws_for(games.db, games.cashier, m.id)] == [first.draw_id]


# -- stock, budget, pity ----------------------------------------------------------------------------


def test_out_of_stock_falls_to_the_fallback(games: Games, monkeypatch) -> None:
    w = new_wheel(games, cost_points=0)
    m = new_member(games.db, games.cashier)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(95))  # always the coupon: stock 2
    results = [spin(games, m.id, w, at=local(MONDAY, 10, i)) for i in range(4)]
    assert [(r.drawn_index, r.segment_index, r.outcome) for r in results] == [
        (3, 3, "drawn"), (3, 3, "drawn"), (3, 0, "out_of_stock"), (3, 0, "out_of_stock")]
    view = wheel_setup.get_wheel(games.db, games.cashier, w.id)
    assert (view.segments[3].awarded, view.segments[3].stock_left, view.segments[0].awarded) == (2, 0, 2)
    assert_clean(games.db)


def test_a_spent_budget_falls_to_the_fallback_and_is_never_exceeded(games: Games, monkeypatch) -> None:
    w = new_wheel(games, cost_points=0, budget=120)
    m = new_member(games.db, games.cashier)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(75, 75, 75, 45, 45, 45))  # 50, 50, 50, 10, 10, 10
    outcomes = [spin(games, m.id, w, at=local(MONDAY, 10, i)).outcome for i in range(6)]
    assert outcomes == ["drawn", "drawn", "over_budget", "drawn", "drawn", "over_budget"]
    view = wheel_setup.get_wheel(games.db, games.cashier, w.id)
    assert view.budget_spent == 120 <= view.budget
    with pytest.raises(ValidationError, match="already paid out"):
        wheel_setup.save_wheel(games.db, games.operator, dataclasses.replace(view.draft(), budget=100), wheel_id=w.id)
    assert_clean(games.db)


def test_the_pity_counter_guarantees_a_prize_after_n_misses(games: Games, monkeypatch) -> None:
    w = new_wheel(games, cost_points=0, pity_after=3)
    m = new_member(games.db, games.cashier)
    # Always the lowest value: "thanks for playing" on a normal spin; the first prize on a pity spin.
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(0))
    results = [spin(games, m.id, w, at=local(MONDAY, 10, i)) for i in range(9)]
    assert [r.outcome for r in results] == ["drawn"] * 3 + ["pity"] + ["drawn"] * 3 + ["pity", "drawn"]
    assert [r.prize for r in results if r.outcome == "pity"] == ["points", "points"]
    status = wheel.spin_status(games.db, games.cashier, m.id, w.id, now=local(MONDAY, 11))
    assert status.pity_in == 3
    assert_clean(games.db)


def test_pity_skips_prizes_that_cannot_be_paid_and_says_so_when_none_can(games: Games, monkeypatch) -> None:
    segments = (seg("谢谢参与", 97), seg("50积分", 1, "points", points=50, stock=1),
                seg("5元券", 1, "coupon", face_value_fen=500, validity_days=7, value_points=100, stock=1),
                seg("再来", 1))
    w = new_wheel(games, cost_points=0, pity_after=1, segments=segments)
    m = new_member(games.db, games.cashier)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(0))
    results = [spin(games, m.id, w, at=local(MONDAY, 10, i)) for i in range(6)]
    assert [(r.outcome, r.segment_index) for r in results] == [
        ("drawn", 0), ("pity", 1), ("drawn", 0), ("pity", 2), ("drawn", 0), ("out_of_stock", 0)]
    assert_clean(games.db)


# -- versions and validation ----------------------------------------------------------------------


def test_a_new_version_keeps_the_old_draws_and_its_own_stock(games: Games, monkeypatch) -> None:
    w = new_wheel(games, cost_points=0)
    m = new_member(games.db, games.cashier)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(75))
    spin(games, m.id, w)
    draft = w.draft()
    segments = list(draft.segments)
    segments[2] = dataclasses.replace(segments[2], label="60积分", points=60, stock=1)
    v2 = wheel_setup.save_wheel(games.db, games.operator, dataclasses.replace(draft, segments=tuple(segments)),
                          wheel_id=w.id)
    assert (v2.version, v2.segments[2].label, v2.segments[2].awarded, v2.spins, v2.budget_spent) == (
        2, "60积分", 0, 1, 50)
    results = [spin(games, m.id, w, at=local(MONDAY, 13, i)) for i in range(2)]
    assert [(r.version, r.prize_points, r.outcome) for r in results] == [(2, 60, "drawn"), (2, 0, "out_of_stock")]
    with games.db.read() as session:
        v1 = session.get(WheelSegment, (w.id, 1, 2))
        assert (v1.label, v1.awarded) == ("50积分", 1)
    assert_clean(games.db)


@pytest.mark.parametrize("change, field", [
    (dict(segments=simple_wheel().segments[:3]), "segments"),
    (dict(segments=simple_wheel().segments * 4), "segments"),
    (dict(fallback_index=1), "fallback_index"),
    (dict(fallback_index=9), "fallback_index"),
    (dict(ends_at=local(MONDAY - timedelta(days=40))), "ends_at"),
    (dict(cost_points=-1), "cost_points"),
    (dict(daily_cap=0), "daily_cap"),
    (dict(total_cap=-1), "total_cap"),
    (dict(pity_after=0), "pity_after"),
    (dict(free_spins={"regular": 101}), "free_spins"),
    (dict(free_spins={"platinum": 1}), "free_spins"),
    (dict(budget=-5), "budget"),
    (dict(pity_after=3, segments=(seg("a", 1), seg("b", 1), seg("c", 1), seg("d", 1))), "pity_after"),
    (dict(segments=(seg("a", 0), seg("b", 0), seg("c", 0), seg("d", 0))), "weight"),
    (dict(segments=(seg("a", 1, colour="red"),) + simple_wheel().segments[1:]), "colour"),
    (dict(segments=(seg("", 1),) + simple_wheel().segments[1:]), "label"),
    (dict(segments=simple_wheel().segments[:3] + (seg("x", 1, "points", points=0),)), "points"),
    (dict(segments=simple_wheel().segments[:3] + (seg("x", 1, "item"),)), "item"),
    (dict(segments=simple_wheel().segments[:3] + (seg("x", 1, "coupon", face_value_fen=500),)), "validity_days"),
    (dict(segments=simple_wheel().segments[:3] + (seg("x", 1, "jackpot"),)), "prize"),
])
def test_wheels_are_validated(games: Games, change: dict, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        wheel_setup.save_wheel(games.db, games.operator, simple_wheel(**change))
    assert refused.value.field == field


def test_only_operators_configure_wheels(games: Games) -> None:
    with pytest.raises(PermissionDenied):
        wheel_setup.save_wheel(games.db, games.cashier, simple_wheel())
    with pytest.raises(NotFound):
        wheel_setup.save_wheel(games.db, games.operator, simple_wheel(segments=simple_wheel().segments[:3] + (
            seg("x", 1, "item", item_id=new_id()),)))
    w = new_wheel(games)
    assert w.id in {v.id for v in wheel_setup.list_wheels(games.db, games.cashier, open_at=local(MONDAY))}
    assert w.id not in {v.id for v in wheel_setup.list_wheels(games.db, games.cashier, open_at=w.ends_at)}


# -- expected cost -------------------------------------------------------------------------------


def test_expected_cost_of_one_spin() -> None:
    draft = simple_wheel()  # 40 x 0, 30 x 10, 20 x 50, 10 x 100 (points-equivalent) of 100, cost 10
    cost = wheel_setup.expected_cost(draft)
    assert cost.per_spin == pytest.approx((30 * 10 + 20 * 50 + 10 * 100) / 100)  # 23
    assert cost.prize_chance == pytest.approx(0.6)
    assert cost.payout_ratio == pytest.approx(2.3)
    assert cost.spins_budget_pays is None and cost.warning is None
    assert wheel_setup.expected_cost(dataclasses.replace(draft, cost_points=0)).payout_ratio is None


def test_expected_cost_with_a_pity_counter_matches_the_chain() -> None:
    # Prizes one time in ten; after 2 misses the third spin is certain.
    segments = (seg("thanks", 9), seg("a", 0), seg("b", 1, "points", points=20), seg("c", 0))
    cost = wheel_setup.expected_cost(simple_wheel(segments=segments, pity_after=2))
    # A run ends at spin 1 (p), spin 2 (0.9 p) or spin 3 (the rest): 1 + 0.9 + 0.81 = 2.71 spins a prize.
    assert cost.prize_chance == pytest.approx(1 / 2.71)
    assert cost.per_spin == pytest.approx(20 / 2.71)


def test_expected_cost_warns_when_the_budget_runs_out_early() -> None:
    draft = simple_wheel(budget=2300)  # 23 a spin: about 100 spins
    fine = wheel_setup.expected_cost(draft, expected_spins=90)
    assert fine.spins_budget_pays == 100 and fine.warning is None
    short = wheel_setup.expected_cost(draft, expected_spins=500, spent=1150)
    assert short.spins_budget_pays == 50
    assert short.warning is not None and short.warning.params["spins"] == 50
    assert "fewer than the 500 expected" in short.warning.message


# -- reconciliation --------------------------------------------------------------------------------


def test_check_finds_stock_that_disagrees_with_the_draws(db, system) -> None:
    g = Games(db, system, system, system, system, system)
    w = new_wheel(g, cost_points=0)
    m = new_member(db, system)
    wheel.spin(db, system, member_id=m.id, wheel_id=w.id, now=local(MONDAY))
    assert check.run_check(db).ok
    with db.write() as session:
        session.execute(text("UPDATE wheel_segments SET awarded = awarded + 1 WHERE idx = 2"))
        session.execute(text("UPDATE wheels SET budget_spent = budget_spent + 7"))
    problems = check.run_check(db).problems
    assert any("segment 2" in p for p in problems) and any("spent" in p for p in problems), problems


# -- sixteen spinners at once on PostgreSQL --------------------------------------------------------


def _spinners(db, actors, member_ids, wheel_id, rounds: int) -> list[object]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(member_ids))
    outcomes: list[object] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        barrier.wait()
        for r in range(rounds):
            try:
                result: object = wheel.spin(db, actors[i % len(actors)], member_id=member_ids[i], wheel_id=wheel_id,
                                            now=local(MONDAY, 12, r))
            except Exception as exc:  # noqa: BLE001 - the test sorts them
                result = exc
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(member_ids))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_sixteen_concurrent_spinners_never_exceed_stock_budget_caps_or_pity(db) -> None:
    """Sixteen tills at once (on PostgreSQL truly at once): stock, budget, caps and pity all hold."""
    with db.read() as session:
        system = staff.system_actor(session)
    g = Games(db, system, system, system, system, system)
    segments = (seg("谢谢参与", 10), seg("10积分", 30, "points", points=10),
                seg("50积分", 40, "points", points=50, stock=7),
                seg("5元券", 20, "coupon", face_value_fen=500, validity_days=7, value_points=100, stock=3))
    w = new_wheel(g, segments=segments, cost_points=5, budget=1500, daily_cap=4, pity_after=2,
                  free_spins={"regular": 1})
    members_ = [new_member(db, system).id for _ in range(12)]
    for member_id in members_:
        fund(g, member_id, 100)
    # 12 members, four of them at two tills at once: 16 spinners, 5 rounds each.
    outcomes = _spinners(db, [system], members_ + members_[:4], w.id, 5)
    spins = [o for o in outcomes if isinstance(o, wheel.SpinResult)]
    refusals = [o for o in outcomes if not isinstance(o, wheel.SpinResult)]
    assert all(isinstance(o, SpinRefusal) and "for today" in o.message for o in refusals), refusals[:3]
    assert len(spins) == 12 * 4  # the daily cap, exactly, although 80 were tried
    view = wheel_setup.get_wheel(db, system, w.id)
    assert view.segments[2].awarded <= 7 and view.segments[3].awarded <= 3
    assert view.budget_spent <= 1500 and view.spins == len(spins)
    assert sum(r.outcome in ("out_of_stock", "over_budget") for r in spins) > 0
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(PrizeVoucher)
                              .join(WheelDraw, WheelDraw.id == PrizeVoucher.draw_id)
                              .where(WheelDraw.wheel_id == w.id)) == view.segments[3].awarded
        rows = session.execute(select(WheelDraw.member_id, WheelDraw.outcome, WheelDraw.misses)
                               .where(WheelDraw.wheel_id == w.id)
                               .order_by(WheelDraw.member_id, WheelDraw.member_seq)).all()
    misses: dict[object, int] = {}
    for member_id, outcome, after in rows:
        # After two misses a spin is never an ordinary draw: a pity prize, or a fallback that says why.
        assert not (misses.get(member_id, 0) >= 2 and outcome == "drawn")
        misses[member_id] = after
    for member_id in members_:
        assert member_row(db, member_id).balance >= 0
    assert_clean(db)


def _audits(g: Games) -> int:
    with g.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditRecord)) or 0



def test_games_history_is_append_only_in_the_database(games: Games, monkeypatch) -> None:
    """Sign-ins, bonuses, wheel versions, draws, prize vouchers and write-offs refuse UPDATE and DELETE."""
    from sqlalchemy.exc import DBAPIError

    from pointsmall import signin
    from pointsmall.models import GAMES_APPEND_ONLY_TABLES

    m = new_member(games.db, games.cashier)
    fund(games, m.id)
    for day in (MONDAY + timedelta(n) for n in range(7) if n != 5):
        signin.sign_in(games.db, games.cashier, m.id, now=local(day))
    signin.make_up(games.db, games.cashier, m.id, MONDAY + timedelta(5), now=local(MONDAY + timedelta(6), 20))
    w = new_wheel(games)
    monkeypatch.setattr(secrets, "randbelow", FixedDraws(95))
    prizes.write_off(games.db, games.cashier, spin(games, m.id, w).voucher_code)
    before = row_counts(games.db)
    for table in GAMES_APPEND_ONLY_TABLES:
        assert before[table] > 0, table
        column = {"prize_vouchers": "name", "prize_voucher_write_offs": "store_id", "wheel_versions": "name"}.get(
            table, "occurred_at" if table != "wheel_draws" else "misses")
        for statement in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"):
            with pytest.raises(DBAPIError, match="append-only"):
                with games.db.write() as session:
                    session.execute(text(statement))
    assert row_counts(games.db) == before
