"""Random sequences of purchases, sign-ins, make-ups, spins, tasks, reviews, expiry and time.

The machine keeps a plain model of each member's balance, signed days and
task rewards: every sign-in, make-up, spin and task claim must move the
balance by exactly what its result and the tasks' limits say (a sign-in is a
visit, the first purchase pays its task once), a second sign-in or a claim
past a task's limit must be refused, a rejected review case takes back
exactly the points it flagged, a member held by a blocking case cannot spin,
and ``check.run_check`` (balances, lots, sign-ins, task rewards and review
reversals against their entries, wheel stock, budget, caps and pity against
the draws, the audit chain) must stay clean after every step. One database
per test; each example brings its own members, wheel, tasks and abuse rule.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select, update

from pointsmall import check, ledger, members, purchases, reviews, risk, signin, staff, tasks, wheel, wheel_setup
from pointsmall.clock import business_day
from pointsmall.db import Database
from pointsmall.errors import Conflict, InsufficientPoints, UnderReview, ValidationError
from pointsmall.models import Member, PointEntry, PointLot, RiskRule, Task
from pointsmall.wheel import SpinRefusal

from ..conftest import make_sqlite
from .games_support import MONDAY, local, seg, simple_wheel
from .support import module_pg_database

TZ = "Asia/Shanghai"


@dataclass
class MemberModel:
    id: uuid.UUID
    joined_on: date
    balance: int = 0
    signed: set[date] = field(default_factory=set)
    bought: bool = False
    task_days: dict[tuple[str, date], int] = field(default_factory=dict)  # (task, day) -> rewards that day


class GamesMachine(RuleBasedStateMachine):
    db: Database

    def __init__(self) -> None:
        super().__init__()
        with self.db.read() as session:
            self.actor = staff.system_actor(session)
        self.members = []
        for _ in range(2):
            view = members.create_member(self.db, self.actor, name="游戏会员", phone=_phone())
            with self.db.read() as session:
                joined = session.get(Member, view.id).joined_on  # type: ignore[union-attr]
            self.members.append(MemberModel(view.id, joined))
        segments = (seg("谢谢参与", 30), seg("5积分", 40, "points", points=5),
                    seg("30积分", 20, "points", points=30, stock=4),
                    seg("券", 10, "coupon", face_value_fen=300, validity_days=3, value_points=60, stock=2))
        self.wheel = wheel_setup.save_wheel(self.db, self.actor, simple_wheel(
            segments=segments, cost_points=8, free_spins={"regular": 1}, daily_cap=3, total_cap=12, budget=250,
            pity_after=2))
        # Tasks and the abuse rule are global: the previous example's are switched off first.
        with self.db.write() as session:
            session.execute(update(Task).values(active=False))
            session.execute(update(RiskRule).values(active=False))
        daily = tasks.TaskDraft
        self.tasks = {
            "visit": tasks.create_task(self.db, self.actor, daily(name="到店", kind="daily", trigger="visit", points=5)),
            "share": tasks.create_task(self.db, self.actor, daily(name="分享", kind="daily", trigger="custom",
                                                                  points=3, times=2)),
            "first": tasks.create_task(self.db, self.actor, daily(name="首购", kind="growth",
                                                                  trigger="first_purchase", points=50)),
        }
        risk.create_rule(self.db, self.actor, risk.RiskRuleDraft(name="任务过快", metric="task_claims",
                                                                 window_minutes=240, threshold=1, block_redeem=True))
        self.now = local(MONDAY, 9)
        self.changed = True  # whether the database may have changed since the last full check

    @property
    def today(self) -> date:
        return business_day(self.now, TZ)

    # -- operations ------------------------------------------------------------------------------

    @rule(who=st.integers(0, 1), amount=st.integers(1, 20_000))
    def purchase(self, who: int, amount: int) -> None:
        m = self.members[who]
        result = purchases.award_for_purchase(self.db, self.actor, member_id=m.id,
                                              receipt_no=f"P{uuid.uuid4().hex[:12]}", amount_fen=amount, now=self.now)
        assert result.task_points == (0 if m.bought else 50)  # the first purchase pays its task, once
        m.balance += result.points + result.task_points
        m.bought = True
        assert result.balance == m.balance

    @rule(who=st.integers(0, 1))
    def sign_in(self, who: int) -> None:
        m = self.members[who]
        if self.today in m.signed:
            with pytest.raises(Conflict):
                signin.sign_in(self.db, self.actor, m.id, now=self.now)
            self.changed = False
            return
        result = signin.sign_in(self.db, self.actor, m.id, now=self.now)
        assert result.day == self.today and result.cost == 0 and result.points > 0
        m.signed.add(result.day)
        assert result.task_points == self._visit(m)  # a sign-in is a visit: the visit task pays once a day
        m.balance += result.net_points
        assert result.balance == m.balance

    @rule(who=st.integers(0, 1), back=st.integers(1, 4))
    def make_up(self, who: int, back: int) -> None:
        m = self.members[who]
        day = self.today - timedelta(days=back)
        try:
            result = signin.make_up(self.db, self.actor, m.id, day, now=self.now)
        except (Conflict, ValidationError, InsufficientPoints) as refused:
            assert (day in m.signed or back > 3 or day < m.joined_on or isinstance(refused, Conflict)
                    or m.balance < 20), refused.message
            self.changed = False
            return
        assert day not in m.signed and back <= 3 and result.cost == 20
        m.signed.add(day)
        m.balance += result.net_points
        assert result.balance == m.balance

    @rule(who=st.integers(0, 1))
    def spin(self, who: int) -> None:
        m = self.members[who]
        try:
            result = wheel.spin(self.db, self.actor, member_id=m.id, wheel_id=self.wheel.id, now=self.now)
        except (SpinRefusal, InsufficientPoints, UnderReview) as refused:
            if isinstance(refused, UnderReview):
                assert any(c.block_redeem for c in self._open_cases(m))
            self.changed = False
            return
        m.balance += result.prize_points - result.cost_points
        assert result.balance == m.balance

    def _visit(self, m: MemberModel) -> int:
        """Points the visit task pays now: 5 the first time on a business day."""
        key = ("visit", self.today)
        if m.task_days.get(key, 0):
            return 0
        m.task_days[key] = 1
        return 5

    def _open_cases(self, m: MemberModel) -> list[reviews.CaseView]:
        return reviews.list_cases(self.db, self.actor, member_id=m.id)

    @rule(who=st.integers(0, 1), which=st.sampled_from(["visit", "share", "first"]))
    def claim_task(self, who: int, which: str) -> None:
        m = self.members[who]
        task = self.tasks[which]
        try:
            result = tasks.claim(self.db, self.actor, m.id, task.id, now=self.now)
        except Conflict:
            done = m.task_days.get((which, self.today), 0)
            assert which == "first" or done >= task.times
            self.changed = False
            return
        assert which != "first"
        if which == "visit":
            assert self._visit(m) == 5
        else:
            m.task_days[(which, self.today)] = m.task_days.get((which, self.today), 0) + 1
            assert m.task_days[(which, self.today)] <= task.times
        m.balance += result.points
        assert result.balance == m.balance

    @rule(who=st.integers(0, 1), reject=st.booleans())
    def supervisor_decides(self, who: int, reject: bool) -> None:
        m = self.members[who]
        cases = [c for c in self._open_cases(m) if c.kind == "earning_velocity"]
        if not cases:
            self.changed = False
            return
        case = cases[0]
        decided = (reviews.reject if reject else reviews.approve)(self.db, self.actor, case.id, "随机决定")
        assert decided.decision is not None
        assert decided.decision.points_reversed == (case.points_flagged if reject else 0)
        m.balance -= decided.decision.points_reversed

    @rule(hours=st.integers(1, 60))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        self.changed = False

    @rule(days=st.integers(100, 800))
    def long_time_passes_and_points_expire(self, days: int) -> None:
        self.now += timedelta(days=days)
        ledger.expire_lots(self.db, self.actor, as_of=self.today)
        with self.db.read() as session:
            for m in self.members:
                m.balance = session.get(Member, m.id).balance  # type: ignore[union-attr]

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def balances_match_the_model_and_the_ledger(self) -> None:
        with self.db.read() as session:
            for m in self.members:
                row = session.get(Member, m.id)
                # Below zero only after a rejection took back points already spent, and then flagged.
                assert row is not None and row.balance == m.balance and (m.balance >= 0 or row.needs_review)
                assert session.scalar(select(func.coalesce(func.sum(PointEntry.points), 0))
                                      .where(PointEntry.member_id == m.id)) == m.balance
                assert session.scalar(select(func.coalesce(func.sum(PointLot.remaining), 0))
                                      .where(PointLot.member_id == m.id)) == max(m.balance, 0)

    @invariant()
    def check_is_clean(self) -> None:
        if self.changed:  # else the last step wrote nothing and the previous check still holds
            report = check.run_check(self.db)
            assert report.ok, report.problems
        self.changed = True


_phones = iter(range(10**7))


def _phone() -> str:
    return f"137{next(_phones):08d}"


def _settings(examples: int, steps: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_games_keep_the_ledger_invariants_on_sqlite(sqlite_template: Path, tmp_path: Path) -> None:
    db = make_sqlite(sqlite_template, tmp_path)
    try:
        machine = type("SQLiteGamesMachine", (GamesMachine,), {"db": db})
        run_state_machine_as_test(machine, settings=_settings(20, 25))
    finally:
        db.dispose()


@pytest.mark.postgres
def test_games_keep_the_ledger_invariants_on_postgresql(pg_template: str) -> None:
    with module_pg_database(pg_template, "g") as db:
        machine = type("PostgresGamesMachine", (GamesMachine,), {"db": db})
        run_state_machine_as_test(machine, settings=_settings(4, 15))

