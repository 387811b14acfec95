"""Downward: what the chain decides, pulled into the replica with a watermark cursor.

On the chain, triggers log every changed row of the tables stores mirror in
``sync_changes`` with the writing transaction's id. A pull reads, in one
REPEATABLE READ snapshot, ``xmin = pg_snapshot_xmin(pg_current_snapshot())``
and every logged key with ``txid >= cursor``, fetches those rows as the
snapshot has them, and stores ``xmin`` as the new cursor. Every transaction
below ``xmin`` had finished when the snapshot was taken, so whatever it
committed is in the snapshot: nothing committed out of order is ever
skipped, which a cursor over a sequence cannot promise (a transaction that
took number 7 and commits after number 8 was read is lost to it). Changes
at or above ``xmin`` that were already visible are applied now and again
next time; applying is idempotent.

On the replica, pulled rows are written with the capture triggers silenced
and foreign keys off (lots refer to ledger entries the replica does not
mirror). Projections keep what the chain has not confirmed yet: a member's
balance is the chain's plus the pending local entries, a lot's remaining is
the chain's minus pending local draws, an item's stock the chain's plus
pending local stock entries. The same snapshot says which of this store's
events the chain has applied, so a lost acknowledgement never counts
points twice.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..clock import utc_now
from ..db import Database
from ..models import AuditHead, SyncCaptured, SyncChange, SyncOutbox, SyncPeer, SyncState
from . import bulk, codec
from .errors import NotAReplica, RestoredFromBackup, UnsentRecordsBlockCopy
from .outbox import confirm_pending

Progress = Callable[[str, int, int], None]  # phase, done, total

# Mirrored tables: the column a change is keyed by (as the migration's triggers log it).
MIRRORED: dict[str, str] = {
    "stores": "id", "settings": "key", "staff": "id", "tiers": "id", "campaigns": "id", "risk_rules": "id",
    "tasks": "id", "item_images": "id", "catalog_items": "id", "wheels": "id", "wheel_versions": "wheel_id",
    "wheel_segments": "wheel_id", "members": "id", "member_search_terms": "member_id", "point_lots": "id",
    "review_cases": "id",
}
GROUPED = {"member_search_terms", "wheel_versions", "wheel_segments"}  # keyed by a column that is not the whole key

_PENDING_POINTS = "(SELECT {f} FROM sync_pending p WHERE p.kind = 'points' AND p.key_id = excluded.id)"
_PENDING_STOCK = "(SELECT {f} FROM sync_pending p WHERE p.kind = 'stock' AND p.key_id = excluded.id)"
_PENDING_DRAWN = ("(SELECT coalesce(sum(d.points), 0) FROM lot_draws d JOIN sync_pending p ON p.row_id = d.entry_id "
                  "WHERE d.lot_id = excluded.id)")
# Projections that keep the replica's unconfirmed facts on top of the chain's figures.
OVERRIDES: dict[str, dict[str, str]] = {
    "members": {
        "balance": "excluded.balance + coalesce(" + _PENDING_POINTS.format(f="sum(p.amount)") + ", 0)",
        "last_entry_seq": "max(excluded.last_entry_seq + " + _PENDING_POINTS.format(f="count(*)")
                          + ", members.last_entry_seq)",
    },
    "point_lots": {"remaining": "excluded.remaining - " + _PENDING_DRAWN},
    "catalog_items": {
        "stock": "excluded.stock + coalesce(" + _PENDING_STOCK.format(f="sum(p.amount)") + ", 0)",
        "last_stock_seq": "max(excluded.last_stock_seq + " + _PENDING_STOCK.format(f="count(*)")
                          + ", catalog_items.last_stock_seq)",
    },
}
CHUNK = 20_000


@dataclass
class PullReport:
    rows: int
    tables: dict[str, int]
    cursor: int
    chain_applied_seq: int
    skipped: list[str]


@contextmanager
def chain_snapshot(chain: Database) -> Iterator[tuple[Connection, int]]:
    """A REPEATABLE READ transaction on the chain and its snapshot's xmin."""
    with chain.write_engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            xmin = conn.exec_driver_sql("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint").scalar_one()
            yield conn, int(xmin)


@contextmanager
def replica_apply(replica: Database) -> Iterator[Connection]:
    """A write transaction on the replica with foreign keys off and the capture triggers silenced."""
    with replica.write_engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # only takes effect outside a transaction
        try:
            with conn.begin():
                conn.exec_driver_sql("INSERT OR IGNORE INTO sync_applying (flag) VALUES (1)")
                yield conn
                conn.exec_driver_sql("DELETE FROM sync_applying")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def pull(replica: Database, chain: Database, *, progress: Progress | None = None, full: bool = False) -> PullReport:
    """Bring the replica up to the chain's snapshot; a full copy when there is no cursor yet (or ``full``)."""
    with replica.read() as session:
        state = session.get(SyncState, 1)
        if state is None:
            raise NotAReplica()
        store_id, replica_id, cursor = state.store_id, state.replica_id, state.cursor
    full = full or cursor is None
    if full:
        _refuse_over_local_facts(replica)
        _register(chain, replica_id, store_id)
    report = PullReport(0, {}, 0, 0, [])
    with chain_snapshot(chain) as (src, xmin), replica_apply(replica) as dst:
        peer = src.execute(select(SyncPeer.applied_seq, SyncPeer.cursor)
                           .where(SyncPeer.replica_id == replica_id)).one_or_none()
        applied, recorded = (peer.applied_seq or 0, peer.cursor) if peer is not None else (0, None)
        report.chain_applied_seq = applied
        if full:
            # Nothing of its own is unsent (refused above): its position is what the chain has applied.
            dst.execute(update(SyncState).where(SyncState.id == 1).values(sealed_seq=applied, acked_seq=applied))
        elif applied > dst.execute(select(SyncState.sealed_seq)).scalar_one() or _behind(cursor, recorded):
            # Head office has more from this computer than it made, or sent it more than it has: an old copy.
            raise RestoredFromBackup()
        _acknowledge(dst, applied)
        if full:
            _copy_all(src, dst, report, progress)
        else:
            _copy_changes(src, dst, cursor or 0, report, progress)
        dst.exec_driver_sql("DELETE FROM sync_pending WHERE kind = 'lots'")
        # Rows held back are read again next time: the cursor stays where it was until they are in.
        report.cursor = xmin if not report.skipped else (cursor or 0)
        dst.execute(update(SyncState).where(SyncState.id == 1).values(cursor=report.cursor, **(
            {"first_pull_at": utc_now()} if full else {})))
    # Outside the snapshot: a REPEATABLE READ transaction must not write rows a push may be updating.
    # The chain keeps every replica's cursor, so it knows which change log rows all have read.
    with chain.write() as session:
        now = utc_now()
        session.execute(pg_insert(SyncPeer).values(replica_id=replica_id, store_id=store_id, applied_seq=0,
                                                   last_pull_at=now, cursor=report.cursor)
                        .on_conflict_do_update(index_elements=[SyncPeer.replica_id],
                                               set_={"last_pull_at": now, "cursor": report.cursor}))
    return report


@dataclass(frozen=True)
class PruneReport:
    removed: dict[str, int]  # change log rows deleted, by mirrored table
    below: int | None  # the txid every known replica's cursor has passed (None: nothing could be pruned)
    held_by: str | None  # the store whose replica holds the lowest cursor, or one with no cursor yet
    held_since: datetime | None  # that replica's last pull
    kept: int  # change log rows left

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def prune(chain: Database) -> PruneReport:
    """Delete the change log rows every known replica has read (below the lowest cursor); a job for head office.

    A replica not known yet makes a full copy when it starts, so it needs none of them; a full pull registers
    its replica before taking its snapshot (``_register``), so a prune running during it keeps what it will
    read next. A replica the chain knows without a cursor (it pushed, but its pull's registration was lost)
    may have read from anywhere: nothing is pruned until it pulls again.
    """
    with chain.write() as session:
        peers = session.execute(select(SyncPeer.store_id, SyncPeer.cursor, SyncPeer.last_pull_at)
                                .order_by(SyncPeer.cursor.asc().nulls_first(), SyncPeer.store_id)).all()
        if not peers or peers[0].cursor is None:
            held = peers[0] if peers else None
            kept = session.scalar(select(func.count()).select_from(SyncChange)) or 0
            return PruneReport({}, None, held.store_id if held else None, held.last_pull_at if held else None, kept)
        lowest = peers[0]
        # Every transaction below a cursor had finished when it was taken: no row below it can still appear.
        removed = {tbl: n for tbl, n in session.execute(
            select(SyncChange.tbl, func.count()).where(SyncChange.txid < lowest.cursor).group_by(SyncChange.tbl)
            .order_by(SyncChange.tbl)).tuples()}
        session.execute(delete(SyncChange).where(SyncChange.txid < lowest.cursor))
        kept = session.scalar(select(func.count()).select_from(SyncChange)) or 0
        return PruneReport(removed, lowest.cursor, lowest.store_id, lowest.last_pull_at, kept)


def _register(chain: Database, replica_id: uuid.UUID, store_id: str) -> None:
    """Before a full copy: the chain knows the replica, with a cursor no later than the copy's snapshot.

    Otherwise a prune running between the copy's snapshot and its registration (a first pull of a million
    members takes a minute) would delete changes of transactions that were still running at the snapshot,
    which the replica's next pull must read.
    """
    with chain.write() as session:
        now_xmin = session.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one()
        session.execute(pg_insert(SyncPeer).values(replica_id=replica_id, store_id=store_id, applied_seq=0,
                                                   cursor=now_xmin)
                        .on_conflict_do_update(index_elements=[SyncPeer.replica_id], set_={
                            "cursor": func.least(func.coalesce(SyncPeer.cursor, now_xmin), now_xmin)}))


def prune_change_log(chain: Database) -> int:
    """``prune`` and how many rows it deleted."""
    return prune(chain).total


def _refuse_over_local_facts(replica: Database) -> None:
    """A full copy replaces staff and settings: never under facts that have not reached the chain."""
    with replica.read() as session:
        acked = session.scalar(select(SyncState.acked_seq)) or 0
        waiting = (session.scalar(select(func.count()).select_from(SyncCaptured)) or 0) + (
            session.scalar(select(func.count()).select_from(SyncOutbox).where(SyncOutbox.seq > acked)) or 0)
    if waiting:
        raise UnsentRecordsBlockCopy()


def _acknowledge(dst: Connection, applied: int) -> None:
    """The chain's snapshot has every event up to ``applied``: none of them is pending any more."""
    acked = dst.execute(select(SyncState.acked_seq).where(SyncState.id == 1)).scalar_one()
    if applied > acked:
        dst.exec_driver_sql("UPDATE sync_outbox SET acked_at = ? WHERE seq > ? AND seq <= ?",
                            (utc_now().replace(tzinfo=None).isoformat(sep=" "), acked, applied))
        confirm_pending(dst, applied)
        dst.execute(update(SyncState).where(SyncState.id == 1).values(acked_seq=applied))


def _copy_all(src: Connection, dst: Connection, report: PullReport, progress: Progress | None) -> None:
    # Defaults a fresh file was made with (its own system account, store, tiers) give way to the chain's.
    dst.execute(delete(AuditHead))
    totals = {name: src.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one() for name in MIRRORED}
    for name in MIRRORED:
        def step(done: int, name: str = name) -> None:
            if progress:
                progress(name, done, totals[name])

        # Versions are append-only (and a fresh file has none): add, never replace.
        done = bulk.copy_table(src, dst, codec.table(name), keep_existing=name == "wheel_versions", progress=step)
        report.tables[name] = done
        report.rows += done
    bulk.copy_table(src, dst, AuditHead.__table__, keep_existing=True)


def _behind(cursor: int | None, recorded: int | None) -> bool:
    """The replica's cursor is behind the one the chain recorded for it: a copy restored from a backup.

    The chain's change log may have been pruned past that older cursor (``prune_change_log``), so a pull
    from it could miss changes: the sync stops rather than carry on incomplete. The replica writes its own
    cursor before the chain records it, so the replica is never behind the chain's record otherwise.
    """
    return cursor is not None and recorded is not None and cursor < recorded


def _copy_changes(src: Connection, dst: Connection, cursor: int, report: PullReport,
                  progress: Progress | None) -> None:
    changed: dict[str, set[str]] = {}
    for tbl, pk in src.execute(select(SyncChange.tbl, SyncChange.pk).where(SyncChange.txid >= cursor)
                               .group_by(SyncChange.tbl, SyncChange.pk)):
        changed.setdefault(tbl, set()).add(pk)
    total = sum(len(keys) for keys in changed.values())
    done = 0
    if _spenders(dst):
        changed.setdefault("point_lots", set())
    for name in MIRRORED:  # parents before children
        keys = changed.get(name)
        if keys is None or (not keys and name != "point_lots"):
            continue
        table = codec.table(name)
        key_col = table.c[MIRRORED[name]]
        values = [_key_value(key_col, k) for k in keys]
        rows: list[dict[str, Any]] = []
        for start in range(0, len(values), 5000):
            rows += [dict(r) for r in src.execute(select(table).where(key_col.in_(values[start:start + 5000])))
                     .mappings()]
        if name == "point_lots":
            rows += _lots_of_changed_members(src, _spenders(dst), {r["id"] for r in rows})
        if name in GROUPED and name != "wheel_versions":
            for start in range(0, len(values), 900):
                dst.execute(delete(table).where(key_col.in_(values[start:start + 900])))
        elif name not in GROUPED:
            found = {r[key_col.name] for r in rows}
            gone = [v for v in values if v not in found]
            for start in range(0, len(gone), 900):
                dst.execute(delete(table).where(key_col.in_(gone[start:start + 900])))
        if name == "members":
            rows = _without_clashes(dst, rows, report)
        _upsert(dst, table, rows)
        if name == "staff" and rows:
            heads = [dict(r) for r in src.execute(select(AuditHead).where(
                AuditHead.staff_id.in_([r["id"] for r in rows]))).mappings()]
            dst.execute(sqlite_insert(AuditHead).on_conflict_do_nothing(), heads)
        report.tables[name] = len(rows)
        report.rows += len(rows)
        done += len(keys)
        if progress:
            progress(name, done, total)


def _spenders(dst: Connection) -> set[str]:
    """Members whose spending here the chain has confirmed since the last pull (``outbox.confirm_pending``)."""
    return {key for (key,) in dst.exec_driver_sql("SELECT key_id FROM sync_pending WHERE kind = 'lots'")}


def _lots_of_changed_members(src: Connection, member_keys: set[str], have: set[uuid.UUID]) -> list[dict[str, Any]]:
    """All open lots of members this store spent from: the chain may have drawn other lots than the store did.

    (A lot the chain drew is in the change log by itself; so is a lot a positive entry opened.)
    """
    lots = codec.table("point_lots")
    ids = [uuid.UUID(k) for k in member_keys]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), 5000):
        rows += [dict(r) for r in src.execute(select(lots).where(lots.c.member_id.in_(ids[start:start + 5000]),
                                                                 lots.c.remaining > 0))
                 .mappings() if r["id"] not in have]
    return rows


def _key_value(column: Any, key: str) -> Any:
    python_type = column.type.python_type
    if python_type is uuid.UUID:
        return uuid.UUID(key)
    if python_type is int:
        return int(key)
    return key


def _without_clashes(dst: Connection, rows: list[dict[str, Any]], report: PullReport) -> list[dict[str, Any]]:
    """Members whose phone or card a different local member holds wait (a merge case is open at the chain)."""
    members = codec.table("members")
    by_phone = {r["phone"]: r["id"] for r in rows}
    by_card = {r["card_code"]: r["id"] for r in rows}
    incoming = {r["id"]: r for r in rows}
    held: set[uuid.UUID] = set()
    phones, cards = list(by_phone), list(by_card)
    for start in range(0, max(len(phones), 1), 400):
        for local_id, phone, card in dst.execute(
                select(members.c.id, members.c.phone, members.c.card_code)
                .where(members.c.phone.in_(phones[start:start + 400]) | members.c.card_code.in_(cards[start:start + 400]))):
            mine = incoming.get(local_id)  # the local holder's own new version, when it comes in this pull
            for theirs, column, value in ((by_phone.get(phone), "phone", phone), (by_card.get(card), "card_code", card)):
                if theirs is None or theirs == local_id:
                    continue
                if mine is not None and mine[column] != value:
                    continue  # the holder gives it up in this pull (the chain marked it for a merge)
                held.add(theirs)
    for member_id in held:
        report.skipped.append(f"member {member_id}: its phone or card is held by a local member (merge case)")
    kept = [r for r in rows if r["id"] not in held]
    # Rows already here first: a local member may give up a phone an incoming one takes.
    existing = {row[0] for start in range(0, len(kept), 900) for row in dst.execute(
        select(members.c.id).where(members.c.id.in_([r["id"] for r in kept[start:start + 900]])))}
    return sorted(kept, key=lambda r: r["id"] not in existing)


def _upsert(dst: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = sqlite_insert(table)
    keys = [c.name for c in table.primary_key.columns]
    if table.name == "wheel_versions":
        dst.execute(stmt.on_conflict_do_nothing(index_elements=keys), rows)
        return
    overrides = OVERRIDES.get(table.name, {})
    updates = {c.name: literal_column(overrides.get(c.name, f"excluded.{c.name}"))
               for c in table.columns if c.name not in keys}
    if not updates:
        dst.execute(stmt.on_conflict_do_nothing(index_elements=keys), rows)
        return
    dst.execute(stmt.on_conflict_do_update(index_elements=keys, set_=updates), rows)

