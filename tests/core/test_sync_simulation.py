"""A seeded simulation: stores go offline and online at random while cashiers work (issue 6).

After a final sync every replica agrees with the chain and every invariant
of ``pointsmall check`` holds on the chain. A failure prints its seed;
``POINTSMALL_SYNC_SEED=<seed>`` runs that one again.
"""
from __future__ import annotations

import itertools
import os
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from pointsmall import members, purchases, redemption, signin, tasks, vouchers, wheel, wheel_setup
from pointsmall.errors import DomainError
from pointsmall.models import Member, PointEntry, WheelDraw
from pointsmall.sync import sync_once
from pointsmall.sync.guard import ProfileNeedsHeadOffice
from pointsmall.tasks import TaskDraft

from .games_support import seg
from .sync_support import (
    assert_agree,
    assert_chain_clean,
    award,
    chain,  # noqa: F401 - fixture
    chain_item,
    chain_member,
    new_store,
)

SEEDS = [int(os.environ["POINTSMALL_SYNC_SEED"])] if os.environ.get("POINTSMALL_SYNC_SEED") else [1, 11, 2026]
PHONES = [f"1370000{n:04d}" for n in range(6)]  # a small pool: the same phone at two stores happens


def _member_ids(db):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return sorted(session.scalars(select(Member.id)).all())


@pytest.mark.parametrize("seed", SEEDS)
def test_stores_offline_and_online_at_random_converge(chain, tmp_path, seed, monkeypatch):  # noqa: F811
    # The wheel draws from ``secrets`` at a till; here from the seed, so a failing seed runs the same spins again.
    spins = random.Random(f"wheel:{seed}")
    draw = wheel.draw
    monkeypatch.setattr(wheel, "draw", lambda weights, randbelow=None: draw(weights, randbelow or spins.randrange))
    try:
        _simulate(chain, tmp_path, seed)
    except BaseException:
        print(f"\nsync simulation failed with seed {seed}: POINTSMALL_SYNC_SEED={seed} to reproduce")
        raise


def _simulate(chain, tmp_path, seed: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    for _ in range(4):
        chain_member(chain, points=rng.randrange(0, 600))
    items = [chain_item(chain, stock=rng.randrange(1, 4), price=rng.choice([50, 100, 200])) for _ in range(3)]
    now = datetime.now(timezone.utc)
    spinner = wheel_setup.save_wheel(chain.db, chain.admin, wheel_setup.WheelDraft(
        name="模拟转盘", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30), fallback_index=0,
        cost_points=5, segments=(seg("谢谢参与", 40), seg("10积分", 30, "points", points=10), seg("再来", 20),
                                 seg("50积分", 10, "points", points=50, stock=3)))).id
    chores = [tasks.create_task(chain.db, chain.operator, TaskDraft(name=name, kind=kind, trigger="custom", points=pts,
                                                                    times=times)).id
              for name, kind, pts, times in (("完善问卷", "growth", 30, 1), ("到店打卡", "daily", 5, 2))]
    stores = [new_store(chain, store_id, tmp_path) for store_id in ("S02", "S03", "S04")]
    online = {s.store_id: rng.random() < 0.5 for s in stores}
    numbers = itertools.count(1)
    receipts: list = []  # (store, receipt number) of purchases made at a store
    redeemed: list = []  # (store, redemption result): cancelled or written off later, at the same store
    for _ in range(70):
        store = rng.choice(stores)
        roll = rng.random()
        try:
            if roll < 0.12:
                online[store.store_id] = not online[store.store_id]
            elif roll < 0.30:
                receipt = f"R{next(numbers)}"
                purchases.award_for_purchase(store.db, store.cashier, member_id=rng.choice(_member_ids(store.db)),
                                             receipt_no=receipt, amount_fen=rng.randrange(10, 300) * 100)
                receipts.append((store, receipt))
            elif roll < 0.35 and receipts:
                at, receipt = rng.choice(receipts)
                purchases.refund_purchase(at.db, at.supervisor, receipt_no=receipt, refund_no=f"F{next(numbers)}",
                                          amount_fen=100 * rng.randrange(1, 10))
            elif roll < 0.55:
                done = redemption.redeem(store.db, store.cashier, member_id=rng.choice(_member_ids(store.db)),
                                         item_id=rng.choice(items), quantity=rng.choice([1, 1, 2]))
                redeemed.append((store, done))
            elif roll < 0.60 and redeemed:
                at, done = redeemed.pop(rng.randrange(len(redeemed)))
                if rng.random() < 0.5:
                    redemption.cancel(at.db, at.supervisor, done.redemption_id, "顾客改主意 changed mind")
                else:
                    vouchers.write_off(at.db, at.cashier, done.voucher_code)
            elif roll < 0.75:
                signin.sign_in(store.db, store.cashier, rng.choice(_member_ids(store.db)))
            elif roll < 0.80:
                members.create_member(store.db, store.cashier, name="模拟会员", phone=rng.choice(PHONES))
            elif roll < 0.85:
                wheel.spin(store.db, store.cashier, member_id=rng.choice(_member_ids(store.db)), wheel_id=spinner)
            elif roll < 0.88:  # once-only and twice-a-day tasks: two stores can both pay them offline
                tasks.claim(store.db, store.cashier, rng.choice(_member_ids(store.db)), rng.choice(chores))
            elif roll < 0.89:  # a member's details change at head office; a store's replica refuses to
                member_id = rng.choice(_member_ids(store.db))
                with pytest.raises(ProfileNeedsHeadOffice):
                    members.update_member(store.db, store.supervisor, member_id, name="门店改名")
                members.update_member(chain.db, chain.admin, member_id, name=f"总部改名{next(numbers)}")
            elif roll < 0.92:
                award(chain.db, chain.admin, rng.choice(_member_ids(chain.db)), rng.randrange(10, 100))
            else:
                redemption.redeem(chain.db, chain.admin, member_id=rng.choice(_member_ids(chain.db)),
                                  item_id=rng.choice(items))
        except DomainError:
            pass  # a refusal at the till (not enough points, out of stock, signed in already...)
        if online[store.store_id]:
            report = sync_once(store.db, chain.db, batch=rng.choice([1, 3, 50]))
            assert report.ok, report.errors
    for _ in range(2):  # the first round pushes everything, the second brings every store the others' work
        for store in stores:
            report = sync_once(store.db, chain.db)
            assert report.ok, report.errors
    for store in stores:
        assert_agree(store, chain)
    assert_chain_clean(chain)
    with chain.db.read() as session:  # the stores' work did reach the chain
        kinds = set(session.scalars(select(PointEntry.kind).where(PointEntry.store_id.in_(["S02", "S03", "S04"]))))
        spins = session.scalar(select(func.count()).select_from(WheelDraw))
    assert {"earn", "redeem", "task_reward"} <= kinds and spins, (kinds, spins)
