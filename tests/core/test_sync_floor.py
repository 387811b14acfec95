"""Offline spending is a bounded risk, like a card terminal's floor limit (issue 6)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pointsmall import redemption
from pointsmall.errors import DomainError
from pointsmall.models import Redemption
from pointsmall.sync import (
    FloorLimits,
    OfflineLimitReached,
    StoreOfflineLimitReached,
    load_limits,
    replica_balance,
    set_limits,
)

from .sync_support import balance, chain, chain_item, chain_member, new_store, sync  # noqa: F401 - fixture


def _redeem(store, member_id, item_id, quantity=1):  # type: ignore[no-untyped-def]
    return redemption.redeem(store.db, store.cashier, member_id=member_id, item_id=item_id, quantity=quantity)


def _redemptions(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Redemption)) or 0


def test_a_member_spends_offline_up_to_the_daily_cap_and_again_once_confirmed(chain, tmp_path):  # noqa: F811
    set_limits(chain.db, chain.admin, FloorLimits(member_day_cap=250, store_outage_cap=None))
    member_id = chain_member(chain, points=1000)
    item_id = chain_item(chain, stock=20, price=100)
    store = new_store(chain, "S02", tmp_path)
    with store.db.read() as session:
        assert load_limits(session).member_day_cap == 250
    _redeem(store, member_id, item_id, 2)
    with pytest.raises(OfflineLimitReached) as refused:
        _redeem(store, member_id, item_id, 1)
    assert "at most 250 points a day" in refused.value.message and "300" in refused.value.message
    assert _redemptions(store.db) == 1 and balance(store.db, member_id) == 800  # nothing of it was kept
    with store.db.read() as session:
        shown = replica_balance(session, member_id)
    assert (shown.confirmed, shown.pending) == (1000, -200)
    sync(store, chain)
    _redeem(store, member_id, item_id, 2)  # confirmed by head office: the cap counts from zero again


def test_the_store_cap_per_outage_and_its_switch(chain, tmp_path):  # noqa: F811
    item_id = chain_item(chain, stock=20, price=100)
    buyers = [chain_member(chain, points=500) for _ in range(3)]
    set_limits(chain.db, chain.admin, FloorLimits(member_day_cap=None, store_outage_cap=300))
    store = new_store(chain, "S02", tmp_path)
    _redeem(store, buyers[0], item_id, 2)
    _redeem(store, buyers[1], item_id, 1)
    with pytest.raises(StoreOfflineLimitReached):
        _redeem(store, buyers[2], item_id, 1)
    set_limits(chain.db, chain.admin, FloorLimits(member_day_cap=None, store_outage_cap=300, off_stores=("S02",)))
    sync(store, chain)  # pushes the three hundred and pulls the switch
    _redeem(store, buyers[2], item_id, 4)
    _redeem(store, buyers[2], item_id, 1)  # switched off for this store: only the balance limits it
    assert _redemptions(store.db) == 4


def test_caps_are_whole_numbers(chain):  # noqa: F811
    with pytest.raises(DomainError):
        set_limits(chain.db, chain.admin, FloorLimits(member_day_cap=-1))
