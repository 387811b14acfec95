"""Writing demo rows into the database by its fastest path, in one transaction.

SQLite: raw ``sqlite3`` ``executemany`` on a connection of its own, with
``synchronous=OFF`` and a large page cache only for the load (restored
before the connection is closed), and the one index whose keys arrive in
random order (members by phone's last four digits; lots by expiry) dropped
and rebuilt around it. Every other index receives its keys in ascending
order, because chunks are written in order and ids grow with them.
Foreign keys are enforced for small loads; large ones rely on the rows
being made consistent (tests check the small ones, with enforcement on).

PostgreSQL: ``COPY ... FROM STDIN`` through psycopg on the engine's own
connection, with the session in UTC so the naive instants mean UTC.
"""
from __future__ import annotations

import sqlite3
from typing import Protocol

from .db import BUSY_TIMEOUT_MS, Database
from .demo_plan import COLUMNS

REBUILT_INDEXES = ("ix_members_phone_last4", "ix_point_lots_expiry")
ENFORCE_FOREIGN_KEYS_UP_TO = 50_000  # members


class Loader(Protocol):
    def write(self, rows: dict[str, list[tuple]]) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...


def _insert_sql(table: str) -> str:
    columns = COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


class SqliteLoader:
    def __init__(self, db: Database, members: int) -> None:
        path = db.sqlite_path
        if path is None:
            raise ValueError("demo data needs an SQLite file, not an in-memory database")
        db.dispose()  # no pooled connection may hold a read snapshot across the load
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.conn.execute(f"PRAGMA foreign_keys={'ON' if members <= ENFORCE_FOREIGN_KEYS_UP_TO else 'OFF'}")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute(f"PRAGMA cache_size={-min(2_000_000, 64_000 + members * 2)}")  # KiB
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.execute("BEGIN IMMEDIATE")
        self.indexes: list[str] = []
        if members > ENFORCE_FOREIGN_KEYS_UP_TO:
            for name in REBUILT_INDEXES:
                row = self.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                        (name,)).fetchone()
                if row is not None:
                    self.indexes.append(row[0])
                    self.conn.execute(f"DROP INDEX {name}")
        self.statements = {table: _insert_sql(table) for table in COLUMNS}

    def write(self, rows: dict[str, list[tuple]]) -> None:
        for table, statement in self.statements.items():
            if rows[table]:
                self.conn.executemany(statement, rows[table])

    def finish(self) -> None:
        try:
            for sql in self.indexes:
                self.conn.execute(sql)
            self.conn.execute("COMMIT")
        except BaseException:
            self.abort()
            raise
        self._close()

    def abort(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self._close()

    def _close(self) -> None:
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.close()


class PostgresLoader:
    def __init__(self, db: Database) -> None:
        self.raw = db.write_engine.raw_connection()
        self.conn = self.raw.driver_connection  # a psycopg.Connection, in a transaction from the first statement
        self.conn.execute("SET LOCAL TIME ZONE 'UTC'")

    def write(self, rows: dict[str, list[tuple]]) -> None:
        with self.conn.cursor() as cur:
            for table, columns in COLUMNS.items():
                if not rows[table]:
                    continue
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows[table]:
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
