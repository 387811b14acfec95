"""Wheel spins made offline at two stores: renumbered and counted at the chain (issue 6)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from pointsmall import wheel, wheel_setup
from pointsmall.models import Wheel, WheelDraw

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
