"""Random sequences of ledger operations against a reference model, invariants after every step.

The machine earns, refunds (in part or in full), adjusts up and down,
moves time forward and runs the expiry job, for two members, and after
every step checks the database against a plain-Python model of the lots:
spending takes the soonest-expiring lots first, a refund takes its own
purchase's lot first, points that arrive while the balance is negative
repay the debt first, expiry empties every lot whose last day has passed.
"""
from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from pointsmall import adjustments, bootstrap, check, ledger, members, purchases, rules, staff
from pointsmall.clock import business_day
from pointsmall.db import Database
from pointsmall.errors import InsufficientPoints
from pointsmall.models import Member, PointEntry, PointLot, Purchase

from ..conftest import _pg_admin, _pg_url, make_sqlite

TZ = "Asia/Shanghai"
START = datetime(2024, 1, 1, 4, 0, tzinfo=timezone.utc)


@dataclass
class LotModel:
    expires_on: date
    remaining: int


@dataclass
class MemberModel:
    id: uuid.UUID
    balance: int = 0
    flagged: bool = False
    entries: int = 0
    lots: dict[uuid.UUID, LotModel] = field(default_factory=dict)

    def open_lots(self, prefer: uuid.UUID | None = None) -> list[uuid.UUID]:
        ids = sorted((i for i, lot in self.lots.items() if lot.remaining > 0),
                     key=lambda i: (self.lots[i].expires_on, i))
        return sorted(ids, key=lambda i: i != prefer) if prefer is not None else ids

    def draw(self, points: int, prefer: uuid.UUID | None = None) -> int:
        taken = 0
        for lot_id in self.open_lots(prefer):
            take = min(self.lots[lot_id].remaining, points - taken)
            self.lots[lot_id].remaining -= take
            taken += take
            if taken == points:
                break
        return taken

    def credit(self, lot_id: uuid.UUID, points: int, expires_on: date) -> None:
        repay = min(points, max(0, -self.balance))
        self.lots[lot_id] = LotModel(expires_on, points - repay)
        self.balance += points
        self.entries += 1


@dataclass
class PurchaseModel:
    receipt: str
    member: int
    amount: int
    points: int
    lot_id: uuid.UUID | None
    refunded: int = 0
    reversed: int = 0


class LedgerMachine(RuleBasedStateMachine):
    open_database: Callable[[], tuple[Database, Callable[[], None]]]

    def __init__(self) -> None:
        super().__init__()
        self.db, self._close = type(self).open_database()
        with self.db.read() as session:
            self.actor = staff.system_actor(session)
        rules.update_rules(self.db, self.actor, adjust_limit=1_000_000)
        self.members = [
            MemberModel(members.create_member(self.db, self.actor, name=name, phone=phone).id)
            for name, phone in (("张三", "13800000001"), ("李四", "13800000002"))
        ]
        self.purchases: list[PurchaseModel] = []
        self.now = START
        self.counter = 0
        self.changed = True  # whether the database may have changed since the last full check

    def teardown(self) -> None:
        self._close()

    def _next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def _lot_of(self, entry_id: uuid.UUID) -> date:
        with self.db.read() as session:
            return session.scalars(select(PointLot.expires_on).where(PointLot.entry_id == entry_id)).one()

    # -- operations ------------------------------------------------------------

    @rule(who=st.integers(0, 1), amount=st.integers(1, 300_000))
    def earn(self, who: int, amount: int) -> None:
        m = self.members[who]
        receipt = self._next("R")
        result = purchases.award_for_purchase(self.db, self.actor, member_id=m.id, receipt_no=receipt,
                                              amount_fen=amount, now=self.now)
        assert not result.repeated and result.points >= amount // 100
        lot_id = None
        if result.points:
            with self.db.read() as session:
                lot_id = session.scalars(select(PointEntry.id).join(Purchase, Purchase.id == PointEntry.purchase_id)
                                         .where(Purchase.receipt_no == receipt)).one()
            expires = ledger.lot_expiry(business_day(self.now, TZ), 24)
            assert self._lot_of(lot_id) == expires
            m.credit(lot_id, result.points, expires)
        assert result.balance == m.balance
        self.purchases.append(PurchaseModel(receipt, who, amount, result.points, lot_id))

    @precondition(lambda self: any(p.refunded < p.amount for p in self.purchases))
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        p = data.draw(st.sampled_from([p for p in self.purchases if p.refunded < p.amount]), label="purchase")
        amount = data.draw(st.one_of(st.just(p.amount - p.refunded), st.integers(1, p.amount - p.refunded)),
                           label="amount")
        m = self.members[p.member]
        target = p.points * (p.refunded + amount) // p.amount
        expected = target - p.reversed
        result = purchases.refund_purchase(self.db, self.actor, receipt_no=p.receipt, refund_no=self._next("F"),
                                           amount_fen=amount, now=self.now)
        assert result.points_reversed == expected
        p.refunded += amount
        p.reversed += expected
        if p.refunded == p.amount:
            assert p.reversed == p.points  # partial refunds add up to exactly what was earned
        if expected:
            m.draw(expected, prefer=p.lot_id)
            m.balance -= expected
            m.entries += 1
            if m.balance < 0:
                m.flagged = True
        assert (result.balance, result.flagged_for_review) == (m.balance, m.flagged)

    @rule(who=st.integers(0, 1), points=st.integers(-3000, 3000).filter(bool))
    def adjust(self, who: int, points: int) -> None:
        m = self.members[who]
        call = lambda: adjustments.adjust_points(self.db, self.actor, member_id=m.id, points=points,  # noqa: E731
                                                 reason_category="correction", note="property test")
        if points < 0 and -points > m.balance:
            with pytest.raises(InsufficientPoints):
                call()
            self.changed = False
            return
        result = call()
        if points > 0:
            m.credit(result.entry_id, points, self._lot_of(result.entry_id))
        else:
            assert m.draw(-points) == -points
            m.balance += points
            m.entries += 1
        assert result.balance == m.balance

    @rule(days=st.integers(1, 400))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)
        self.changed = False

    @rule()
    def expire(self) -> None:
        as_of = business_day(self.now, TZ)
        expected_points = 0
        expected_members = 0
        for m in self.members:
            due = [lot for lot in m.lots.values() if lot.expires_on < as_of and lot.remaining > 0]
            if due:
                total = sum(lot.remaining for lot in due)
                for lot in due:
                    lot.remaining = 0
                m.balance -= total
                m.entries += 1
                expected_points += total
                expected_members += 1
        report = ledger.expire_lots(self.db, self.actor, as_of=as_of)
        assert (report.members, report.points) == (expected_members, expected_points)
        again = ledger.expire_lots(self.db, self.actor, as_of=as_of)
        assert (again.members, again.points) == (0, 0)

    @precondition(lambda self: any(m.flagged and m.balance >= 0 for m in self.members))
    @rule(data=st.data())
    def resolve_review(self, data: st.DataObject) -> None:
        m = data.draw(st.sampled_from([m for m in self.members if m.flagged and m.balance >= 0]))
        members.resolve_review(self.db, self.actor, m.id, note="checked")
        m.flagged = False

    # -- invariants ------------------------------------------------------------

    @invariant()
    def ledger_matches_the_model(self) -> None:
        with self.db.read() as session:
            for m in self.members:
                row = session.get(Member, m.id)
                assert row is not None
                points = list(session.scalars(select(PointEntry.points).where(PointEntry.member_id == m.id)
                                              .order_by(PointEntry.seq)))
                afters = list(session.scalars(select(PointEntry.balance_after)
                                              .where(PointEntry.member_id == m.id).order_by(PointEntry.seq)))
                assert row.balance == m.balance == sum(points)
                assert row.last_entry_seq == len(points) == m.entries
                running = 0
                for delta, after in zip(points, afters):
                    running += delta
                    assert after == running
                lots = dict(session.execute(select(PointLot.id, PointLot.remaining)
                                            .where(PointLot.member_id == m.id)).all())
                assert lots == {i: lot.remaining for i, lot in m.lots.items()}
                open_total = session.scalar(select(func.coalesce(func.sum(PointLot.remaining), 0))
                                            .where(PointLot.member_id == m.id))
                assert open_total == max(row.balance, 0)
                assert row.needs_review == m.flagged
                if row.balance < 0:
                    assert row.needs_review and row.review_reason
                    assert open_total == 0

    @invariant()
    def check_is_clean(self) -> None:
        if self.changed:  # else the last step wrote nothing and the previous check still holds
            report = check.run_check(self.db)
            assert report.ok, report.problems
        self.changed = True  # steps that write nothing say so again


def _settings(examples: int, steps: int) -> settings:
    return settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_ledger_state_machine_on_sqlite(sqlite_template: Path) -> None:
    def open_database() -> tuple[Database, Callable[[], None]]:
        directory = Path(tempfile.mkdtemp(prefix="pointsmall-prop-"))
        db = make_sqlite(sqlite_template, directory)

        def close() -> None:
            db.dispose()
            shutil.rmtree(directory, ignore_errors=True)
        return db, close

    machine = type("SQLiteLedgerMachine", (LedgerMachine,), {"open_database": staticmethod(open_database)})
    run_state_machine_as_test(machine, settings=_settings(30, 25))


@pytest.mark.postgres
def test_ledger_state_machine_on_postgresql(pg_template: str) -> None:
    def open_database() -> tuple[Database, Callable[[], None]]:
        name = f"pointsmall_p_{uuid.uuid4().hex[:12]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
        db = bootstrap.prepare(_pg_url(name))

        def close() -> None:
            db.dispose()
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return db, close

    machine = type("PostgresLedgerMachine", (LedgerMachine,), {"open_database": staticmethod(open_database)})
    run_state_machine_as_test(machine, settings=_settings(6, 20))
