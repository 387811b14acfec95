"""Writing demo rows into the database by its fastest path.

Small loads (and PostgreSQL) take one transaction: on SQLite, raw
``sqlite3`` ``executemany`` on a connection of its own; on PostgreSQL,
``COPY ... FROM STDIN`` through psycopg, the session in UTC so the naive
instants mean UTC.

Large SQLite loads are staged: each worker process writes its chunk's rows
into a small SQLite file of its own (``stage_chunk``), and the writer
attaches those files and copies them with ``INSERT ... SELECT``, which runs
inside SQLite without a Python call per row, while the workers go on with
the next chunks. SQLite cannot detach a file inside a transaction, so the
writer commits every few chunks: a large load is a few transactions, and
one that is interrupted leaves the chunks copied so far (start again with a
new file).

During a load SQLite runs with ``synchronous=OFF``, the rollback journal in
memory and a large page cache; the durable settings (WAL, FULL) are restored
before the connection closes. Every index receives its keys in ascending
order (chunks are written in order and ids grow with them) except two that
are dropped and rebuilt around the load. Foreign keys are enforced for small
loads; large ones rely on the rows being made consistent (tests check small
loads, with enforcement on).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Protocol

from .db import BUSY_TIMEOUT_MS, Database
from .demo_history import generate_chunk
from .demo_plan import COLUMNS, Chunk, ChunkRows, Plan

REBUILT_INDEXES = ("ix_members_phone_last4", "ix_point_lots_expiry")
ENFORCE_FOREIGN_KEYS_UP_TO = 50_000  # members
CHUNKS_PER_TRANSACTION = 8  # SQLite attaches at most 10 files, and cannot detach one inside a transaction


class Loader(Protocol):
    def take(self, out: ChunkRows) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...


def _insert_sql(table: str) -> str:
    columns = COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def stage_chunk(plan: Plan, chunk: Chunk, directory: str) -> ChunkRows:
    """Simulate a chunk and write its rows to a staging file (in a worker process)."""
    out = generate_chunk(plan, chunk)
    path = os.path.join(directory, f"chunk-{chunk.index:05d}.db")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        for table, columns in COLUMNS.items():
            conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
            conn.executemany(_insert_sql(table), out.rows[table])
        conn.execute("COMMIT")
    finally:
        conn.close()
    out.counts = {table: len(rows) for table, rows in out.rows.items()}
    out.rows = {}
    out.path = path
    return out


class SqliteLoader:
    def __init__(self, db: Database, members: int) -> None:
        path = db.sqlite_path
        if path is None:
            raise ValueError("demo data needs an SQLite file, not an in-memory database")
        db.dispose()  # no pooled connection may hold the file while the journal mode changes
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.conn.execute(f"PRAGMA foreign_keys={'ON' if members <= ENFORCE_FOREIGN_KEYS_UP_TO else 'OFF'}")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute(f"PRAGMA cache_size={-min(1_000_000, 64_000 + members)}")  # KiB: at most 1 GB
        self.conn.execute("PRAGMA temp_store=MEMORY")
        try:  # needs the file to itself; with another connection open, the load simply stays in WAL mode
            self.conn.execute("PRAGMA journal_mode=MEMORY")
        except sqlite3.OperationalError:
            pass
        self.statements = {table: _insert_sql(table) for table in COLUMNS}
        self.attached: list[str] = []
        self.indexes: list[str] = []
        self.conn.execute("BEGIN IMMEDIATE")
        for name in REBUILT_INDEXES:
            row = self.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                    (name,)).fetchone()
            if row is not None:
                self.indexes.append(row[0])
                self.conn.execute(f"DROP INDEX {name}")

    def take(self, out: ChunkRows) -> None:
        if out.path is None:
            for table, statement in self.statements.items():
                if out.rows.get(table):
                    self.conn.executemany(statement, out.rows[table])
            return
        if len(self.attached) == CHUNKS_PER_TRANSACTION:
            self._commit_and_detach()
            self.conn.execute("BEGIN IMMEDIATE")
        alias = f"stage{len(self.attached)}"
        self.conn.execute("ATTACH DATABASE ? AS " + alias, (out.path,))
        self.attached.append(out.path)
        for table, columns in COLUMNS.items():
            names = ", ".join(columns)
            order = " ORDER BY term, member_id" if table == "member_search_terms" else ""
            self.conn.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM {alias}.{table}{order}")

    def _commit_and_detach(self) -> None:
        self.conn.execute("COMMIT")
        for index, path in enumerate(self.attached):
            self.conn.execute(f"DETACH DATABASE stage{index}")
            os.unlink(path)
        self.attached = []

    def finish(self) -> None:
        try:
            for sql in self.indexes:
                self.conn.execute(sql)
            self._commit_and_detach()
        except BaseException:
            self.abort()
            raise
        self._close()

    def abort(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        for index, path in enumerate(self.attached):
            self.conn.execute(f"DETACH DATABASE stage{index}")
            Path(path).unlink(missing_ok=True)
        existing = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        for name, sql in zip(REBUILT_INDEXES, self.indexes):
            if name not in existing:  # earlier chunks were committed without it
                self.conn.execute(sql)
        self._close()

    def _close(self) -> None:
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.close()


class PostgresLoader:
    def __init__(self, db: Database) -> None:
        self.raw = db.write_engine.raw_connection()
        self.conn = self.raw.driver_connection  # a psycopg.Connection, in a transaction from the first statement
        self.conn.execute("SET LOCAL TIME ZONE 'UTC'")

    def take(self, out: ChunkRows) -> None:
        with self.conn.cursor() as cur:
            for table, columns in COLUMNS.items():
                if not out.rows.get(table):
                    continue
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in out.rows[table]:
                        copy.write_row(row)

    def finish(self) -> None:
        try:
            self.conn.commit()
        finally:
            self.raw.close()

    def abort(self) -> None:
        try:
            self.conn.rollback()
        finally:
            self.raw.close()


def open_loader(db: Database, members: int) -> Loader:
    if db.dialect == "sqlite":
        return SqliteLoader(db, members)
    return PostgresLoader(db)
