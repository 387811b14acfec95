"""Opening and migrating the database: backups, SQLite's pragmas and locking, names, no Qt in the core."""
from __future__ import annotations

import ast
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import event, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

import pointsmall
from pointsmall import bootstrap, members, staff
from pointsmall.db import Database
from pointsmall.models import NAMING_CONVENTION, Base, Member, Setting

from .support import unique_phone


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def downgrade(db: Database, revision: str) -> None:
    cfg = db._alembic_config()
    with db.write_engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


# -- upgrades and backups -------------------------------------------------------

def test_a_fresh_file_is_created_at_the_newest_revision_without_a_backup(tmp_path):
    path = tmp_path / "data" / "pointsmall.db"
    db = Database.open(sqlite_url(path))
    try:
        assert db.current_revision() is None
        assert db.upgrade() is None
        assert db.current_revision() == db.head_revision() is not None
        assert db.upgrade() is None  # already at the newest revision: nothing to do, nothing copied
    finally:
        db.dispose()
    assert sorted(p.name for p in path.parent.iterdir() if p.suffix == ".bak") == []


def test_upgrading_an_older_file_backs_it_up_first(tmp_path):
    path = tmp_path / "pointsmall.db"
    db = bootstrap.prepare(sqlite_url(path))
    try:
        with db.read() as session:
            system = staff.system_actor(session)
        member = members.create_member(db, system, name="张三", phone=unique_phone())
        head = db.head_revision()
        downgrade(db, "-1")
        older = db.current_revision()
        assert older is not None and older != head

        backup = db.upgrade()
        assert backup is not None and backup.exists()
        assert backup.parent == path.parent and backup.name.startswith(f"pointsmall.db.{older}.")
        assert backup.suffix == ".bak"
        assert db.current_revision() == head
        # The backup is the older database, data and all, readable on its own.
        copy = sqlite3.connect(backup)
        try:
            assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == (older,)
            assert copy.execute("SELECT name FROM members").fetchall() == [("张三",)]
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            copy.close()
        # The upgraded database kept the member, and a second upgrade makes no second copy.
        with db.read() as session:
            assert session.get(Member, member.id).name == "张三"
        assert db.upgrade() is None
        assert len(list(path.parent.glob("*.bak"))) == 1
    finally:
        db.dispose()


def test_the_backup_includes_commits_still_in_the_wal(sqlite_db):
    with sqlite_db.read() as session:
        system = staff.system_actor(session)
    members.create_member(sqlite_db, system, name="李四", phone=unique_phone())
    assert Path(f"{sqlite_db.sqlite_path}-wal").exists()
    backup = sqlite_db._backup_sqlite("test")
    assert backup is not None
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT name FROM members").fetchall() == [("李四",)]
    finally:
        copy.close()


@pytest.mark.postgres
def test_no_file_backup_on_postgresql(pg_db):
    assert pg_db._backup_sqlite(pg_db.current_revision() or "x") is None
    assert pg_db.upgrade() is None


# -- SQLite's settings and locking ------------------------------------------------

def _pragmas(session: Session) -> dict[str, object]:
    return {name: session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}


def test_sqlite_pragmas_are_on_for_writes_and_reads(sqlite_db):
    expected = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 10_000}
    with sqlite_db.write() as session:
        assert _pragmas(session) == expected  # synchronous 2 = FULL
    with sqlite_db.read() as session:
        assert _pragmas(session) == expected


def test_foreign_keys_are_enforced_on_sqlite(sqlite_db):
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        with sqlite_db.write() as session:
            session.execute(text("INSERT INTO member_search_terms (term, member_id) VALUES ('zs', :m)"),
                            {"m": "0" * 32})


def test_write_sessions_begin_immediate_and_reads_do_not(sqlite_db):
    seen: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001
        seen.append(statement)

    for engine in (sqlite_db.write_engine, sqlite_db.read_engine):
        event.listen(engine, "before_cursor_execute", record)
    try:
        with sqlite_db.write() as session:
            session.execute(select(Setting))
        write_begin = [s for s in seen if s.startswith("BEGIN")]
        seen.clear()
        with sqlite_db.read() as session:
            session.execute(select(Setting))
        read_begin = [s for s in seen if s.startswith("BEGIN")]
    finally:
        for engine in (sqlite_db.write_engine, sqlite_db.read_engine):
            event.remove(engine, "before_cursor_execute", record)
    assert write_begin == ["BEGIN IMMEDIATE"]
    assert read_begin == ["BEGIN"]


def _bump(session: Session, pause: float, before_write: threading.Barrier | None = None) -> None:
    """Read the counter, wait, write it back plus one: the read-then-write of every service."""
    row = session.get(Setting, "test_counter")
    value = int(row.value) if row else 0
    if before_write is not None:
        before_write.wait()
    time.sleep(pause)
    if row is None:
        session.add(Setting(key="test_counter", value=str(value + 1)))
    else:
        row.value = str(value + 1)


def _run_two(target) -> list[BaseException]:  # noqa: ANN001
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def _counter(db: Database) -> int:
    with db.read() as session:
        return int(session.get(Setting, "test_counter").value)


def test_two_writers_reading_then_writing_queue_instead_of_failing(sqlite_db):
    start = threading.Barrier(2)

    def writer(i: int) -> None:
        start.wait()
        with sqlite_db.write() as session:
            _bump(session, pause=0.2)

    assert _run_two(writer) == []
    assert _counter(sqlite_db) == 2  # no lost update either


def test_without_begin_immediate_the_same_two_writers_fail(sqlite_db):
    """The control for the test above: plain BEGIN lets both read, then one cannot write."""
    both_read = threading.Barrier(2, timeout=10)

    def writer(i: int) -> None:
        with Session(sqlite_db.read_engine) as session, session.begin():
            _bump(session, pause=0.3 * i, before_write=both_read)

    errors = _run_two(writer)
    assert len(errors) == 1 and isinstance(errors[0], OperationalError)
    assert "locked" in str(errors[0])
    assert _counter(sqlite_db) == 1


# -- the schema's names ----------------------------------------------------------------

def test_metadata_uses_the_naming_convention():
    assert Base.metadata.naming_convention == NAMING_CONVENTION
    prefixes = {"PrimaryKeyConstraint": "pk_", "UniqueConstraint": "uq_", "ForeignKeyConstraint": "fk_",
                "CheckConstraint": "ck_"}
    for table in Base.metadata.sorted_tables:
        for constraint in table.constraints:
            name = str(constraint.name) if constraint.name else ""
            assert name.startswith(prefixes[type(constraint).__name__]), (table.name, name)
        for index in table.indexes:
            assert str(index.name).startswith("ix_"), (table.name, index.name)


def test_the_database_carries_the_conventional_names(db):
    insp = inspect(db.write_engine)
    assert insp.get_pk_constraint("members")["name"] == "pk_members"
    assert {u["name"] for u in insp.get_unique_constraints("members")} >= {"uq_members_phone",
                                                                            "uq_members_card_code"}
    assert "fk_point_entries_member_id_members" in {f["name"] for f in insp.get_foreign_keys("point_entries")}
    assert "ix_members_phone_last4" in {i["name"] for i in insp.get_indexes("members")}


# -- the core never imports Qt ------------------------------------------------------

FORBIDDEN = ("PySide6", "shiboken6", "qasync", "ui")


def _imported_modules(path: Path, package_root: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(package_root.parent).with_suffix("").parts[:-1])
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.append(module)
            names += [f"{module}.{alias.name}" if module else alias.name for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")):
            names.append(node.args[0].value)
    return names


def test_the_core_never_imports_qt_or_the_client():
    root = Path(pointsmall.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert root / "migrations" / "env.py" in files and any("versions" in f.parts for f in files)
    offenders = []
    for path in files:
        for name in _imported_modules(path, root):
            top = name.split(".")[0]
            if top in FORBIDDEN:
                offenders.append(f"{path.relative_to(root.parent)}: {name}")
    assert offenders == []


def test_the_import_scan_would_see_a_qt_import(tmp_path):
    """The scanner itself: each way of importing is noticed."""
    package = tmp_path / "pointsmall"
    (package / "sub").mkdir(parents=True)
    (package / "sub" / "x.py").write_text(
        "import PySide6.QtCore\nfrom qasync import asyncSlot\nfrom ... import ui\n"
        "import importlib\nimportlib.import_module('shiboken6')\n", encoding="utf-8")
    names = _imported_modules(package / "sub" / "x.py", package)
    assert {n.split(".")[0] for n in names} >= {"PySide6", "qasync", "shiboken6", "ui"}
    (package / "sub" / "y.py").write_text("from .. import ledger\nfrom ..ui_helpers import x\n", encoding="utf-8")
    assert set(_imported_modules(package / "sub" / "y.py", package)) == {
        "pointsmall", "pointsmall.ledger", "pointsmall.ui_helpers", "pointsmall.ui_helpers.x"}
