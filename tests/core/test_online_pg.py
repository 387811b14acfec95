"""The online mode (issue 6): 16 tills on one shared PostgreSQL doing everything at once.

Every till is a thread with its own staff account and its own sessions (each
service call opens one), as 16 desktops on the chain's database would be.
They award, refund, adjust, redeem, cancel, sign in, spin, write vouchers off
and register members, all on the same few members and items, released
together at a barrier. Afterwards every balance equals what the tills were
told, stock equals what was handed out, nothing was rewarded twice, and
``pointsmall check`` finds nothing. A refusal a cashier can see (not enough
points, out of stock, already signed in) is fine; any other exception, a
deadlock or a lost update fails the test.
"""
from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from pointsmall import adjustments, catalog, cli, members, purchases, redemption, signin, vouchers, wheel, wheel_setup
from pointsmall.catalog import ItemDraft
from pointsmall.db import Database
from pointsmall.errors import DomainError
from pointsmall.models import Member, Purchase, Redemption, SignIn, VoucherWriteOff, WheelDraw, WheelSegment
from pointsmall.staff import Actor, Role

from ..conftest import make_actor
from .games_support import simple_wheel
from .support import assert_clean, new_member

pytestmark = pytest.mark.postgres
TILLS = 16
ROUNDS = 30
SEED = int(os.environ.get("POINTSMALL_ONLINE_SEED", "20261124"))  # a failing seed reproduces a run
START_POINTS = 3_000
GOODS_STOCK = 12
COUPON_STOCK = 10


@dataclass
class Shop:
    db: Database
    tills: list[Actor]
    members: list[uuid.UUID]
    goods: uuid.UUID  # limited stock
    mug: uuid.UUID  # unlimited
    coupon: uuid.UUID  # limited stock, issues a voucher
    wheel: uuid.UUID


@dataclass
class Till:
    """What one till did and was told."""

    index: int
    points: Counter[uuid.UUID] = field(default_factory=Counter)  # member -> points change the till was told
    stock: Counter[uuid.UUID] = field(default_factory=Counter)  # item -> pieces handed out (less returned)
    receipts: list[tuple[uuid.UUID, str, int]] = field(default_factory=list)  # (member, receipt, amount)
    redemptions: list[tuple[uuid.UUID, uuid.UUID, int, uuid.UUID]] = field(default_factory=list)
    signed: list[uuid.UUID] = field(default_factory=list)
    spins: int = 0
    awards: int = 0
    write_offs: list[str] = field(default_factory=list)
    registered: list[uuid.UUID] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    done: Counter[str] = field(default_factory=Counter)
    done_points: Counter[str] = field(default_factory=Counter)  # op -> points changed by it

    def tell(self, op: str, member: uuid.UUID, points: int) -> None:
        self.points[member] += points
        self.done_points[op] += points


def total(counters: Iterable[Counter[Any]]) -> Counter[Any]:
    """Counters added up keeping negative counts (``sum`` of Counters drops them)."""
    result: Counter[Any] = Counter()
    for c in counters:
        result.update(c)
    return result


def run_together(work: list[Callable[[], None]]) -> list[BaseException]:
    """Release every till at once; the unexpected exceptions they raised."""
    barrier = threading.Barrier(len(work), timeout=60)
    failures: list[BaseException] = []

    def one(fn: Callable[[], None]) -> None:
        try:
            barrier.wait()
            fn()
        except BaseException as exc:  # noqa: BLE001  (reported by the test)
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(fn,)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a till hung (a lock never released?)"
    return failures


@pytest.fixture
def shop(pg_db: Database) -> Shop:
    operator = make_actor(pg_db, Role.OPERATOR)
    supervisors = [make_actor(pg_db, Role.SUPERVISOR, f"till-{i:02d}") for i in range(TILLS)]
    people = []
    for n in range(6):
        m = new_member(pg_db, supervisors[0], name=f"共享会员{n}")
        purchases.award_for_purchase(pg_db, supervisors[0], member_id=m.id, receipt_no=f"OPEN-{n}",
                                     amount_fen=START_POINTS * 100)
        people.append(m.id)

    def item(stock: int, **fields: object) -> uuid.UUID:
        view = catalog.save_item(pg_db, operator, ItemDraft(**{"sku": f"ON-{uuid.uuid4().hex[:8]}", "name": "保温杯",
                                                               "category": "家居", "price_points": 100, **fields}))
        if stock:
            view = catalog.record_stock(pg_db, operator, view.id, "restock", stock, "到货 delivery")
        return view.id

    goods = item(GOODS_STOCK)
    mug = item(0, unlimited=True, price_points=50, name="纸杯")
    coupon = item(COUPON_STOCK, kind="coupon", price_points=300, face_value_fen=1500, validity_days=30,
                  name="15元券")
    spin_wheel = wheel_setup.save_wheel(pg_db, operator, simple_wheel(daily_cap=None, total_cap=None))
    return Shop(pg_db, supervisors, people, goods, mug, coupon, spin_wheel.id)


def till_work(shop: Shop, till: Till, vouchers_seen: list[str], lock: threading.Lock) -> Callable[[], None]:
    rng = random.Random(SEED * 100 + till.index)
    actor = shop.tills[till.index]
    db = shop.db

    def award() -> None:
        m = rng.choice(shop.members)
        receipt, amount = f"T{till.index:02d}-{till.awards}", rng.randint(1_000, 60_000)
        r = purchases.award_for_purchase(db, actor, member_id=m, receipt_no=receipt, amount_fen=amount)
        assert not r.repeated
        till.tell('award', m, r.points)
        till.receipts.append((m, receipt, amount))
        till.awards += 1

    def refund() -> None:
        if not till.receipts:
            return award()
        m, receipt, amount = till.receipts.pop(rng.randrange(len(till.receipts)))
        r = purchases.refund_purchase(db, actor, receipt_no=receipt, refund_no=f"RF-{receipt}",
                                      amount_fen=amount // rng.choice([1, 2, 4]))
        assert r.member_id == m and not r.repeated
        till.tell('refund', m, -r.points_reversed)

    def adjust() -> None:
        m, points = rng.choice(shop.members), rng.choice([-1, 1]) * rng.randint(1, 200)
        r = adjustments.adjust_points(db, actor, member_id=m, points=points, reason_category="correction",
                                      note=f"till {till.index}")
        till.tell('adjust', m, r.points)

    def redeem() -> None:
        m = rng.choice(shop.members)
        item_id = rng.choice([shop.goods, shop.mug, shop.coupon])
        r = redemption.redeem(db, actor, member_id=m, item_id=item_id, quantity=1)
        till.tell('redeem', m, -r.points)
        till.stock[item_id] += 1
        till.redemptions.append((m, r.redemption_id, r.points, item_id))
        if r.voucher_code:
            with lock:
                vouchers_seen.append(r.voucher_display)

    def cancel() -> None:
        if not till.redemptions:
            return redeem()
        m, rid, _, item_id = till.redemptions.pop(rng.randrange(len(till.redemptions)))
        r = redemption.cancel(db, actor, rid, "顾客退回 returned")
        till.tell('cancel', m, r.points_returned)
        till.stock[item_id] -= 1

    def sign() -> None:
        m = rng.choice(shop.members)
        r = signin.sign_in(db, actor, m)
        till.tell('sign', m, r.net_points)
        till.signed.append(m)

    def spin() -> None:
        m = rng.choice(shop.members)
        r = wheel.spin(db, actor, member_id=m, wheel_id=shop.wheel)
        till.tell('spin', m, (r.prize_points if r.prize == "points" else 0) - r.cost_points)
        till.spins += 1

    def write_off() -> None:
        with lock:
            if not vouchers_seen:
                code = None
            else:
                code = rng.choice(vouchers_seen)  # other tills may hold the same voucher: a race
        if code is None:
            return redeem()
        vouchers.write_off(db, actor, code)
        till.write_offs.append(code)

    def register() -> None:
        # Every till tries the same few phones: one registration each, the rest refused.
        phone = f"1370000{rng.randint(0, 5):04d}"
        r = members.create_member(db, actor, name="新会员", phone=phone)
        till.registered.append(r.id)

    ops = {"award": award, "refund": refund, "adjust": adjust, "redeem": redeem, "cancel": cancel,
           "sign": sign, "spin": spin, "write_off": write_off, "register": register}
    plan = ["sign"] + [rng.choice(list(ops)) for _ in range(ROUNDS - 1)]  # everyone signs in at the bell

    def work() -> None:
        for name in plan:
            try:
                ops[name]()
            except DomainError as refusal:  # what a cashier would see; anything else is a bug
                till.refusals[f"{name}: {refusal.template}"] += 1
            else:
                till.done[name] += 1

    return work


def test_sixteen_tills_doing_everything_at_once(shop: Shop, capsys: pytest.CaptureFixture[str]) -> None:
    db = shop.db
    with db.read() as session:
        before = {m: session.get(Member, m).balance for m in shop.members}  # type: ignore[union-attr]
    tills = [Till(i) for i in range(TILLS)]
    seen: list[str] = []
    lock = threading.Lock()
    wall, cpu = time.perf_counter(), time.process_time()
    failures = run_together([till_work(shop, t, seen, lock) for t in tills])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert failures == [], failures

    done = total(t.done for t in tills)
    refused = total(t.refusals for t in tills)
    assert sum(done.values()) + sum(refused.values()) == TILLS * ROUNDS
    with capsys.disabled():  # shown with -s: what the tills did
        print(f"\ndone: {dict(done)}\npoints: {dict(total(t.done_points for t in tills))}\nrefused: {dict(refused)}")
        ops = TILLS * ROUNDS
        print(f"{ops} operations by {TILLS} tills in {wall:.2f} s wall ({ops / wall:.0f}/s), "
              f"client CPU {1000 * cpu / ops:.2f} ms per operation (PostgreSQL's own CPU not included)")

    # Exact balances: what the tills were told, member by member.
    told = total(t.points for t in tills)
    with db.read() as session:
        for m in shop.members:
            assert session.get(Member, m).balance == before[m] + told[m], m  # type: ignore[union-attr]
        # Exact stock: opening stock less what was handed out and not brought back.
        handed = total(t.stock for t in tills)
        assert catalog.get_item(session, shop.goods).stock == GOODS_STOCK - handed[shop.goods] >= 0
        assert catalog.get_item(session, shop.coupon).stock == COUPON_STOCK - handed[shop.coupon] >= 0
        live = session.scalar(select(func.count()).select_from(Redemption)
                              .where(Redemption.member_id.in_(shop.members))) or 0
        assert live >= sum(len(t.redemptions) for t in tills)
        # No double rewards: one sign-in per member and day, one purchase row per receipt, one draw per spin.
        signed = Counter(m for t in tills for m in t.signed)
        assert all(n == 1 for n in signed.values()) and set(signed) <= set(shop.members)
        rows = Counter(session.scalars(select(SignIn.member_id).where(SignIn.member_id.in_(shop.members))))
        assert rows == signed
        receipts = Counter(session.scalars(select(Purchase.receipt_no).where(Purchase.receipt_no.like("T%-%"))))
        assert all(n == 1 for n in receipts.values())
        assert len(receipts) == sum(t.awards for t in tills)
        assert session.scalar(select(func.count()).select_from(WheelDraw)) == sum(t.spins for t in tills)
        for seg in session.scalars(select(WheelSegment).where(WheelSegment.wheel_id == shop.wheel)):
            won = session.scalar(select(func.count()).select_from(WheelDraw)
                                 .where(WheelDraw.wheel_id == shop.wheel, WheelDraw.segment_index == seg.idx))
            assert seg.awarded == won and (seg.stock is None or won <= seg.stock)
        # Each voucher written off at most once, and every write-off a till was told of is recorded.
        offs = Counter(code for t in tills for code in t.write_offs)
        assert all(n == 1 for n in offs.values())
        assert session.scalar(select(func.count()).select_from(VoucherWriteOff)) == len(offs)
        # One registration per phone.
        phones = Counter(session.scalars(select(Member.phone).where(Member.phone.like("1370000%"))))
        assert all(n == 1 for n in phones.values())
        assert len(phones) == sum(len(t.registered) for t in tills)
    assert_clean(db)
    capsys.readouterr()
    assert cli.main(["--db", db.url, "check"]) == cli.EXIT_OK, capsys.readouterr()
    assert "OK" in capsys.readouterr().out


def test_sixteen_tills_refunding_one_receipt(shop: Shop) -> None:
    """Retried refund numbers apply once; different ones never refund more than was paid."""
    db, member = shop.db, shop.members[0]
    earned = purchases.award_for_purchase(db, shop.tills[0], member_id=member, receipt_no="BIG-1",
                                          amount_fen=85_000).points
    before = mall_balance(db, member)
    outcomes: list[Any] = [None] * TILLS

    def refund(i: int) -> Callable[[], None]:
        # tills 0-7 retry one refund of ¥100; tills 8-15 each refund ¥100 under their own number:
        # nine refunds of ¥100 on a ¥850 receipt, so exactly one of the nine must be refused
        number = "RF-SAME" if i < 8 else f"RF-{i}"

        def work() -> None:
            try:
                outcomes[i] = purchases.refund_purchase(db, shop.tills[i], receipt_no="BIG-1", refund_no=number,
                                                        amount_fen=10_000)
            except DomainError as refusal:
                outcomes[i] = refusal
        return work

    assert run_together([refund(i) for i in range(TILLS)]) == []
    applied = [r for r in outcomes if isinstance(r, purchases.RefundResult) and not r.repeated]
    assert len(applied) == 8
    same = outcomes[:8]
    if any(isinstance(r, DomainError) for r in same):
        assert all(isinstance(r, DomainError) for r in same)  # the retried refund came last: refused each time
        assert all(isinstance(r, purchases.RefundResult) for r in outcomes[8:])
    else:
        assert sum(1 for r in same if r.repeated) == 7  # applied once, acknowledged seven times
        assert sum(1 for r in outcomes[8:] if isinstance(r, DomainError)) == 1
    for r in outcomes:
        if isinstance(r, DomainError):
            assert r.message == "Only ¥50.00 of this receipt is left to refund."
    reversed_ = sum(r.points_reversed for r in applied)
    assert reversed_ == earned * 80_000 // 85_000  # proportional, rounded once over the running total
    assert mall_balance(db, member) == before - reversed_
    assert_clean(db)


def _till_process(url: str, shop: Shop, index: int, barrier: Any, results: Any) -> None:
    """One desktop: its own process, its own connection pool, the same plan as a thread till."""
    db = Database.open(url)
    try:
        till = Till(index)
        work = till_work(Shop(db, shop.tills, shop.members, shop.goods, shop.mug, shop.coupon, shop.wheel),
                         till, [], threading.Lock())
        barrier.wait(timeout=120)
        try:
            work()
        except BaseException as exc:  # noqa: BLE001  (sent back and failed on by the test)
            results.put((index, None, f"{type(exc).__name__}: {exc}"))
            return
        results.put((index, till, None))
    finally:
        db.dispose()


def test_sixteen_desktops_as_processes(shop: Shop) -> None:
    """The same storm from 16 processes, as 16 desktops with their own connection pools would make it."""
    import multiprocessing

    db = shop.db
    with db.read() as session:
        before = {m: session.get(Member, m).balance for m in shop.members}  # type: ignore[union-attr]
    # A fork server that has imported the services once forks each desktop cheaply (and without Qt's threads).
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    barrier, results = ctx.Barrier(TILLS), ctx.Queue()
    procs = [ctx.Process(target=_till_process, args=(db.url, Shop(None, shop.tills, shop.members, shop.goods,  # type: ignore[arg-type]
                                                                  shop.mug, shop.coupon, shop.wheel),
                                                     i, barrier, results)) for i in range(TILLS)]
    for proc in procs:
        proc.start()
    got = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert [error for _, _, error in got if error] == []
    tills = [till for _, till, _ in got]
    told = total(t.points for t in tills)
    handed = total(t.stock for t in tills)
    with db.read() as session:
        for m in shop.members:
            assert session.get(Member, m).balance == before[m] + told[m], m  # type: ignore[union-attr]
        assert catalog.get_item(session, shop.goods).stock == GOODS_STOCK - handed[shop.goods] >= 0
        assert catalog.get_item(session, shop.coupon).stock == COUPON_STOCK - handed[shop.coupon] >= 0
        signed = Counter(m for t in tills for m in t.signed)
        assert all(n == 1 for n in signed.values())
    assert_clean(db)


def mall_balance(db: Database, member_id: uuid.UUID) -> int:
    with db.read() as session:
        return session.get(Member, member_id).balance  # type: ignore[union-attr]
