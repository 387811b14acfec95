"""Opening the database: the URL, SQLite's pragmas, sessions, migrations.

The default is an SQLite file in the user's data directory. SQLite runs in
WAL mode with ``synchronous=FULL`` (a power cut after the till shows "points
awarded" loses nothing), foreign keys on, a busy timeout, and write
transactions that take the write lock at BEGIN (``BEGIN IMMEDIATE``) so two
writers queue instead of deadlocking on a lock upgrade. Reads use a separate
engine whose transactions are plain ``BEGIN`` and never wait for writers.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ENV_VAR = "POINTSMALL_DB"
BUSY_TIMEOUT_MS = 10_000


def default_url() -> str:
    data = Path(platformdirs.user_data_dir("pointsmall", appauthor=False))
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{data / 'pointsmall.db'}"


def resolve_url(url: str | None = None) -> str:
    """``--db`` wins, then ``POINTSMALL_DB``, then the embedded default."""
    url = url or os.environ.get(ENV_VAR) or default_url()
    parsed = make_url(url)
    if parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+pysqlite")
    elif parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: object) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")  # type: ignore[attr-defined]

    return engine


@dataclass
class Database:
    """Engines for one database; hands out one session per operation."""

    url: str
    write_engine: Engine
    read_engine: Engine

    @classmethod
    def open(cls, url: str | None = None) -> "Database":
        url = resolve_url(url)
        if make_url(url).get_backend_name() == "sqlite":
            path = make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            return cls(url, _sqlite_engine(url, immediate=True), _sqlite_engine(url, immediate=False))
        engine = create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
        return cls(url, engine, engine)

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    @property
    def sqlite_path(self) -> Path | None:
        if self.dialect != "sqlite":
            return None
        database = make_url(self.url).database
        return Path(database) if database and database != ":memory:" else None

    def describe(self) -> str:
        """For the status bar: where the data lives, without a password."""
        path = self.sqlite_path
        if path is not None:
            return f"SQLite {path}"
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: commits on success, rolls back on any error."""
        with Session(self.write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.read_engine) as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()

    # -- migrations --------------------------------------------------------

    def _alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(resources.files("pointsmall") / "migrations"))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def current_revision(self) -> str | None:
        with self.write_engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def upgrade(self) -> Path | None:
        """Bring the schema to the newest revision; back an SQLite file up first.

        Returns the backup's path when one was made.
        """
        current, head = self.current_revision(), self.head_revision()
        if current == head:
            return None
        backup = self._backup_sqlite(current) if current is not None else None
        cfg = self._alembic_config()
        with self.write_engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        return backup

    def _backup_sqlite(self, revision: str) -> Path | None:
        path = self.sqlite_path
        if path is None or not path.exists():
            return None
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = path.with_name(f"{path.name}.{revision}.{stamp}.bak")
        # The online backup API copies a consistent snapshot, WAL included.
        source = sqlite3.connect(path)
        try:
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
        return target


def copy_database_file(src: Path, dst: Path) -> None:
    """Copy an SQLite file with its WAL checkpointed first (for tests and tools)."""
    conn = sqlite3.connect(src)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copyfile(src, dst)
