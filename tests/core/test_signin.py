"""Daily sign-in (签到): business days, streaks, the reward cycle, make-ups, bonuses, the calendar."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pointsmall import members, purchases, signin, staff
from pointsmall.errors import (
    Conflict,
    DomainError,
    InsufficientPoints,
    MemberNotActive,
    PermissionDenied,
    ValidationError,
)
from pointsmall.ids import new_id
from pointsmall.clock import utc_now
from pointsmall.models import PointEntry, SignIn, SignInBonus, Staff, Store
from pointsmall.staff import Role

from ..conftest import STAFF_SECRET
from .games_support import MONDAY, MONTH, Games, _default_signin_rules, assert_clean, days, games, local  # noqa: F401
from .support import drop_append_only_trigger, entries, member_row, new_member, row_counts

CYCLE = [5, 5, 10, 5, 5, 10, 30]


def fund(g: Games, member_id, amount_fen: int = 100_000, day: date = MONDAY) -> None:
    """Points to pay for make-ups: ¥1,000 of purchases earn 1,000 points."""
    purchases.award_for_purchase(g.db, g.cashier, member_id=member_id, receipt_no=f"G-{new_id().hex[:20]}",
                                 amount_fen=amount_fen, now=local(day, 9))


def signed_days(g: Games, member_id) -> dict[date, str]:
    with g.db.read() as session:
        return {row.business_day: row.kind for row in
                session.scalars(select(SignIn).where(SignIn.member_id == member_id))}


# -- the cycle, the week, the streak ---------------------------------------------------------------


def test_seven_days_pay_the_cycle_and_the_weekly_challenge(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    results = [signin.sign_in(games.db, games.cashier, m.id, now=local(day)) for day in days(MONDAY, 7)]
    assert [r.points for r in results] == CYCLE
    assert [r.streak for r in results] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.cycle_day for r in results] == [1, 2, 3, 4, 5, 6, 7]
    assert [len(r.bonuses) for r in results] == [0] * 6 + [1]
    week = results[-1].bonuses[0]
    assert (week.kind, week.period_start, week.period_end, week.points) == ("week", MONDAY, MONDAY + timedelta(6), 50)
    assert results[-1].balance == sum(CYCLE) + 50 == member_row(games.db, m.id).balance
    # Day 8 starts the cycle again, with the streak still growing.
    eighth = signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY + timedelta(7)))
    assert (eighth.streak, eighth.cycle_day, eighth.points) == (8, 1, 5)
    kinds = [e.kind for e in entries(games.db, m.id)]
    assert kinds == ["signin"] * 7 + ["signin_bonus", "signin"]
    assert_clean(games.db)


def test_points_expire_like_other_points(games: Games) -> None:
    from pointsmall import ledger
    from .support import lots

    m = new_member(games.db, games.cashier)
    signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY))
    (lot,) = lots(games.db, m.id)
    assert lot.expires_on == ledger.lot_expiry(MONDAY, 24)


def test_a_missed_day_resets_the_streak(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    for day in days(MONDAY, 3):
        signin.sign_in(games.db, games.cashier, m.id, now=local(day))
    after_gap = signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY + timedelta(4)))
    assert (after_gap.streak, after_gap.cycle_day, after_gap.points) == (1, 1, 5)
    cal = signin.calendar(games.db, games.cashier, m.id, now=local(MONDAY + timedelta(4)))
    assert cal.streak == 1


def test_business_day_is_the_stores_local_day(games: Games) -> None:
    """23:59 and 00:01 in Shanghai are two business days, though only two minutes apart."""
    m = new_member(games.db, games.cashier)
    late = signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY, 23, 59))
    early = signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY + timedelta(1), 0, 1))
    assert (late.day, early.day) == (MONDAY, MONDAY + timedelta(1))
    assert early.streak == 2
    # 00:01 and 23:59 of the same local day are one business day (16:01 and 15:59 UTC on two UTC dates).
    other = new_member(games.db, games.cashier)
    signin.sign_in(games.db, games.cashier, other.id, now=local(MONDAY, 0, 1))
    with pytest.raises(Conflict, match="Already signed in today"):
        signin.sign_in(games.db, games.cashier, other.id, now=local(MONDAY, 23, 59))


def test_the_same_instant_is_a_different_day_in_another_timezone(games: Games) -> None:
    with games.db.write() as session:
        if session.get(Store, "NY01") is None:
            session.add(Store(id="NY01", name="New York", timezone="America/New_York", created_at=utc_now()))
    username = f"ny-{new_id().hex[:6]}"
    staff.create_staff(games.db, games.system, username=username, display_name="NY", role=Role.CASHIER,
                       secret=STAFF_SECRET, store_id="NY01")
    new_york = staff.authenticate(games.db, username, STAFF_SECRET)
    assert new_york.store_tz == "America/New_York"
    m = new_member(games.db, games.cashier)
    # 03:00 UTC on Tuesday is Monday 22:00 in New York and Tuesday 11:00 in Shanghai.
    instant = local(MONDAY + timedelta(1), 3, tz="UTC")
    assert signin.sign_in(games.db, new_york, m.id, now=instant).day == MONDAY
    assert signin.sign_in(games.db, games.cashier, m.id, now=instant).day == MONDAY + timedelta(1)
    with pytest.raises(Conflict):
        signin.sign_in(games.db, new_york, m.id, now=instant + timedelta(hours=1))  # still Monday in New York
    assert_clean(games.db)


# -- refusals --------------------------------------------------------------------------------------


def test_a_second_sign_in_the_same_day_is_refused_and_writes_nothing(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY, 9))
    before = row_counts(games.db)
    with pytest.raises(Conflict) as refused:
        signin.sign_in(games.db, games.supervisor, m.id, now=local(MONDAY, 18))
    assert refused.value.message == f"Already signed in today ({MONDAY.isoformat()}); come back tomorrow."
    assert row_counts(games.db) == before


def test_the_unique_key_refuses_even_when_the_check_is_skipped(games: Games, monkeypatch) -> None:
    """The constraint, not only the check, keeps one sign-in a day."""
    m = new_member(games.db, games.cashier)
    signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY, 9))
    monkeypatch.setattr(signin, "_days", lambda *args: {})
    before = row_counts(games.db)
    with pytest.raises(Conflict, match="Already signed in today"):
        signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY, 10))
    assert row_counts(games.db) == before


def test_frozen_members_and_roles_without_the_permission_are_refused(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    with pytest.raises(PermissionDenied):
        signin.sign_in(games.db, games.operator, m.id, now=local(MONDAY))
    with pytest.raises(PermissionDenied):
        signin.update_signin_rules(games.db, games.cashier, week_bonus=10)
    members.set_status(games.db, games.supervisor, m.id, "frozen", "lost card")
    with pytest.raises(MemberNotActive):
        signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY))
    assert signed_days(games, m.id) == {}


# -- make-ups (补签) --------------------------------------------------------------------------------


def test_a_make_up_costs_points_and_keeps_the_streak(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    fund(games, m.id)  # 1,000 points
    for day in (MONDAY, MONDAY + timedelta(1), MONDAY + timedelta(3)):
        signin.sign_in(games.db, games.cashier, m.id, now=local(day))
    today = MONDAY + timedelta(3)
    before = member_row(games.db, m.id).balance
    made = signin.make_up(games.db, games.cashier, m.id, MONDAY + timedelta(2), now=local(today, 12))
    assert (made.kind, made.day, made.cost, made.points, made.streak) == ("makeup", MONDAY + timedelta(2), 20, 0, 4)
    assert made.balance == before - 20
    cost = entries(games.db, m.id)[-1]
    assert (cost.kind, cost.points, cost.reference) == ("signin_makeup_cost", -20, f"makeup {MONDAY + timedelta(2)}")
    # The next day pays day 5 of the cycle: the run is unbroken.
    nxt = signin.sign_in(games.db, games.cashier, m.id, now=local(today + timedelta(1)))
    assert (nxt.streak, nxt.points) == (5, CYCLE[4])
    assert signed_days(games, m.id)[MONDAY + timedelta(2)] == "makeup"
    assert_clean(games.db)


def test_a_make_up_reaches_back_only_a_few_days(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    fund(games, m.id)
    today = MONDAY + timedelta(10)
    with pytest.raises(ValidationError, match="last 3 days"):
        signin.make_up(games.db, games.cashier, m.id, today - timedelta(4), now=local(today))
    with pytest.raises(ValidationError, match="before today"):
        signin.make_up(games.db, games.cashier, m.id, today, now=local(today))
    with pytest.raises(ValidationError, match="before today"):
        signin.make_up(games.db, games.cashier, m.id, today + timedelta(1), now=local(today))
    signin.make_up(games.db, games.cashier, m.id, today - timedelta(3), now=local(today))
    with pytest.raises(Conflict, match="already signed in"):
        signin.make_up(games.db, games.cashier, m.id, today - timedelta(3), now=local(today))
    signin.update_signin_rules(games.db, games.operator, makeup_days=5)
    signin.make_up(games.db, games.cashier, m.id, today - timedelta(5), now=local(today))


def test_a_make_up_never_fills_a_day_before_the_member_joined(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    joined = member_row(games.db, m.id).joined_on
    fund(games, m.id, day=joined)
    with pytest.raises(ValidationError, match="before the member joined"):
        signin.make_up(games.db, games.cashier, m.id, joined - timedelta(1), now=local(joined + timedelta(1)))


def test_make_ups_are_limited_per_month_by_the_month_they_are_taken_in(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    fund(games, m.id)
    late = MONTH - timedelta(1)  # the last day of the month before MONTH
    signin.make_up(games.db, games.cashier, m.id, late - timedelta(1), now=local(late))
    signin.make_up(games.db, games.cashier, m.id, late - timedelta(2), now=local(late))
    with pytest.raises(Conflict, match="limited to 2 a month"):
        signin.make_up(games.db, games.cashier, m.id, late - timedelta(3), now=local(late))
    # A new month, a new allowance; it may fill the old month's last day.
    signin.make_up(games.db, games.cashier, m.id, late, now=local(MONTH))
    cal = signin.calendar(games.db, games.cashier, m.id, now=local(MONTH))
    assert cal.makeups_left == 1
    signin.update_signin_rules(games.db, games.operator, makeups_per_month=0)
    with pytest.raises(DomainError, match="switched off"):
        signin.make_up(games.db, games.cashier, m.id, MONTH - timedelta(3), now=local(MONTH))
    assert_clean(games.db)


def test_a_make_up_needs_the_points_and_writes_nothing_without_them(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY))  # 5 points
    before = row_counts(games.db)
    with pytest.raises(InsufficientPoints) as short:
        signin.make_up(games.db, games.cashier, m.id, MONDAY + timedelta(1), now=local(MONDAY + timedelta(2)))
    assert short.value.message == "A make-up sign-in costs 20 points; the balance is 5."
    assert row_counts(games.db) == before


def test_a_make_up_can_complete_the_week_and_the_challenge_pays_once(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    fund(games, m.id)
    week = days(MONDAY, 7)
    for day in week:
        if day != week[4]:  # Friday missed
            result = signin.sign_in(games.db, games.cashier, m.id, now=local(day))
            assert result.bonuses == ()
    made = signin.make_up(games.db, games.cashier, m.id, week[4], now=local(week[6] + timedelta(1), 8))
    assert [(b.kind, b.points) for b in made.bonuses] == [("week", 50)]
    next_monday = signin.sign_in(games.db, games.cashier, m.id, now=local(week[6] + timedelta(1), 9))
    assert next_monday.bonuses == () and next_monday.streak == 8
    with games.db.read() as session:
        bonuses = session.scalars(select(SignInBonus).where(SignInBonus.member_id == m.id)).all()
        assert [(b.kind, b.period_start) for b in bonuses] == [("week", MONDAY)]
    # The unique key pays a week once even to code that forgets to look.
    with pytest.raises(IntegrityError):
        with games.db.write() as session:
            entry_id = session.scalars(select(PointEntry.id).where(PointEntry.member_id == m.id)).first()
            system = session.scalars(select(Staff.id).where(Staff.username == "system")).one()
            session.add(SignInBonus(id=new_id(), member_id=m.id, kind="week", period_start=MONDAY,
                                    period_end=MONDAY + timedelta(6), days=7, points=50, entry_id=entry_id,
                                    staff_id=system, store_id="S001", occurred_at=local(MONDAY)))
    assert_clean(games.db)


def test_monthly_bonuses_are_paid_once_each_as_the_days_add_up(games: Games) -> None:
    signin.update_signin_rules(games.db, games.operator, month_bonuses=[[3, 7], [5, 11]], week_bonus=0)
    m = new_member(games.db, games.cashier)
    paid = [[(b.kind, b.days, b.points) for b in signin.sign_in(games.db, games.cashier, m.id, now=local(day)).bonuses]
            for day in days(MONTH, 6)]
    assert paid == [[], [], [("month", 3, 7)], [], [("month", 5, 11)], []]
    assert_clean(games.db)


def test_the_tier_multiplier_scales_the_daily_reward(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    fund(games, m.id, amount_fen=600_000)  # ¥6,000: Gold (1.5x) at once
    plain = signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY))
    assert plain.points == 5
    signin.update_signin_rules(games.db, games.operator, tier_multiplier=True)
    scaled = [signin.sign_in(games.db, games.cashier, m.id, now=local(day)).points for day in days(MONDAY + timedelta(1), 6)]
    assert scaled == [c * 1500 // 1000 for c in CYCLE[1:]]  # 7, 15, 7, 7, 15, 45: rounded down


# -- the calendar ----------------------------------------------------------------------------------


def test_the_calendar_shows_the_month_and_keeps_its_promises(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    fund(games, m.id)
    first = MONTH
    for n in (0, 1, 2, 4, 5):
        signin.sign_in(games.db, games.cashier, m.id, now=local(first + timedelta(n)))
    today = first + timedelta(6)
    signin.make_up(games.db, games.cashier, m.id, first + timedelta(3), now=local(today, 8))
    cal = signin.calendar(games.db, games.cashier, m.id, now=local(today, 9))
    states = {d.day: d.state for d in cal.days}
    assert [states[first + timedelta(n)] for n in range(8)] == [
        "signed", "signed", "signed", "made_up", "signed", "signed", "open", "future"]
    assert (cal.today, cal.signed_today, cal.streak, cal.month_signed) == (today, False, 6, 6)
    assert cal.makeups_left == 1 and cal.makeup_cost == 20 and cal.makeup_days == ()
    assert cal.today_points == CYCLE[6] + (50 if first.weekday() == 0 else 0)  # day 7; a whole week if it began on Monday
    # What the calendar says today's and tomorrow's sign-ins pay is what they pay.
    got = signin.sign_in(games.db, games.cashier, m.id, now=local(today, 10))
    assert got.points + sum(b.points for b in got.bonuses) == cal.today_points
    tomorrow = signin.sign_in(games.db, games.cashier, m.id, now=local(today + timedelta(1), 10))
    assert tomorrow.points + sum(b.points for b in tomorrow.bonuses) == cal.tomorrow_points
    # A missed day shows, and can be made up while it is recent.
    later = signin.calendar(games.db, games.cashier, m.id, now=local(today + timedelta(3)))
    assert [d.state for d in later.days[8:10]] == ["missed", "open"]
    assert later.makeup_days == (today + timedelta(2),)
    assert later.streak == 0


def test_the_calendar_of_a_new_member(games: Games) -> None:
    m = new_member(games.db, games.cashier)
    joined = member_row(games.db, m.id).joined_on
    cal = signin.calendar(games.db, games.cashier, m.id, now=local(joined))
    states = {d.day: d.state for d in cal.days}
    assert states[joined] == "open"
    assert all(s == "before_joining" for d, s in states.items() if d < joined)
    assert (cal.streak, cal.today_points, cal.tomorrow_points) == (0, CYCLE[0], CYCLE[1])
    with pytest.raises(ValidationError):
        signin.calendar(games.db, games.cashier, m.id, 2026, 13)


def test_rules_are_validated(games: Games) -> None:
    for bad in (dict(cycle=[]), dict(cycle=[5, -1]), dict(cycle=5), dict(month_bonuses=[[3, 5], [3, 6]]),
                dict(month_bonuses=[[40, 5]]), dict(month_bonuses=[[1, 2, 3]]), dict(makeup_days=0),
                dict(makeups_per_month=-1), dict(week_bonus=True), dict(nonsense=1)):
        with pytest.raises(ValidationError):
            signin.update_signin_rules(games.db, games.operator, **bad)
    assert signin.update_signin_rules(games.db, games.operator, cycle=[1, 2, 3]).cycle == (1, 2, 3)
    with games.db.read() as session:
        assert signin.load_signin_rules(session) == replace(signin.SigninRules(), cycle=(1, 2, 3))


# -- reconciliation and concurrency (a fresh database each) ----------------------------------------


def test_check_finds_a_sign_in_that_disagrees_with_its_entry(db, system) -> None:
    from sqlalchemy import text

    from pointsmall import check

    m = new_member(db, system)
    signin.sign_in(db, system, m.id, now=local(MONDAY))
    assert check.run_check(db).ok
    drop_append_only_trigger(db, "sign_ins")
    with db.write() as session:
        session.execute(text("UPDATE sign_ins SET points = 50"))
    problems = check.run_check(db).problems
    assert any("sign-in" in p and "should move 50 points" in p for p in problems), problems


def _race(db, actor, member_id, n: int) -> list[object]:
    barrier = threading.Barrier(n)
    outcomes: list[object] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        try:
            result: object = signin.sign_in(db, actor, member_id, now=local(MONDAY))
        except Exception as exc:  # noqa: BLE001 - the test sorts them
            result = exc
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.postgres
def test_sixteen_tills_signing_in_one_member_at_once_on_postgresql(pg_db) -> None:
    with pg_db.read() as session:
        system = staff.system_actor(session)
    m = new_member(pg_db, system)
    outcomes = _race(pg_db, system, m.id, 16)
    won = [o for o in outcomes if isinstance(o, signin.SignInResult)]
    lost = [o for o in outcomes if not isinstance(o, signin.SignInResult)]
    assert len(won) == 1 and len(lost) == 15
    assert all(isinstance(o, Conflict) and "Already signed in today" in o.message for o in lost), lost
    assert member_row(pg_db, m.id).balance == CYCLE[0]
    assert_clean(pg_db)


@pytest.mark.postgres
def test_the_constraint_alone_lets_one_of_sixteen_win_on_postgresql(pg_db, monkeypatch) -> None:
    """Without the member lock and the look-up in front of it, the unique key still refuses 15 of 16."""
    with pg_db.read() as session:
        system = staff.system_actor(session)
    signin.update_signin_rules(pg_db, system, cycle=[0], week_bonus=0, month_bonuses=[])  # no ledger entry
    m = new_member(pg_db, system)
    monkeypatch.setattr(signin.ledger, "lock_member", lambda session, member_id: session.get(signin.Member, member_id))
    monkeypatch.setattr(signin, "_days", lambda *args: {})
    outcomes = _race(pg_db, system, m.id, 16)
    assert sum(isinstance(o, signin.SignInResult) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Conflict) and "Already signed in today" in o.message for o in outcomes) == 15, outcomes
    assert_clean(pg_db)


def test_sixteen_tills_signing_in_one_member_at_once_on_sqlite(sqlite_db) -> None:
    with sqlite_db.read() as session:
        system = staff.system_actor(session)
    m = new_member(sqlite_db, system)
    outcomes = _race(sqlite_db, system, m.id, 16)
    assert sum(isinstance(o, signin.SignInResult) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 15
    assert_clean(sqlite_db)
