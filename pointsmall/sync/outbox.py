"""The store's outbox: captured rows sealed into numbered events, and their acknowledgement.

Sealing runs in one local write transaction, before any network call: it
reads the captured rows (whole committed transactions: sealing holds the
write lock, so no transaction is half-done), groups them by local
transaction, serialises each group's rows in insertion order into an event
with a fresh UUIDv7 id, a canonical payload and its sha256 digest, numbers
the events 1, 2, 3... and saves them. From then on an event's id and bytes
never change: a retry sends exactly what the first attempt sent.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update

from ..clock import utc_now
from ..db import Database
from ..ids import new_id
from ..models import SyncCaptured, SyncOutbox, SyncState
from . import codec
from .capture import FACT_TABLES
from .gc_pause import paused_gc


@dataclass(frozen=True)
class OutboundEvent:
    seq: int
    event_id: uuid.UUID
    payload: str
    digest: str


SEAL_ROWS = 20_000  # captured rows per sealing transaction


def seal(replica: Database, *, max_rows: int = SEAL_ROWS, rounds: int | None = None) -> int:
    """Seal captured rows into events, ``max_rows`` per transaction (every row, or ``rounds`` transactions).

    Returns how many events were made.
    """
    made = done = 0
    while rounds is None or done < rounds:
        with paused_gc(), replica.write() as session:
            n = _seal_some(session, max_rows)
        made, done = made + n, done + 1
        if n == 0:
            break
    return made


def _seal_some(session: Any, max_rows: int) -> int:
    conn = session.connection()
    # Plain (seq, txn, table, key) tuples: tens of thousands of rows go through the loop below.
    captured = [tuple(r) for r in conn.execute(
        select(SyncCaptured.seq, SyncCaptured.txn, SyncCaptured.tbl, SyncCaptured.row_key)
        .order_by(SyncCaptured.seq).limit(max_rows))]
    if not captured:
        return 0
    if len(captured) == max_rows:
        # Keep whole transactions together: leave the last, maybe cut, one for the next round.
        last_txn = captured[-1][1]
        whole = [r for r in captured if r[1] != last_txn]
        captured = whole or captured
    rows = _fetch(conn, captured)
    state_seq = conn.execute(select(SyncState.sealed_seq).where(SyncState.id == 1)).scalar_one()
    now = utc_now().replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    outbox: list[tuple[Any, ...]] = []
    pending_marks: list[tuple[int, str]] = []  # (event seq, sync_pending row id)
    group: list[tuple[str, str]] = []
    last = len(captured) - 1
    for index, (_, txn, tbl, key) in enumerate(captured):
        group.append((tbl, key))
        if index < last and captured[index + 1][1] == txn:
            continue
        state_seq += 1
        payload = codec.canonical_bytes({"rows": [[name, found] for name, row_key in group
                                                  if (found := rows.get((name, row_key))) is not None]})
        outbox.append((state_seq, new_id().hex, payload.decode("utf-8"), codec.digest(payload), len(group), now))
        pending_marks += [(state_seq, row_key) for name, row_key in group
                          if name in ("point_entries", "stock_entries")]
        group = []
    # Raw, as SQLite stores these types (hex UUID, naive UTC text): tens of thousands of rows per round.
    conn.exec_driver_sql("INSERT INTO sync_outbox (seq, event_id, payload, digest, rows, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", outbox)
    if pending_marks:
        conn.exec_driver_sql("UPDATE sync_pending SET event_seq = ? WHERE row_id = ?", pending_marks)
    conn.execute(delete(SyncCaptured).where(SyncCaptured.seq <= captured[-1][0]))
    conn.execute(update(SyncState).where(SyncState.id == 1).values(sealed_seq=state_seq))
    return len(outbox)


def _fetch(conn: Any, captured: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The captured rows as SQLite stores them (fact tables are append-only: what was inserted).

    Read raw: UUIDs are already 32 hex digits, instants UTC text, days ISO
    text, which is the wire format ``codec.decode_row`` reads.
    """
    wanted: dict[str, list[str]] = defaultdict(list)
    for _, _, tbl, row_key in captured:
        wanted[tbl].append(row_key)
    raw = conn.connection.driver_connection
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for name, keys in wanted.items():
        key = FACT_TABLES[name]
        for start in range(0, len(keys), 900):
            chunk = keys[start:start + 900]
            cursor = raw.execute(f"SELECT * FROM {name} WHERE {key} IN ({','.join('?' * len(chunk))})", chunk)
            columns = [d[0] for d in cursor.description]
            at = columns.index(key)
            for row in cursor:
                found[(name, row[at])] = dict(zip(columns, row))
    return found


def unacked(replica: Database, limit: int, *, after: int | None = None) -> list[OutboundEvent]:
    """The next ``limit`` events not acknowledged yet (or, with ``after``, the next ones past that number)."""
    with replica.read() as session:
        if after is None:
            after = session.scalar(select(SyncState.acked_seq).where(SyncState.id == 1)) or 0
        rows = session.execute(select(SyncOutbox.seq, SyncOutbox.event_id, SyncOutbox.payload, SyncOutbox.digest)
                               .where(SyncOutbox.seq > after).order_by(SyncOutbox.seq).limit(limit)).all()
    return [OutboundEvent(*row) for row in rows]


def mark_acked(replica: Database, through: int) -> None:
    """The chain applied every event up to ``through``: they are no longer pending."""
    with replica.write() as session:
        acked = session.scalar(select(SyncState.acked_seq).where(SyncState.id == 1)) or 0
        if through <= acked:
            return
        session.execute(update(SyncOutbox).where(SyncOutbox.seq > acked, SyncOutbox.seq <= through)
                        .values(acked_at=utc_now()))
        confirm_pending(session.connection(), through)
        session.execute(update(SyncState).where(SyncState.id == 1).values(acked_seq=through))


# ``+kind``: without it SQLite's planner takes the (kind, key) index and reads every pending entry of the kind
# at each acknowledgement (quadratic in the backlog: 8 of the 20 s of pushing 100,000 events); with it, the
# event-number index reads only the acknowledged ones.
REFRESH_LOTS = """
INSERT OR IGNORE INTO sync_pending (row_id, kind, key_id, amount, business_day, entry_kind, event_seq)
SELECT 'lots:' || key_id, 'lots', key_id, 0, NULL, '', NULL FROM sync_pending
WHERE +kind = 'points' AND amount < 0 AND event_seq <= ?
"""


def confirm_pending(conn: Any, through: int) -> None:
    """Events up to ``through`` are applied at the chain: their points and stock are no longer pending.

    A member whose points this store spent gets a ``lots`` marker: the chain
    may have drawn other lots than the store did, so the next pull brings
    all of that member's open lots.
    """
    conn.exec_driver_sql(REFRESH_LOTS, (through,))
    conn.exec_driver_sql("DELETE FROM sync_pending WHERE +kind IN ('points', 'stock') AND event_seq <= ?", (through,))


def pending_counts(session: Any) -> tuple[int, int]:
    """(events sealed and not acknowledged, local transactions captured and not sealed yet)."""
    acked = session.scalar(select(SyncState.acked_seq).where(SyncState.id == 1)) or 0
    events = session.scalar(select(func.count()).select_from(SyncOutbox).where(SyncOutbox.seq > acked)) or 0
    transactions = session.scalar(select(func.count(func.distinct(SyncCaptured.txn)))) or 0
    return int(events), int(transactions)


def event_rows(payload: str) -> list[tuple[str, dict[str, Any]]]:
    return [(name, row) for name, row in codec.parse(payload)["rows"]]
