"""Offline-capable stores: a local SQLite replica that syncs with the chain's PostgreSQL.

Mode 3 of issue 6. The desktop works on a local SQLite file with the same
schema as the chain's database and syncs whenever it can reach the chain.
docs/sync.md has the whole design; in short:

Upward (push). Facts a store records (members, purchases and refunds,
ledger entries and their lots, redemptions, vouchers, cancellations,
write-offs, stock entries, sign-ins and bonuses, wheel draws and prize
vouchers, referrals and task claims) are captured by SQLite triggers into
``sync_captured`` in the same transaction that records them
(``capture.py``), so no service, ORM or Core, can record a fact without it
reaching the outbox. Before any network call they are sealed into events:
one per local transaction, a UUIDv7 id, the rows in insertion order as
canonical JSON and its sha256 digest, numbered 1, 2, 3... (``outbox.py``).
Events are pushed in order, in batches. The chain's inbox (``inbox.py``)
inserts each at most once: a repeat with the same id and digest is
acknowledged again, a repeat with other content stops the sync with a clear
report, and events past a gap are held back. The chain applies events
through its own projections (``project.py``): ledger-post semantics for the
entries (its own seq, balances, lots), stock, wheel counters, keeping the
store's ids.

Conflicts become compensating entries and review cases (``review_cases``,
kinds ``sync_overspend``, ``sync_signin_twice``, ``sync_backorder``,
``sync_member_merge``), never overwrites.

Downward (pull, ``pull.py``). The chain is authoritative for members'
balances, lots and expiry, tiers, catalog and stock, settings, wheels,
staff and review cases. Triggers log changed keys with the writing
transaction's id; a pull reads every change at or above the store's cursor
inside one REPEATABLE READ snapshot and moves the cursor to the snapshot's
xmin, so no transaction committed out of order is ever missed.

The balance a cashier sees is the confirmed balance plus pending local
entries (``replica_balance``); offline spending is capped like a card
terminal's floor limit (``floor.py``).
"""
from __future__ import annotations

from ..db import Database
from .capture import FACT_TABLES, attach_replica as _attach
from .engine import (
    CRASH_POINTS,
    InjectedCrash,
    SyncReport,
    SyncStatus,
    first_pull,
    replica_sender,
    sync_once,
    sync_status,
)
from .errors import (
    EventContentMismatch,
    NotAReplica,
    OfflineLimitReached,
    OutboxOutOfStep,
    StoreOfflineLimitReached,
    SyncStopped,
)
from .floor import FloorLimits, ReplicaBalance, install_floor_check, load_limits, replica_balance, set_limits
from .inbox import Received, Sender, receive
from .pull import PullReport, prune_change_log


def attach_replica(db: Database, store_id: str) -> None:
    """Make ``db`` the replica of ``store_id``: capture triggers, transaction counter, floor check.

    Call it every time the desktop opens its replica (idempotent).
    """
    _attach(db, store_id)
    install_floor_check(db, store_id)


__all__ = [
    "CRASH_POINTS",
    "FACT_TABLES",
    "EventContentMismatch",
    "FloorLimits",
    "InjectedCrash",
    "NotAReplica",
    "OfflineLimitReached",
    "OutboxOutOfStep",
    "PullReport",
    "Received",
    "Sender",
    "ReplicaBalance",
    "StoreOfflineLimitReached",
    "SyncReport",
    "SyncStatus",
    "SyncStopped",
    "attach_replica",
    "first_pull",
    "load_limits",
    "prune_change_log",
    "receive",
    "replica_sender",
    "replica_balance",
    "set_limits",
    "sync_once",
    "sync_status",
]
