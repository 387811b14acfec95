"""``pointsmall-admin sync prune``: head office drops the change log every store has pulled, and no store misses a change.

On the real PostgreSQL: a store pulls, head office prunes, more changes come, the store pulls again and has them
all; a store that joins after a prune copies everything; a replica known only by its pushes holds pruning back;
a prune during a store's first copy keeps the changes of a transaction that was still running at its snapshot;
a replica restored from an old backup stops instead of pulling with gaps.
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sqlalchemy import func, insert, select, text

from pointsmall.cli import main
from pointsmall.models import Member, SyncChange, SyncPeer
from pointsmall.sync import attach_replica, prune_change_log, sync_once
from pointsmall.sync.pull import pull

from .sync_support import chain, chain_member, new_store, open_replica  # noqa: F401 - fixture
from .sync_support import Chain, add_store, assert_agree, award, balance, restart, sync


def _logged(chain: Chain) -> int:  # noqa: F811
    with chain.db.read() as session:
        return session.scalar(select(func.count()).select_from(SyncChange)) or 0


def _name(db, member_id):  # type: ignore[no-untyped-def]
    with db.read() as session:
        return session.scalar(select(Member.name).where(Member.id == member_id))


def test_a_store_pulls_after_a_prune_and_misses_nothing(chain, tmp_path, capsys):  # noqa: F811
    member_id = chain_member(chain, "甲", points=10)
    north = new_store(chain, "S02", tmp_path)
    award(chain.db, chain.admin, member_id, 20)  # a change north has not pulled yet
    before = _logged(chain)
    assert main(["sync", "prune", "--chain", chain.db.url]) == 0
    out = capsys.readouterr().out
    assert "removed " in out and "store S02 has read up to transaction" in out
    with chain.db.read() as session:
        cursor = session.scalar(select(SyncPeer.cursor).where(SyncPeer.store_id == "S02"))
        assert session.scalar(select(func.count()).select_from(SyncChange).where(SyncChange.txid < cursor)) == 0
    assert 0 < _logged(chain) < before  # what north read went; the award after its pull stayed
    sync(north, chain)
    assert balance(north.db, member_id) == 30
    # More changes after the prune, a second prune, and the store pulls again.
    award(chain.db, chain.admin, member_id, 5)
    with chain.db.write() as session:
        session.execute(text("UPDATE members SET name = '甲二' WHERE id = :id"), {"id": member_id})
    assert main(["sync", "prune", "--chain", chain.db.url]) == 0
    capsys.readouterr()
    sync(north, chain)
    assert balance(north.db, member_id) == 35 and _name(north.db, member_id) == "甲二"
    assert_agree(north, chain)
    # A store that joins after the prunes copies everything.
    south = new_store(chain, "S03", tmp_path)
    assert balance(south.db, member_id) == 35
    assert_agree(south, chain)


def test_nothing_is_pruned_before_any_store_pulled_or_while_a_known_replica_has_no_cursor(chain, capsys):  # noqa: F811
    chain_member(chain, "乙", points=10)
    add_store(chain, "S04")
    before = _logged(chain)
    assert main(["sync", "prune", "--chain", chain.db.url]) == 0
    assert "no store has pulled yet: nothing to prune" in capsys.readouterr().out
    assert _logged(chain) == before
    with chain.db.write() as session:  # it pushed, but the record of its pull was lost
        session.execute(insert(SyncPeer).values(replica_id=uuid.uuid4(), store_id="S04", applied_seq=3,
                                                cursor=None))
        session.execute(insert(SyncPeer).values(replica_id=uuid.uuid4(), store_id="S05", applied_seq=0,
                                                cursor=2 ** 40))
    assert prune_change_log(chain.db) == 0
    assert main(["sync", "prune", "--chain", chain.db.url]) == 0
    assert "a replica of store S04 has pushed but head office has no record of its pull" in capsys.readouterr().out
    assert _logged(chain) == before


def test_a_prune_on_a_replica_is_refused(chain, tmp_path, capsys):  # noqa: F811
    add_store(chain, "S02")
    path = tmp_path / "replica.db"
    code = main(["sync", "prune", "--mode", "offline", "--chain", chain.db.url, "--store", "S02",
                 "--db", f"sqlite+pysqlite:///{path}"])
    assert code == 2
    assert "Pruning the change log is head office's job" in capsys.readouterr().err


def test_a_prune_during_a_first_copy_keeps_what_was_running_at_its_snapshot(chain, tmp_path):  # noqa: F811
    slow_member = chain_member(chain, "慢")
    north = new_store(chain, "S02", tmp_path)
    add_store(chain, "S03")
    south = open_replica(tmp_path / "replica-S03.db")
    attach_replica(south, "S03")
    pruned: list[int] = []
    with chain.db.write_engine.connect() as slow:
        slow.begin()
        slow.execute(text("UPDATE members SET name = '慢二' WHERE id = :id"), {"id": slow_member})

        def during_copy(phase: str, done: int, total: int) -> None:
            if pruned:
                return
            slow.commit()  # after south's snapshot: south's copy has the old name
            sync(north, chain)  # north's cursor passes the slow transaction
            pruned.append(prune_change_log(chain.db))

        pull(south, chain.db, progress=during_copy)
    assert pruned, "the copy reported no progress"
    assert _name(south, slow_member) == "慢"  # the copy's snapshot did not see it
    pull(south, chain.db)
    assert _name(south, slow_member) == "慢二"  # its change was kept for south's next pull
    assert _name(north.db, slow_member) == "慢二"


def test_a_replica_restored_from_an_old_backup_stops_instead_of_pulling_with_gaps(chain, tmp_path):  # noqa: F811
    """Its cursor is behind the chain's record of it: rows pruned in between would be missed."""
    member_id = chain_member(chain, "乙", points=10)
    north = new_store(chain, "S02", tmp_path)
    path = north.db.sqlite_path
    north.db.dispose()
    backup = tmp_path / "backup.db"
    shutil.copyfile(path, backup)  # last night's backup (the file is closed: WAL checkpointed)
    north = restart(chain, north)
    award(chain.db, chain.admin, member_id, 20)
    sync(north, chain)  # the store pulls on; head office records its newer cursor
    assert main(["sync", "prune", "--chain", chain.db.url]) == 0
    north.db.dispose()
    shutil.copyfile(backup, path)  # the disk fails; the backup comes back
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    north = restart(chain, north)
    report = sync_once(north.db, chain.db)
    assert not report.ok and "restored from a backup" in report.errors[0]
    assert balance(north.db, member_id) == 10  # nothing half-pulled
