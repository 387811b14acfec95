"""The process killed at each crash point, then restarted: the same final state (issue 6).

Crash points: before the local commit (the cashier's transaction dies),
after it but before the upload, after the chain's commit but before the
acknowledgement, after the acknowledgement but before the pull.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pointsmall import redemption
from pointsmall.models import PointEntry, SyncCaptured, SyncOutbox
from pointsmall.sync import InjectedCrash, sync_once

from .sync_support import (
    assert_agree,
    assert_chain_clean,
    award,
    balance,
    chain,  # noqa: F401 - fixture
    chain_item,
    chain_member,
    new_store,
    restart,
    stock,
    sync,
)


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _work(store, member_id, item_id):  # type: ignore[no-untyped-def]
    award(store.db, store.cashier, member_id, 300)
    redemption.redeem(store.db, store.cashier, member_id=member_id, item_id=item_id, quantity=1)
    award(store.db, store.cashier, member_id, 20)


def test_a_crash_before_the_local_commit_leaves_nothing_to_send(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain)
    store = new_store(chain, "S02", tmp_path)
    with pytest.raises(RuntimeError):
        with store.db.write() as session:
            from pointsmall import ledger
            from pointsmall.ledger import EntryKind
            from pointsmall.clock import utc_now

            member = ledger.lock_member(session, member_id)
            ledger.post(session, member, store.cashier, kind=EntryKind.ADJUST, points=50, now=utc_now(),
                        expires_on=utc_now().date().replace(year=2030))
            session.flush()
            raise RuntimeError("power cut")
    assert _count(store.db, SyncCaptured) == 0
    store = restart(chain, store)
    sync(store, chain)
    assert balance(chain.db, member_id) == 0
    assert_agree(store, chain)


@pytest.mark.parametrize("point", ["after_seal", "before_upload", "after_chain_commit", "after_ack", "before_pull"])
def test_killed_at_a_crash_point_then_restarted(chain, tmp_path, point):  # noqa: F811
    member_id = chain_member(chain, points=100)
    item_id = chain_item(chain, stock=3, price=200)
    store = new_store(chain, "S02", tmp_path)
    _work(store, member_id, item_id)

    def die(at: str) -> None:
        if at == point:
            raise InjectedCrash(at)

    with pytest.raises(InjectedCrash):
        sync_once(store.db, chain.db, faults=die, batch=2)
    store = restart(chain, store)
    award(store.db, store.cashier, member_id, 5)  # work goes on after the restart
    report = sync(store, chain)
    assert report.pushed + report.repeated >= 1
    assert balance(chain.db, member_id) == 100 + 300 - 200 + 20 + 5
    assert stock(chain.db, item_id) == 2
    with chain.db.read() as session:
        store_entries = session.scalar(select(func.count()).select_from(PointEntry)
                                       .where(PointEntry.store_id == "S02"))
    assert store_entries == 4
    assert _count(store.db, SyncOutbox) == 4
    assert_agree(store, chain)
    assert_chain_clean(chain)
    assert sync(store, chain).pushed == 0
