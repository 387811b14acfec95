"""The vertical slice: facts recorded offline go up once, balances come down (issue 6)."""
from __future__ import annotations

from sqlalchemy import func, select

from pointsmall import members, redemption
from pointsmall.models import PointEntry, Redemption, SyncOutbox
from pointsmall.sync import replica_balance, sync_status

from .sync_support import (
    assert_agree,
    assert_chain_clean,
    award,
    balance,
    chain,  # noqa: F401 - fixture
    chain_item,
    chain_member,
    new_store,
    stock,
    sync,
)
from .support import unique_phone


def test_offline_facts_go_up_once_and_balances_come_down(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain, points=500)
    item_id = chain_item(chain, stock=5, price=100)
    store = new_store(chain, "S02", tmp_path)
    assert balance(store.db, member_id) == 500
    assert stock(store.db, item_id) == 5

    award(store.db, store.cashier, member_id, 300)
    redemption.redeem(store.db, store.cashier, member_id=member_id, item_id=item_id, quantity=2)
    newcomer = members.create_member(store.db, store.cashier, name="新会员", phone=unique_phone())
    award(store.db, store.cashier, newcomer.id, 50)
    with store.db.read() as session:
        shown = replica_balance(session, member_id)
    assert (shown.confirmed, shown.pending, shown.balance, shown.is_pending) == (500, 100, 600, True)
    status = sync_status(store.db)
    assert (status.unsealed, status.pending_events, status.pending) == (4, 0, 4)

    report = sync(store, chain)
    assert report.pushed == 4 and report.repeated == 0 and not report.conflicts
    assert balance(chain.db, member_id) == 600
    assert balance(chain.db, newcomer.id) == 50
    assert stock(chain.db, item_id) == 3
    with chain.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Redemption)) == 1
    assert_agree(store, chain)
    assert_chain_clean(chain)
    with store.db.read() as session:
        shown = replica_balance(session, member_id)
    assert (shown.confirmed, shown.pending) == (600, 0)
    assert sync_status(store.db).pending == 0
    again = sync(store, chain)
    assert again.pushed == 0
    with store.db.read() as session:
        assert session.scalar(select(func.count()).select_from(SyncOutbox).where(SyncOutbox.acked_at.is_(None))) == 0
        assert session.scalar(select(func.count()).select_from(PointEntry)) >= 3


def test_two_tills_of_one_store_each_sync_their_own_events(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain, points=100)
    for till in ("till1", "till2"):
        (tmp_path / till).mkdir()
    first, second = new_store(chain, "S02", tmp_path / "till1"), new_store(chain, "S02", tmp_path / "till2")
    award(first.db, first.cashier, member_id, 10)
    award(second.db, second.cashier, member_id, 20)
    sync(first, chain)
    report = sync(second, chain)
    assert report.pushed == 1
    assert sync_status(first.db).confirmed_through == sync_status(second.db).confirmed_through == 1
    sync(first, chain)
    assert balance(chain.db, member_id) == balance(first.db, member_id) == balance(second.db, member_id) == 130
    assert_agree(first, chain)
    assert_agree(second, chain)
