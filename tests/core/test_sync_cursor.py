"""The pull's cursor never misses a change committed out of order (issue 6).

A cursor over a sequence skips a row whose transaction took its number
first and committed last. The watermark (the snapshot's xmin) waits for it.
"""
from __future__ import annotations

from sqlalchemy import select, text

from pointsmall.models import Member, SyncChange, SyncState
from pointsmall.sync.pull import pull

from .sync_support import chain, chain_member, new_store  # noqa: F401 - fixture


def _name(db, member_id):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(Member.name).where(Member.id == member_id))


def test_a_transaction_held_open_while_another_commits_is_pulled_once_it_commits(chain, tmp_path):  # noqa: F811
    slow_member, fast_member = chain_member(chain, "慢"), chain_member(chain, "快")
    store = new_store(chain, "S02", tmp_path)
    with chain.db.write_engine.connect() as slow:
        slow.begin()
        slow.execute(text("UPDATE members SET name = '慢二' WHERE id = :id"), {"id": slow_member})
        slow_txid = slow.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
        slow_change = slow.execute(select(SyncChange.id).where(SyncChange.txid == slow_txid)).scalar_one()
        with chain.db.write() as session:  # a later transaction that commits first
            session.execute(text("UPDATE members SET name = '快二' WHERE id = :id"), {"id": fast_member})
        pull(store.db, chain.db)
        assert _name(store.db, fast_member) == "快二"  # visible: applied now (and again later, idempotently)
        assert _name(store.db, slow_member) == "慢"
        with store.db.read() as session:
            cursor = session.scalar(select(SyncState.cursor))
        assert cursor is not None and cursor <= slow_txid  # the watermark stays below the open transaction
        with chain.db.read() as session:
            newest_seen = session.scalar(select(SyncChange.id).order_by(SyncChange.id.desc()).limit(1))
        assert newest_seen > slow_change  # a sequence cursor would now be past the slow change: lost
        slow.commit()
    pull(store.db, chain.db)
    assert _name(store.db, slow_member) == "慢二"
    assert _name(store.db, fast_member) == "快二"
    with store.db.read() as session:
        # Never backwards. (How far it moves depends on every transaction on the server, other tests' too.)
        assert session.scalar(select(SyncState.cursor)) >= cursor


def test_a_change_the_chain_made_after_the_first_pull_comes_down(chain, tmp_path):  # noqa: F811
    member_id = chain_member(chain, "甲", points=10)
    store = new_store(chain, "S02", tmp_path)
    from .sync_support import award, balance

    award(chain.db, chain.admin, member_id, 25)
    late = chain_member(chain, "乙", points=7)
    pull(store.db, chain.db)
    assert balance(store.db, member_id) == 35
    assert balance(store.db, late) == 7
    pull(store.db, chain.db)  # nothing new: the same figures
    assert balance(store.db, member_id) == 35


def test_a_failed_login_is_not_a_change_but_a_new_role_is(chain):  # noqa: F811
    import pytest

    from pointsmall import staff
    from pointsmall.errors import AuthenticationFailed
    from pointsmall.models import Staff

    def logged() -> int:
        with chain.db.read() as session:
            return len(session.scalars(select(SyncChange.id).where(SyncChange.tbl == "staff")).all())

    before = logged()
    with pytest.raises(AuthenticationFailed):
        staff.authenticate(chain.db, chain.operator.username, "wrong-password")
    assert logged() == before
    with chain.db.write() as session:
        row = session.get(Staff, chain.operator.staff_id)
        assert row is not None
        row.display_name = "运营二"
    assert logged() == before + 1


def test_the_change_log_is_pruned_below_every_replicas_cursor(chain, tmp_path):  # noqa: F811
    from sqlalchemy import func

    from pointsmall.sync import prune_change_log

    from .sync_support import award, balance

    member_id = chain_member(chain, "丙", points=5)
    north = new_store(chain, "S02", tmp_path)
    award(chain.db, chain.admin, member_id, 10)
    south = new_store(chain, "S03", tmp_path)  # its first pull is after the award
    award(chain.db, chain.admin, member_id, 20)
    from pointsmall.models import SyncPeer

    with chain.db.read() as session:
        lowest = session.scalar(select(func.min(SyncPeer.cursor)))
        read_by_all = session.scalar(select(func.count()).select_from(SyncChange).where(SyncChange.txid < lowest))
    # (How many that is depends on every transaction on the shared server: xmin is cluster-wide.)
    assert prune_change_log(chain.db) == read_by_all
    with chain.db.read() as session:
        assert session.scalar(select(func.min(SyncChange.txid))) >= lowest  # the award after north's pull stays
    pull(north.db, chain.db)
    pull(south.db, chain.db)
    assert balance(north.db, member_id) == balance(south.db, member_id) == 35
