"""The three ways to run: precedence of the settings, the config file, the connection test (issue 6)."""
from __future__ import annotations

import os
import socket
import tomllib
import uuid
from importlib import resources
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory

from pointsmall import bootstrap, config
from pointsmall.config import (ChainDatabaseMissing, ChainLoginFailed, ChainSchemaMismatch, ChainUnreachable,
                               ConfigError, Deployment, Mode)

from ..conftest import PG_ADMIN, _pg_admin, _pg_url

CHAIN = "postgresql://pos:s3cret@hq.example.com:5432/chain"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cfg" / "pointsmall.toml"


def test_default_is_standalone_on_the_embedded_file(path: Path) -> None:
    d = config.load(environ={}, path=path)
    assert d == Deployment(Mode.STANDALONE)
    assert d.database_url().endswith("pointsmall.db")


def test_command_line_beats_environment_beats_file(path: Path) -> None:
    config.save(Deployment(Mode.OFFLINE, CHAIN, "S001"), path)
    env = {"POINTSMALL_MODE": "online", "POINTSMALL_CHAIN": "postgresql://env@hq2/chain2"}
    from_file = config.load(environ={}, path=path)
    assert (from_file.mode, from_file.chain, from_file.store) == (Mode.OFFLINE, CHAIN, "S001")
    from_env = config.load(environ=env, path=path)
    assert (from_env.mode, from_env.chain, from_env.store) == (Mode.ONLINE, "postgresql://env@hq2/chain2", "S001")
    from_cli = config.load(mode="standalone", store="S009", environ=env, path=path)
    assert (from_cli.mode, from_cli.chain, from_cli.store) == (Mode.STANDALONE, "postgresql://env@hq2/chain2",
                                                               "S009")


def test_each_mode_names_its_database(path: Path, tmp_path: Path) -> None:
    online = config.load(mode="online", chain=CHAIN, environ={}, path=path)
    assert online.database_url() == "postgresql+psycopg://pos:s3cret@hq.example.com:5432/chain"
    offline = config.load(mode="offline", chain=CHAIN, store="S002", environ={}, path=path)
    assert offline.database_url().endswith(config.REPLICA_FILE)
    local = f"sqlite:///{tmp_path / 'own.db'}"
    assert config.load(mode="offline", chain=CHAIN, store="S002", db=local, environ={}, path=path) \
        .database_url() == f"sqlite+pysqlite:///{tmp_path / 'own.db'}"
    assert config.load(db=local, environ={}, path=path).database_url().endswith("own.db")


@pytest.mark.parametrize("given, words", [
    (dict(mode="online"), "Enter the address of the chain's database"),
    (dict(mode="offline", chain=CHAIN), "Enter this store's code"),
    (dict(mode="offline", chain="sqlite:///x.db", store="S1"), "must be PostgreSQL"),
    (dict(mode="online", chain="postgresql://"), "needs a server and a database name"),
    (dict(mode="sometimes"), "Unknown mode sometimes: choose standalone, online or offline."),
    (dict(store="S 1"), "A store code is letters, digits"),
])
def test_impossible_settings_are_refused_in_words(path: Path, given: dict, words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        config.load(environ={}, path=path, **given)
    assert words in refused.value.message


def test_a_bare_host_and_database_is_taken_as_postgresql(path: Path) -> None:
    d = config.load(mode="online", chain="hq.example.com/chain", environ={}, path=path)
    assert d.chain == "postgresql://hq.example.com/chain"


def test_save_round_trips_and_keeps_other_sections(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text('[printer]\nname = "收银台 1"\n\n[database]\nmode = "standalone"\n', encoding="utf-8")
    config.save(Deployment(Mode.ONLINE, 'postgresql://a:"q"\\z@hq/chain', "S-01"), path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["printer"] == {"name": "收银台 1"}
    assert data["database"] == {"mode": "online", "chain": 'postgresql://a:"q"\\z@hq/chain', "store": "S-01"}
    assert config.read_file(path) == data["database"]
    if os.name != "nt":
        assert path.stat().st_mode & 0o077 == 0  # the URL may hold a password


def test_save_is_atomic_a_failed_write_leaves_the_old_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.save(Deployment(Mode.OFFLINE, CHAIN, "S001"), path)
    before = path.read_bytes()

    def power_cut(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config.os, "replace", power_cut)
    with pytest.raises(OSError):
        config.save(Deployment(Mode.STANDALONE), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left behind


def test_save_refuses_impossible_settings_and_writes_nothing(path: Path) -> None:
    with pytest.raises(ConfigError):
        config.save(Deployment(Mode.OFFLINE, CHAIN, None), path)
    assert not path.exists()


def test_a_broken_file_gives_a_clear_message(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text('[database]\nmode = "online\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        config.load(environ={}, path=path)
    message = refused.value.message
    assert str(path) in message and "line 2" in message and "delete it to start with the defaults" in message
    path.write_text("[database]\nmode = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mode must be text in quotes"):
        config.load(environ={}, path=path)
    path.write_bytes(b'[database]\nmode = "\xff"\n')
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        config.load(environ={}, path=path)
    config.save(Deployment(Mode.STANDALONE), path)  # saving repairs it
    assert config.load(environ={}, path=path).mode is Mode.STANDALONE


def test_the_environment_names_the_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POINTSMALL_CONFIG", str(path))
    assert config.config_path() == path


def test_passwords_are_never_shown() -> None:
    assert config.hide_password(CHAIN) == "postgresql://pos:***@hq.example.com:5432/chain"
    assert config.hide_password("not a url") == "not a url"
    d = Deployment(Mode.OFFLINE, CHAIN, "S001")
    assert "s3cret" not in d.describe() and "***" in d.describe()
    with pytest.raises(ConfigError) as refused:
        config.chain_url("mysql://pos:s3cret@hq/chain")
    assert "s3cret" not in refused.value.message


# -- the connection test against the real server ---------------------------------

pg = pytest.mark.postgres


@pg
def test_connection_to_a_current_chain_database(pg_db) -> None:  # type: ignore[no-untyped-def]
    status = config.check_connection(pg_db.url)
    assert status.revision == pg_db.head_revision() and status.stores == 1
    assert status.server_version


@pg
def test_refused_and_timeout_are_told_apart() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(ChainUnreachable, match="refused the connection"):
        config.check_connection(f"postgresql://postgres@127.0.0.1:{port}/chain")
    with socket.socket() as silent:  # accepts, never answers: like a dead line to HQ
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(ChainUnreachable, match="did not answer in time"):
            config.check_connection(f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/chain", timeout_s=1)
    with pytest.raises(ChainUnreachable, match="is unknown"):
        config.check_connection("postgresql://postgres@no-such-host.invalid/chain")


@pg
def test_missing_database_and_unknown_login() -> None:
    base = PG_ADMIN.rsplit("/", 1)[0]
    with pytest.raises(ChainDatabaseMissing, match="no database named no_such_chain_db"):
        config.check_connection(f"{base}/no_such_chain_db")
    host = base.split("@", 1)[1]
    with pytest.raises(ChainLoginFailed):
        config.check_connection(f"postgresql://nobody_{uuid.uuid4().hex[:6]}:pw@{host}/postgres")


def test_wrong_password_words_from_the_server() -> None:
    """The test server trusts every login, so libpq's own sentence is classified directly."""
    problem = config._connect_problem(  # noqa: SLF001
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
        'password authentication failed for user "pos"', config.make_url(CHAIN))
    assert isinstance(problem, ChainLoginFailed)
    assert "password" in problem.message


@pytest.fixture
def empty_pg() -> str:
    name = f"pointsmall_cfg_{uuid.uuid4().hex[:10]}"
    try:
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    yield _pg_url(name)
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pg
def test_schema_empty_too_old_and_too_new(empty_pg: str) -> None:
    with pytest.raises(ChainSchemaMismatch, match="is empty"):
        config.check_connection(empty_pg)
    db = bootstrap.prepare(empty_pg)
    head = db.head_revision()
    try:
        with db.write_engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
        with pytest.raises(ChainSchemaMismatch, match="newer than this app"):
            config.check_connection(empty_pg)
        script = ScriptDirectory(str(resources.files("pointsmall") / "migrations"))
        older = script.get_revision(head).down_revision
        with db.write_engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{older}'")
        with pytest.raises(ChainSchemaMismatch, match="older than this app") as refused:
            config.check_connection(empty_pg)
        assert head in refused.value.message
    finally:
        db.dispose()


def test_the_command_line_follows_the_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from pointsmall import cli

    monkeypatch.setenv("POINTSMALL_CONFIG", str(tmp_path / "pointsmall.toml"))
    for name in config.ENV.values():
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["check", "--mode", "online"]) == cli.EXIT_REFUSED
    assert "Enter the address of the chain's database" in capsys.readouterr().err
    assert cli.main(["--mode", "online", "--chain", "postgresql://pos:s3cret@127.0.0.1:1/chain", "check"]) \
        == cli.EXIT_REFUSED
    err = capsys.readouterr().err
    assert "s3cret" not in err and "HQ's server 127.0.0.1:1 refused the connection" in err
    local = tmp_path / "store.db"
    assert cli.main(["check", "--db", f"sqlite:///{local}"]) == cli.EXIT_OK
    assert local.exists()
    config.save(Deployment(Mode.STANDALONE, db=f"sqlite:///{tmp_path / 'saved.db'}"))
    assert cli.main(["check"]) == cli.EXIT_OK
    assert (tmp_path / "saved.db").exists()


@pg
def test_an_online_till_uses_hqs_database_as_it_is(empty_pg: str, tmp_path: Path) -> None:
    with pytest.raises(ChainSchemaMismatch, match="is empty"):
        config.open_database(Deployment(Mode.ONLINE, empty_pg))
    db = bootstrap.prepare(empty_pg)  # HQ migrates once per release
    head = db.head_revision()
    older = ScriptDirectory(str(resources.files("pointsmall") / "migrations")).get_revision(head).down_revision
    with db.write_engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{older}'")
    with pytest.raises(ChainSchemaMismatch, match="older than this app"):
        config.open_database(Deployment(Mode.ONLINE, empty_pg))
    assert db.current_revision() == older  # the till did not migrate the chain under everyone else
    with db.write_engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{head}'")
    db.dispose()
    till = config.open_database(Deployment(Mode.ONLINE, empty_pg))
    try:
        assert till.dialect == "postgresql" and till.current_revision() == head
    finally:
        till.dispose()
    local = config.open_database(Deployment(Mode.STANDALONE, db=f"sqlite:///{tmp_path / 'shop.db'}"))
    try:
        assert local.current_revision() == head  # a standalone file is migrated at start
    finally:
        local.dispose()


@pg
def test_a_job_on_the_replica_feeds_the_outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], pg_db) -> None:  # type: ignore[no-untyped-def]
    """`pointsmall --mode offline ...` opens the store's replica attached, as the desktop does."""
    from pointsmall import cli, sync

    monkeypatch.setenv("POINTSMALL_CONFIG", str(tmp_path / "pointsmall.toml"))
    for name in config.ENV.values():
        monkeypatch.delenv(name, raising=False)
    replica = f"sqlite:///{tmp_path / 'replica.db'}"
    args = ["--mode", "offline", "--chain", pg_db.url, "--store", "S001", "--db", replica]
    assert cli.main([*args, "check"]) == cli.EXIT_OK
    db = bootstrap.prepare(replica)
    try:
        assert sync.sync_status(db).store_id == "S001"
    finally:
        db.dispose()
    assert cli.main([*args[:-4], "--store", "S009", "--db", replica, "check"]) == cli.EXIT_REFUSED
    assert "replica of store S001; it cannot serve store S009" in capsys.readouterr().err


def test_only_sync_defaults_to_the_offline_mode() -> None:
    """Regression: `sync`'s default mode once leaked into every command through the shared --mode option."""
    from pointsmall import cli

    parser = cli.build_parser()
    for argv in (["check"], ["db", "upgrade"], ["expire"], ["--db", "x.db", "check"]):
        args = parser.parse_args(argv)
        assert getattr(args, "mode", None) is None, argv
    assert cli.deployment(parser.parse_args(["sync", "--chain", CHAIN, "--store", "S001"])).mode is Mode.OFFLINE
    assert cli.deployment(parser.parse_args(["check", "--chain", CHAIN, "--store", "S001"])).mode is Mode.OFFLINE
    assert cli.deployment(parser.parse_args(["check", "--mode", "online", "--chain", CHAIN,
                                             "--store", "S001"])).mode is Mode.ONLINE
