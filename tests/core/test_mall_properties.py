"""Random sequences of mall operations against a plain-Python model, invariants after every step.

The machine awards points, redeems (within and beyond every limit),
cancels, writes vouchers off, restocks, writes stock off, corrects counts,
lets time pass (up to 400 days a step) and runs the expiry job, for two members and three items.
The model predicts every outcome (the refusal's words included) and keeps
each member's points by expiry date, so it checks that redemptions take the
soonest-expiring points first and that a cancellation gives them back with
their original expiry. After every step: the database agrees with the model,
points are conserved (balance == sum of entries == sum of open lots), stock
equals its entries and restocks - write-offs + corrections - redemptions +
cancellations, nothing is negative, and ``check`` is clean.
"""
from __future__ import annotations

import shutil
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from pointsmall import catalog, check, ledger, members, purchases, redemption, vouchers
from pointsmall.catalog import ItemDraft
from pointsmall.clock import business_day
from pointsmall.db import Database
from pointsmall.errors import Conflict, ValidationError
from pointsmall.models import Member, PointEntry, PointLot, StockEntry
from pointsmall.staff import Role

from ..conftest import make_actor, make_sqlite

TZ = "Asia/Shanghai"
START = datetime(2026, 1, 1, 4, 0, tzinfo=timezone.utc)
CANCEL_DAYS = 7


@dataclass
class ItemModel:
    id: uuid.UUID
    price: int
    unlimited: bool = False
    per_order: int | None = None
    daily: int | None = None
    total: int | None = None
    validity_days: int | None = None
    stock: int = 0
    moved: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by stock entry kind


@dataclass
class MemberModel:
    id: uuid.UUID
    points: dict[date, int] = field(default_factory=lambda: defaultdict(int))  # open points by expiry

    @property
    def balance(self) -> int:
        return sum(self.points.values())

    def take(self, points: int) -> dict[date, int]:
        """Soonest-expiring first; what was taken from each expiry date."""
        taken: dict[date, int] = {}
        for day in sorted(d for d, p in self.points.items() if p > 0):
            take = min(self.points[day], points - sum(taken.values()))
            if take:
                taken[day] = take
                self.points[day] -= take
        assert sum(taken.values()) == points
        return taken


@dataclass
class RedemptionModel:
    id: uuid.UUID
    member: MemberModel
    item: ItemModel
    quantity: int
    points: int
    day: date
    at: datetime
    taken: dict[date, int]
    voucher: str
    expires_on: date | None
    cancelled: bool = False
    written_off: bool = False


def _not_durable(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_conn.execute("PRAGMA synchronous=OFF")


class MallMachine(RuleBasedStateMachine):
    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="mallprop"))
        self.db: Database = make_sqlite(self.template, self.directory)
        # Not durable: this test is about the rules, and fsync per write would be most of its time.
        for engine in (self.db.write_engine, self.db.read_engine):
            sqlalchemy.event.listen(engine, "connect", _not_durable)
            engine.dispose()
        self.now = START
        self.patch = pytest.MonkeyPatch()
        for module in (redemption, vouchers, catalog):
            self.patch.setattr(module, "utc_now", lambda: self.now)
        self.cashier, self.supervisor, self.operator = (make_actor(self.db, role, f"{role.value}-p")
                                                        for role in (Role.CASHIER, Role.SUPERVISOR, Role.OPERATOR))
        self.members = [MemberModel(members.create_member(self.db, self.cashier, name=name, phone=phone).id)
                        for name, phone in (("甲", "13800000001"), ("乙", "13800000002"))]
        self.items = [
            self._item(price=50, daily=2, stock=3),
            self._item(price=120, unlimited=True, total=3),
            self._item(price=80, kind="coupon", face_value_fen=1000, validity_days=10, per_order=2, stock=5),
        ]
        self.redemptions: list[RedemptionModel] = []
        self.receipts = 0
        for who in (0, 1):
            self.award(who, 300)

    def _item(self, *, price: int, stock: int = 0, per_order: int | None = None, daily: int | None = None,
              total: int | None = None, unlimited: bool = False, **fields: object) -> ItemModel:
        view = catalog.save_item(self.db, self.operator, ItemDraft(
            sku=f"P{len(getattr(self, 'items', [])) + 1}-{uuid.uuid4().hex[:6]}", name="商品", category="测试",
            price_points=price, unlimited=unlimited, per_order_limit=per_order, daily_limit=daily,
            member_limit=total, **fields))  # type: ignore[arg-type]
        model = ItemModel(view.id, price, unlimited, per_order, daily, total, view.validity_days)
        if stock:
            catalog.record_stock(self.db, self.operator, view.id, "restock", stock, "首批 first")
            model.stock, model.moved["restock"] = stock, stock
        return model

    def teardown(self) -> None:
        self.patch.undo()
        self.db.dispose()
        shutil.rmtree(self.directory, ignore_errors=True)

    @property
    def today(self) -> date:
        return business_day(self.now, TZ)

    # -- rules ------------------------------------------------------------------

    @rule(who=st.integers(0, 1), yuan=st.integers(1, 400))
    def award(self, who: int, yuan: int) -> None:
        member = self.members[who]
        self.receipts += 1
        result = purchases.award_for_purchase(self.db, self.cashier, member_id=member.id,
                                              receipt_no=f"P-{self.receipts}", amount_fen=yuan * 100, now=self.now)
        member.points[ledger.lot_expiry(self.today, 24)] += result.points

    def _taken(self, member: MemberModel, item: ItemModel, day: date | None) -> int:
        return sum(r.quantity for r in self.redemptions if r.member is member and r.item is item
                   and not r.cancelled and (day is None or r.day == day))

    def _refusal(self, member: MemberModel, item: ItemModel, quantity: int) -> str | None:
        if item.per_order and quantity > item.per_order:
            return f"At most {item.per_order} per redemption."
        if item.daily and self._taken(member, item, self.today) + quantity > item.daily:
            return f"Each member can redeem at most {item.daily} a day."
        if item.total and self._taken(member, item, None) + quantity > item.total:
            return f"Each member can redeem at most {item.total} in total."
        if not item.unlimited and item.stock < quantity:
            return "Out of stock." if item.stock == 0 else f"Only {item.stock} left."
        if item.price * quantity > member.balance:
            return f"Not enough points: {item.price * quantity - member.balance} more are needed."
        return None

    @rule(who=st.integers(0, 1), which=st.integers(0, 2), quantity=st.integers(1, 3))
    def redeem(self, who: int, which: int, quantity: int) -> None:
        member, item = self.members[who], self.items[which]
        expected = self._refusal(member, item, quantity)
        try:
            result = redemption.redeem(self.db, self.cashier, member_id=member.id, item_id=item.id,
                                       quantity=quantity)
        except redemption.Refusal as exc:
            assert exc.message == expected
            event(f"redeem refused: {exc.template}")
            return
        assert expected is None
        event("redeem")
        points = item.price * quantity
        taken = member.take(points)
        if not item.unlimited:
            item.stock -= quantity
            item.moved["redemption"] -= quantity
        expires = self.today + timedelta(days=item.validity_days - 1) if item.validity_days else None
        assert (result.points, result.balance, result.voucher_expires_on) == (points, member.balance, expires)
        self.redemptions.append(RedemptionModel(result.redemption_id, member, item, quantity, points, self.today,
                                                self.now, taken, result.voucher_code, expires))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if not self.redemptions:
            return
        open_ = [r for r in self.redemptions[-6:] if not (r.cancelled or r.written_off)]
        # Mostly a recent open one (they can be cancelled), sometimes any (refusals).
        r = data.draw(st.sampled_from(open_ if open_ and data.draw(st.booleans()) else self.redemptions))
        try:
            result = redemption.cancel(self.db, self.supervisor, r.id, "取消 cancelled")
        except Conflict as exc:
            assert r.cancelled or r.written_off, exc.message
            event("cancel refused: cancelled or used")
            return
        except ValidationError as exc:
            assert self.now - r.at > timedelta(days=CANCEL_DAYS), exc.message
            event("cancel refused: too late")
            return
        event("cancel")
        assert not r.cancelled and not r.written_off and self.now - r.at <= timedelta(days=CANCEL_DAYS)
        r.cancelled = True
        for day, points in r.taken.items():
            r.member.points[day] += points  # the original expiry, even if it has passed
        if not r.item.unlimited:
            r.item.stock += r.quantity
            r.item.moved["cancellation"] += r.quantity
        assert (result.points_returned, result.balance) == (r.points, r.member.balance)

    @rule(data=st.data())
    def write_off_voucher(self, data: st.DataObject) -> None:
        if not self.redemptions:
            return
        r = data.draw(st.sampled_from(self.redemptions))
        try:
            vouchers.write_off(self.db, self.cashier, r.voucher)
        except Conflict as exc:
            expired = r.expires_on is not None and r.expires_on < self.today
            assert r.cancelled or r.written_off or expired, exc.message
            event(f"write-off refused: {exc.template}")
            return
        event("write-off")
        assert not r.cancelled and not r.written_off and not (r.expires_on and r.expires_on < self.today)
        r.written_off = True

    @rule(which=st.sampled_from([0, 2]), kind=st.sampled_from(["restock", "write_off", "correction"]),
          quantity=st.integers(-4, 6).filter(bool))
    def record_stock(self, which: int, kind: str, quantity: int) -> None:
        item = self.items[which]
        change = abs(quantity) if kind == "restock" else -abs(quantity) if kind == "write_off" else quantity
        try:
            view = catalog.record_stock(self.db, self.operator, item.id, kind, quantity, "盘点 stock count")
        except ValidationError as exc:
            assert item.stock + change < 0 and exc.message == f"Only {item.stock} left in stock."
            return
        item.stock += change
        item.moved[kind] += change
        assert view.stock == item.stock

    @rule(days=st.sampled_from([1, 3, 8, 40, 200, 400]), run_expiry=st.booleans())
    def time_passes(self, days: int, run_expiry: bool) -> None:
        """Days go by; then, maybe, the expiry job runs for the new day."""
        self.now += timedelta(days=days)
        if not run_expiry:
            return
        report = ledger.expire_lots(self.db, self.operator, as_of=self.today)
        gone = 0
        for member in self.members:
            for day in [d for d in member.points if d < self.today]:
                gone += member.points.pop(day)
        assert report.points == gone
        event("expire" + (" with points" if gone else " (nothing)"))

    # -- invariants ---------------------------------------------------------------

    @invariant()
    def points_are_conserved(self) -> None:
        with self.db.read() as session:
            for member in self.members:
                row = session.get(Member, member.id)
                assert row is not None
                entries = session.scalar(select(func.coalesce(func.sum(PointEntry.points), 0))
                                         .where(PointEntry.member_id == member.id))
                lots = dict(session.execute(select(PointLot.expires_on, func.sum(PointLot.remaining))
                                            .where(PointLot.member_id == member.id)
                                            .group_by(PointLot.expires_on)).all())
                assert row.balance == entries == sum(lots.values()) == member.balance >= 0
                assert {d: p for d, p in lots.items() if p} == {d: p for d, p in member.points.items() if p}

    @invariant()
    def stock_is_conserved(self) -> None:
        with self.db.read() as session:
            for item in self.items:
                on_hand = catalog.get_item(session, item.id).stock
                by_kind = dict(session.execute(select(StockEntry.kind, func.sum(StockEntry.quantity))
                                               .where(StockEntry.item_id == item.id)
                                               .group_by(StockEntry.kind)).all())
                moved = {k: v for k, v in item.moved.items() if v}
                assert {k: v for k, v in by_kind.items() if v} == moved
                assert on_hand == sum(by_kind.values()) == item.stock == sum(moved.values()) >= 0
                redeemed = sum(r.quantity for r in self.redemptions if r.item is item)
                returned = sum(r.quantity for r in self.redemptions if r.item is item and r.cancelled)
                if not item.unlimited:
                    assert item.stock == (item.moved["restock"] + item.moved["write_off"] + item.moved["correction"]
                                          - redeemed + returned)
                negative = session.scalar(select(func.count()).select_from(StockEntry)
                                          .where(StockEntry.item_id == item.id, StockEntry.stock_after < 0))
                assert negative == 0

    @invariant()
    def check_is_clean(self) -> None:
        report = check.run_check(self.db)
        assert report.ok, report.problems


@pytest.mark.slow
def test_random_mall_sequences_conserve_points_and_stock(sqlite_template: Path) -> None:
    MallMachine.template = sqlite_template
    run_state_machine_as_test(MallMachine, settings=settings(
        max_examples=10, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


def test_the_model_refuses_in_the_services_order() -> None:
    """The machine's model checks the limits in the order ``redemption._refusal`` does."""
    machine = object.__new__(MallMachine)
    machine.now, machine.redemptions = START, []
    member = MemberModel(uuid.uuid4())
    member.points[date(2030, 1, 1)] = 10
    item = ItemModel(uuid.uuid4(), price=50, per_order=2, stock=1)
    assert MallMachine._refusal(machine, member, item, 3) == "At most 2 per redemption."
    assert MallMachine._refusal(machine, member, item, 2) == "Only 1 left."
    assert MallMachine._refusal(machine, member, item, 1) == "Not enough points: 40 more are needed."
