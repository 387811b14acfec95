"""``pointsmall sync`` and ``pointsmall check --chain`` on a store's replica (issue 6)."""
from __future__ import annotations

from sqlalchemy import text

from pointsmall.cli import main

from .sync_support import award, balance, chain, chain_member, login, open_replica  # noqa: F401 - fixture
from .sync_support import add_store


def _args(chain, path, *command):  # type: ignore[no-untyped-def]
    return [*command, "--chain", chain.db.url, "--store", "S02", "--db", f"sqlite+pysqlite:///{path}"]


def test_a_new_store_syncs_and_checks_from_the_command_line(chain, tmp_path, capsys):  # noqa: F811
    member_id = chain_member(chain, points=120)
    add_store(chain, "S02")
    path = tmp_path / "replica.db"
    assert main(_args(chain, path, "sync")) == 0
    out = capsys.readouterr().out
    assert "first pull from head office" in out and "store S02: pushed 0 event(s)" in out
    replica = open_replica(path)
    from pointsmall.sync import attach_replica
    attach_replica(replica, "S02")
    store = login(chain, "S02", replica)
    award(store.db, store.cashier, member_id, 30)
    replica.dispose()
    assert main(_args(chain, path, "check")) == 0
    assert "waiting for head office: 0 event(s), 1 new transaction(s)" in capsys.readouterr().out
    assert main(_args(chain, path, "sync")) == 0
    assert "pushed 1 event(s)" in capsys.readouterr().out
    assert balance(chain.db, member_id) == 150
    assert main(_args(chain, path, "check")) == 0
    assert "OK: the replica agrees with head office" in capsys.readouterr().out
    with chain.db.write() as session:  # head office's figure drifts behind the replica's back
        session.execute(text("ALTER TABLE members DISABLE TRIGGER members_sync_log_upd"))
        session.execute(text("UPDATE members SET balance = 999 WHERE id = :id"), {"id": member_id})
        session.execute(text("ALTER TABLE members ENABLE TRIGGER members_sync_log_upd"))
    assert main(_args(chain, path, "check")) == 1
    out = capsys.readouterr().out
    assert f"member {member_id}" in out


def test_an_unreachable_chain_is_an_error_exit(tmp_path, capsys, chain):  # noqa: F811
    add_store(chain, "S02")
    path = tmp_path / "replica.db"
    url = chain.db.url.rsplit("/", 1)[0] + "/no_such_database_here"
    code = main(["sync", "--chain", url, "--store", "S02", "--db", f"sqlite+pysqlite:///{path}"])
    assert code == 2
    assert "no_such_database_here" in capsys.readouterr().err
