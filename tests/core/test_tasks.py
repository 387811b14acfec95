"""Tasks (任务): rewarded once per limit, by the counter or by the events; referrals pay at the friend's first purchase."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from pointsmall import audit, check, members, purchases, referrals, reviews, signin, tasks
from pointsmall.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pointsmall.ids import new_id
from pointsmall.models import PointEntry, Referral, TaskClaim

from .games_support import MONDAY, Games, _no_tasks_or_rules, assert_clean, games, local, new_task  # noqa: F401
from .support import drop_append_only_trigger, member_row, new_member, unique_phone

pytestmark = pytest.mark.usefixtures("_no_tasks_or_rules")


def buy(g: Games, member_id, amount_fen: int = 1_000, day: date = MONDAY, hour: int = 11) -> purchases.AwardResult:
    return purchases.award_for_purchase(g.db, g.cashier, member_id=member_id, receipt_no=f"T-{new_id().hex[:20]}",
                                        amount_fen=amount_fen, now=local(day, hour))


def rewards(g: Games, member_id, task_id) -> list[TaskClaim]:
    with g.db.read() as session:
        rows = list(session.scalars(select(TaskClaim).where(TaskClaim.member_id == member_id,
                                                            TaskClaim.task_id == task_id).order_by(TaskClaim.slot)))
        session.expunge_all()
        return rows


# -- configuring --------------------------------------------------------------------------------------


def test_operators_configure_tasks_and_every_change_is_audited(games: Games) -> None:
    t = new_task(games, name="完善资料", kind="growth", trigger="profile", points=100)
    assert (t.kind, t.trigger, t.points, t.times, t.active) == ("growth", "profile", 100, 1, True)
    changed = tasks.update_task(games.db, games.operator, t.id, tasks.TaskDraft(
        name="完善资料", kind="growth", trigger="profile", points=150, description="生日和手机"))
    assert changed.points == 150
    off = tasks.set_task_active(games.db, games.operator, t.id, False)
    assert off.active is False
    with games.db.read() as session:
        actions = [r.action for r in audit.records_for(session, t.id)]
    assert sorted(actions) == ["task.active", "task.create", "task.update"]
    for actor in (games.cashier, games.supervisor):
        with pytest.raises(PermissionDenied):
            tasks.create_task(games.db, actor, tasks.TaskDraft(name="x", kind="daily", trigger="visit", points=5))
        with pytest.raises(PermissionDenied):
            tasks.set_task_active(games.db, actor, t.id, True)
    assert t.id in {v.id for v in tasks.list_tasks(games.db, games.cashier)}  # the counter may read them


@pytest.mark.parametrize("changes, field", [
    (dict(kind="daily", trigger="referral"), "trigger"),
    (dict(kind="growth", trigger="first_purchase", times=2), "times"),
    (dict(points=0), "points"),
    (dict(name=" "), "name"),
    (dict(times=101), "times"),
    (dict(starts_on=MONDAY, ends_on=MONDAY - timedelta(days=1)), "ends_on"),
])
def test_task_drafts_that_make_no_sense_are_refused(games: Games, changes: dict, field: str) -> None:
    values = dict(name="到店", kind="daily", trigger="visit", points=8)
    values.update(changes)
    with pytest.raises(ValidationError) as refused:
        tasks.create_task(games.db, games.operator, tasks.TaskDraft(**values))
    assert refused.value.field == field


def test_a_task_that_has_paid_keeps_its_kind_and_trigger(games: Games) -> None:
    t = new_task(games)
    m = new_member(games.db, games.cashier)
    tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY))
    with pytest.raises(Conflict):
        tasks.update_task(games.db, games.operator, t.id, tasks.TaskDraft(name="x", kind="daily", trigger="custom",
                                                                         points=8))
    tasks.set_task_active(games.db, games.operator, t.id, False)
    with pytest.raises(Conflict, match="switched off"):
        tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY + timedelta(days=1)))


# -- daily tasks and business days ---------------------------------------------------------------------


def test_a_daily_task_pays_once_a_business_day(games: Games) -> None:
    t = new_task(games, points=7)
    m = new_member(games.db, games.cashier)
    first = tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY, 9))
    assert (first.points, first.balance, first.done, first.times) == (7, 7, 1, 1)
    with pytest.raises(Conflict, match="come back tomorrow"):
        tasks.claim(games.db, games.supervisor, m.id, t.id, now=local(MONDAY, 21))
    assert tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY + timedelta(days=1), 9)).balance == 14
    assert [c.period for c in rewards(games, m.id, t.id)] == [MONDAY.isoformat(), (MONDAY + timedelta(1)).isoformat()]
    assert member_row(games.db, m.id).balance == 14
    assert_clean(games.db)


def test_the_business_day_is_the_stores_not_utcs(games: Games) -> None:
    """23:59 and 00:01 in Shanghai are two business days though both fall on the same UTC day."""
    t = new_task(games)
    m = new_member(games.db, games.cashier)
    late, early = local(MONDAY, 23, 59), local(MONDAY + timedelta(days=1), 0, 1)
    assert late.date() == early.date()  # one UTC day
    tasks.claim(games.db, games.cashier, m.id, t.id, now=late)
    tasks.claim(games.db, games.cashier, m.id, t.id, now=early)
    # For a store in New York, 08:00 and 11:00 on Tuesday in Shanghai are both Monday evening: one business day.
    ny = replace(games.cashier, store_tz="America/New_York")
    other = new_member(games.db, games.cashier)
    tasks.claim(games.db, ny, other.id, t.id, now=local(MONDAY + timedelta(days=1), 8))
    with pytest.raises(Conflict):
        tasks.claim(games.db, ny, other.id, t.id, now=local(MONDAY + timedelta(days=1), 11))
    assert [c.period for c in rewards(games, other.id, t.id)] == [MONDAY.isoformat()]


def test_a_daily_task_with_a_limit_of_two_pays_twice_a_day(games: Games) -> None:
    t = new_task(games, trigger="custom", name="分享朋友圈", times=2, points=5)
    m = new_member(games.db, games.cashier)
    assert [tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY, h)).done for h in (9, 10)] == [1, 2]
    with pytest.raises(Conflict):
        tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY, 11))
    assert [c.slot for c in rewards(games, m.id, t.id)] == [1, 2]


def test_signing_in_is_a_visit(games: Games) -> None:
    t = new_task(games, points=6)
    m = new_member(games.db, games.cashier)
    result = signin.sign_in(games.db, games.cashier, m.id, now=local(MONDAY, 9))
    assert result.task_points == 6 and result.balance == result.net_points == member_row(games.db, m.id).balance
    assert [c.source for c in rewards(games, m.id, t.id)] == ["signin"]
    with pytest.raises(Conflict):
        tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY, 10))
    # Claimed at the counter first, the sign-in that follows pays the sign-in only.
    other = new_member(games.db, games.cashier)
    tasks.claim(games.db, games.cashier, other.id, t.id, now=local(MONDAY, 9))
    after = signin.sign_in(games.db, games.cashier, other.id, now=local(MONDAY, 10))
    assert after.task_points == 0 and after.balance == after.net_points + 6
    assert_clean(games.db)


# -- growth tasks --------------------------------------------------------------------------------------


def test_the_first_purchase_pays_its_task_once(games: Games) -> None:
    t = new_task(games, name="首次消费", kind="growth", trigger="first_purchase", points=100)
    m = new_member(games.db, games.cashier)
    first = buy(games, m.id, 1_000)
    assert (first.points, first.task_points, first.balance) == (10, 100, 110)
    second = buy(games, m.id, 1_000, hour=12)
    assert (second.task_points, second.balance) == (0, 120)
    assert [(c.source, c.points) for c in rewards(games, m.id, t.id)] == [("purchase", 100)]
    with pytest.raises(Conflict, match="by itself"):
        tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY))
    assert_clean(games.db)


def test_a_member_whose_spend_left_the_tier_window_is_not_new(games: Games) -> None:
    """The award calls in when it sees no spend in the window; the exact check finds the old purchase."""
    m = new_member(games.db, games.cashier)
    buy(games, m.id, 1_000, day=MONDAY - timedelta(days=500))
    t = new_task(games, name="首次消费", kind="growth", trigger="first_purchase", points=100)
    assert buy(games, m.id, 1_000).balance == 20
    assert rewards(games, m.id, t.id) == []


def test_the_profile_task_pays_when_the_birthday_is_added(games: Games) -> None:
    t = new_task(games, name="完善资料", kind="growth", trigger="profile", points=80)
    m = new_member(games.db, games.cashier)
    with pytest.raises(Conflict, match="birthday"):
        tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY))
    view = members.update_member(games.db, games.cashier, m.id, birthday=date(1990, 5, 4))
    assert view.balance == 80
    members.update_member(games.db, games.cashier, m.id, name="改个名字")
    members.update_member(games.db, games.cashier, m.id, clear_birthday=True)
    members.update_member(games.db, games.cashier, m.id, birthday=date(1990, 5, 5))
    assert [c.source for c in rewards(games, m.id, t.id)] == ["profile"]
    assert member_row(games.db, m.id).balance == 80
    # A member registered with a birthday before the task existed claims it at the counter.
    old = members.create_member(games.db, games.cashier, name="老会员", phone=unique_phone(), birthday=date(1980, 1, 1))
    assert tasks.claim(games.db, games.cashier, old.id, t.id, now=local(MONDAY)).points == 80


def test_the_birthday_month_visit_pays_once_a_year_in_that_month(games: Games) -> None:
    t = new_task(games, name="生日月到店", kind="growth", trigger="birthday_month", points=120)
    born = MONDAY.replace(year=1990, day=1)
    m = members.create_member(games.db, games.cashier, name="寿星", phone=unique_phone(), birthday=born)
    other = members.create_member(games.db, games.cashier, name="别人", phone=unique_phone(),
                                  birthday=(MONDAY.replace(day=1) + timedelta(days=40)).replace(year=1990))
    assert tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY)).points == 120
    with pytest.raises(Conflict, match="this year"):
        tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY + timedelta(days=1)))
    with pytest.raises(Conflict, match="birthday month"):
        tasks.claim(games.db, games.cashier, other.id, t.id, now=local(MONDAY))
    next_year = MONDAY.replace(year=MONDAY.year + 1, day=min(MONDAY.day, 28))
    assert tasks.claim(games.db, games.cashier, m.id, t.id, now=local(next_year)).done == 1
    assert [c.period for c in rewards(games, m.id, t.id)] == [str(MONDAY.year), str(MONDAY.year + 1)]


# -- referrals -----------------------------------------------------------------------------------------


def test_a_referral_pays_once_at_the_friends_first_purchase(games: Games) -> None:
    t = new_task(games, name="邀请好友", kind="challenge", trigger="referral", points=200, times=2)
    host = new_member(games.db, games.cashier, name="邀请人")
    code = referrals.referral_code(games.db, games.cashier, host.id)
    assert len(code) == 9 and code[4] == "-" and referrals.referral_code(games.db, games.cashier, host.id) == code
    friend = new_member(games.db, games.cashier, name="好友")
    # Typed in lower case, without the dash, in full-width characters from an input method.
    typed = "".join(chr(ord(c) + 0xFEE0) for c in code.replace("-", "").lower())
    made = referrals.register_referral(games.db, games.cashier, friend.id, typed)
    assert (made.referrer_id, made.rewarded, made.repeated) == (host.id, False, False)
    assert referrals.register_referral(games.db, games.cashier, friend.id, code).repeated
    buy(games, friend.id, 500)
    assert member_row(games.db, host.id).balance == 200
    buy(games, friend.id, 500, hour=12)
    assert member_row(games.db, host.id).balance == 200
    assert [(c.source, c.referral_friend_id) for c in rewards(games, host.id, t.id)] == [("referral", friend.id)]
    summary = referrals.invitations(games.db, games.cashier, host.id)
    assert (summary.code, summary.invited, summary.rewarded) == (code, 1, 1)
    # Two more friends: the challenge pays for two friends in all.
    for name in ("好友二", "好友三"):
        other = new_member(games.db, games.cashier, name=name)
        referrals.register_referral(games.db, games.cashier, other.id, code)
        buy(games, other.id, 500)
    assert member_row(games.db, host.id).balance == 400
    assert [c.slot for c in rewards(games, host.id, t.id)] == [1, 2]
    assert_clean(games.db)


def test_referral_codes_are_refused_when_they_cannot_count(games: Games) -> None:
    host = new_member(games.db, games.cashier)
    code = referrals.referral_code(games.db, games.cashier, host.id)
    with pytest.raises(ValidationError, match="own referral code"):
        referrals.register_referral(games.db, games.cashier, host.id, code)
    newer = new_member(games.db, games.cashier)
    newer_code = referrals.referral_code(games.db, games.cashier, newer.id)
    with pytest.raises(Conflict, match="joined after"):
        referrals.register_referral(games.db, games.cashier, host.id, newer_code)  # no loops
    buyer = new_member(games.db, games.cashier)
    buy(games, buyer.id)
    with pytest.raises(Conflict, match="first purchase"):
        referrals.register_referral(games.db, games.cashier, buyer.id, code)
    referrals.register_referral(games.db, games.cashier, newer.id, code)
    third = new_member(games.db, games.cashier)
    third_code = referrals.referral_code(games.db, games.cashier, third.id)
    fourth = new_member(games.db, games.cashier)
    referrals.register_referral(games.db, games.cashier, fourth.id, third_code)
    with pytest.raises(Conflict, match="already invited"):
        referrals.register_referral(games.db, games.cashier, fourth.id, code)
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    with pytest.raises(ValidationError, match="not a valid referral code"):
        referrals.register_referral(games.db, games.cashier, fourth.id, wrong)
    with pytest.raises(PermissionDenied):
        referrals.register_referral(games.db, games.operator, fourth.id, code)


# -- the counter's board, and claims racing --------------------------------------------------------------


def test_the_board_says_what_can_be_claimed_now(games: Games) -> None:
    visit = new_task(games, points=5)
    first = new_task(games, name="首购", kind="growth", trigger="first_purchase", points=50)
    profile = new_task(games, name="资料", kind="growth", trigger="profile", points=60)
    later = new_task(games, name="下月活动", trigger="custom", starts_on=MONDAY + timedelta(days=30))
    m = new_member(games.db, games.cashier)
    board = tasks.member_tasks(games.db, games.cashier, m.id, now=local(MONDAY))
    states = {row.task.id: row.state for row in board.tasks}
    assert states[visit.id] == "claimable" and states[first.id] == "automatic"
    assert states[profile.id] == "not_eligible" and states[later.id] == "not_running"
    assert board.points_available == 5 and board.points_today == 0
    tasks.claim(games.db, games.cashier, m.id, visit.id, now=local(MONDAY))
    board = tasks.member_tasks(games.db, games.cashier, m.id, now=local(MONDAY))
    row = next(r for r in board.tasks if r.task.id == visit.id)
    assert (row.state, row.done, row.times, row.period) == ("done", 1, 1, MONDAY.isoformat())
    assert board.points_today == 5
    tomorrow = tasks.member_tasks(games.db, games.cashier, m.id, now=local(MONDAY + timedelta(days=1)))
    assert next(r for r in tomorrow.tasks if r.task.id == visit.id).state == "claimable"
    assert [c.task_name for c in tasks.claims_for(games.db, games.cashier, m.id)] == ["到店打卡"]
    with pytest.raises(NotFound):
        tasks.claim(games.db, games.cashier, m.id, new_id(), now=local(MONDAY))
    with pytest.raises(PermissionDenied):  # operators configure tasks; the counter records them
        tasks.claim(games.db, games.operator, m.id, visit.id, now=local(MONDAY + timedelta(days=1)))
    assert tasks.claim(games.db, games.supervisor, m.id, visit.id, now=local(MONDAY + timedelta(days=1))).points == 5


def test_concurrent_claims_on_postgresql_exactly_one_wins(games: Games) -> None:
    if games.db.dialect != "postgresql":
        pytest.skip("SQLite has one writer; the race needs PostgreSQL")
    t = new_task(games, points=9)
    m = new_member(games.db, games.cashier)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def claim() -> None:
        barrier.wait()
        try:
            tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY + timedelta(days=3)))
            outcomes.append("won")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["won"]
    assert member_row(games.db, m.id).balance == 9
    with games.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PointEntry).where(
            PointEntry.member_id == m.id, PointEntry.kind == "task_reward")) == 1
    assert_clean(games.db)


@pytest.mark.parametrize("slot", [1, 2])
def test_the_database_refuses_a_reward_past_the_limit_whatever_the_check_said(games: Games, slot: int) -> None:
    """A taken slot (the unique key) or a slot past the limit (the CHECK constraint) cannot be written."""
    from sqlalchemy.exc import IntegrityError

    t = new_task(games)
    m = new_member(games.db, games.cashier)
    tasks.claim(games.db, games.cashier, m.id, t.id, now=local(MONDAY))
    first = rewards(games, m.id, t.id)[0]
    with pytest.raises(IntegrityError):
        with games.db.write() as session:
            session.add(TaskClaim(id=new_id(), task_id=t.id, member_id=m.id, period=first.period, slot=slot, times=1,
                                  points=8, entry_id=first.entry_id, source="counter", business_day=MONDAY,
                                  staff_id=games.cashier.staff_id, store_id=games.cashier.store_id,
                                  occurred_at=local(MONDAY)))


def test_check_finds_a_gap_in_a_periods_rewards(db, system) -> None:
    t = tasks.create_task(db, system, tasks.TaskDraft(name="到店", kind="daily", trigger="visit", points=5))
    m = new_member(db, system)
    tasks.claim(db, system, m.id, t.id, now=local(MONDAY))
    assert_clean(db)
    drop_append_only_trigger(db, "task_claims")
    with db.write() as session:
        session.execute(update(TaskClaim).where(TaskClaim.member_id == m.id).values(slot=2, times=2))
    report = check.run_check(db)
    assert any("1 rewards in slots up to 2" in p for p in report.problems), report.problems


def test_the_demo_sets_up_tasks_and_rules_and_its_sign_ins_are_visits(sqlite_db) -> None:
    from pointsmall import demo, demo_tasks, risk, staff

    demo.generate_demo(sqlite_db, 150, seed=2)
    with sqlite_db.read() as session:
        system = staff.system_actor(session)
        visits = session.scalar(select(func.count()).select_from(TaskClaim).where(TaskClaim.source == "signin"))
    assert [t.name for t in tasks.list_tasks(sqlite_db, system)] == [row[0] for row in demo_tasks.TASKS]
    assert len(risk.list_rules(sqlite_db, system)) == len(demo_tasks.RULES)
    assert visits and visits > 0
    assert demo_tasks.create_demo_tasks(sqlite_db, system) == demo_tasks.DemoTasks(0, 0)  # not twice
    # The referral story: two invited friends bought, and their host's fast points wait in the review queue.
    with sqlite_db.read() as session:
        invited = session.scalar(select(func.count()).select_from(Referral))
    cases = reviews.list_cases(sqlite_db, system)
    assert invited == 2 and [c.kind for c in cases] == ["earning_velocity"] and cases[0].points_flagged > 500
    assert demo_tasks.create_demo_referrals(sqlite_db, system) == 0  # played once
    assert_clean(sqlite_db)


def test_first_purchases_racing_on_postgresql_pay_each_task_within_its_limit(games: Games) -> None:
    """Six tills award the same new member at once, and four invited friends buy at once: limits hold."""
    if games.db.dialect != "postgresql":
        pytest.skip("SQLite has one writer; the race needs PostgreSQL")
    first = new_task(games, name="首次消费", kind="growth", trigger="first_purchase", points=100)
    invite = new_task(games, name="邀请好友", kind="challenge", trigger="referral", points=200, times=2)
    m = new_member(games.db, games.cashier)
    host = new_member(games.db, games.cashier)
    code = referrals.referral_code(games.db, games.cashier, host.id)
    friends = [new_member(games.db, games.cashier) for _ in range(4)]
    for friend in friends:
        referrals.register_referral(games.db, games.cashier, friend.id, code)
    buyers = [m.id] * 6 + [f.id for f in friends]
    barrier = threading.Barrier(len(buyers))
    errors: list[BaseException] = []

    def award(member_id) -> None:
        barrier.wait()
        try:
            buy(games, member_id, 1_000)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=award, args=(b,)) for b in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(rewards(games, m.id, first.id)) == 1
    assert member_row(games.db, m.id).balance == 6 * 10 + 100
    assert [c.slot for c in rewards(games, host.id, invite.id)] == [1, 2]
    assert member_row(games.db, host.id).balance == 400
    assert_clean(games.db)
