"""A new store's first pull: whole tables from PostgreSQL into SQLite, in bulk.

A million members must arrive in under a minute, so no value goes through
SQLAlchemy's type processing on either side: PostgreSQL formats each column
the way the replica's SQLite stores it (UUIDs as 32 hex digits, instants as
naive UTC text with microseconds, days as ISO dates, booleans as 0 or 1), a
server-side cursor streams the rows in chunks, and ``sqlite3``'s
``executemany`` writes them with plain INSERTs into emptied tables.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Boolean, Connection, Date, Table, Uuid

from ..models import UTCDateTime

CHUNK = 20_000


def _as_stored(table: Table) -> tuple[list[str], list[str]]:
    """Column names, and the PostgreSQL expressions that give each as SQLite stores it."""
    names, expressions = [], []
    for column in table.columns:
        name = f'"{column.name}"'
        if isinstance(column.type, Uuid):
            expr = f"replace({name}::text, '-', '')"
        elif isinstance(column.type, UTCDateTime):
            expr = f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        elif isinstance(column.type, Date):
            expr = f"to_char({name}, 'YYYY-MM-DD')"
        elif isinstance(column.type, Boolean):
            expr = f"{name}::int"
        else:
            expr = name
        names.append(name)
        expressions.append(expr)
    return names, expressions


def copy_table(src: Connection, dst: Connection, table: Table, *, keep_existing: bool = False,
               progress: Callable[[int], None] | None = None) -> int:
    """Replace the replica's rows of ``table`` with the chain's (``keep_existing``: add the missing ones)."""
    names, expressions = _as_stored(table)
    raw_src = src.connection.driver_connection
    raw_dst = dst.connection.driver_connection
    if not keep_existing:
        raw_dst.execute(f"DELETE FROM {table.name}")
    verb = "INSERT OR IGNORE" if keep_existing else "INSERT"
    insert_sql = f"{verb} INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    done = 0
    with raw_src.cursor(name=f"pull_{table.name}") as cursor:
        cursor.itersize = CHUNK
        cursor.execute(f"SELECT {', '.join(expressions)} FROM {table.name}")
        while True:
            rows = cursor.fetchmany(CHUNK)
            if not rows:
                break
            raw_dst.executemany(insert_sql, rows)
            done += len(rows)
            if progress:
                progress(done)
    return done
