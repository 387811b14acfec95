"""Capturing the facts a store records, in the transaction that records them.

``attach_replica`` turns an SQLite file into an offline store's replica:
AFTER INSERT triggers on every fact table append the new row's key to
``sync_captured`` (and, for ledger and stock entries, to ``sync_pending``),
inside the very transaction that inserted the row. No code path can record a
fact without it: not the ORM, not a Core ``insert()``, not a raw ``sqlite3``
bulk load. A listener on the write engine bumps ``sync_state.txn`` at every
BEGIN, so the rows of one local transaction share one number and become one
event; a writer that bypasses the listener merely has its rows joined to the
previous transaction's event, never lost.

While pulled rows are written, a row in ``sync_applying`` makes the triggers
skip them: what comes down from the chain is not a store fact.
"""
from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import event, insert, text

from ..db import Database
from ..errors import ValidationError
from ..ids import new_id
from ..models import SyncState

# Fact tables a store records, and the column that identifies a row. Order
# does not matter here: events keep the order the rows were inserted in.
FACT_TABLES: dict[str, str] = {
    "members": "id",
    "purchases": "id",
    "refunds": "id",
    "point_entries": "id",
    "point_lots": "id",
    "redemptions": "id",
    "stock_entries": "id",
    "vouchers": "code",
    "redemption_cancellations": "redemption_id",
    "voucher_write_offs": "voucher_code",
    "sign_ins": "id",
    "sign_in_bonuses": "id",
    "wheel_draws": "id",
    "prize_vouchers": "code",
    "prize_voucher_write_offs": "voucher_code",
    "referral_codes": "code",
    "referrals": "friend_id",
    "task_claims": "id",
}

_SKIP_APPLIED = "WHEN NOT EXISTS (SELECT 1 FROM sync_applying)"
_TXN = "(SELECT txn FROM sync_state WHERE id = 1)"

_PENDING = {
    "point_entries": "INSERT INTO sync_pending (row_id, kind, key_id, amount, business_day, entry_kind) "
                     "VALUES (NEW.id, 'points', NEW.member_id, NEW.points, NEW.business_day, NEW.kind);",
    "stock_entries": "INSERT INTO sync_pending (row_id, kind, key_id, amount, business_day, entry_kind) "
                     "VALUES (NEW.id, 'stock', NEW.item_id, NEW.quantity, NULL, NEW.kind);",
}

_attached: "weakref.WeakSet[Any]" = weakref.WeakSet()


def capture_trigger_sql(table: str, key: str) -> str:
    return (f"CREATE TRIGGER IF NOT EXISTS sync_capture_{table} AFTER INSERT ON {table} {_SKIP_APPLIED} "
            f"BEGIN INSERT INTO sync_captured (txn, tbl, row_key) VALUES ({_TXN}, '{table}', NEW.{key}); "
            f"{_PENDING.get(table, '')} END")


def attach_replica(db: Database, store_id: str) -> None:
    """Make ``db`` (an SQLite file, migrated) the replica of store ``store_id``; idempotent.

    Installs the capture triggers and the state row on first use, and on
    every start the transaction counter on the write engine.
    """
    if db.dialect != "sqlite":
        raise ValidationError("Only the store's local SQLite database can be an offline replica.",
                              field="mode")
    with db.write() as session:
        state = session.get(SyncState, 1)
        if state is None:
            session.execute(insert(SyncState).values(id=1, store_id=store_id, replica_id=new_id(), txn=0,
                                                     sealed_seq=0, acked_seq=0))
        elif state.store_id != store_id:
            raise ValidationError("This database is the replica of store {store}; it cannot serve store {other}.",
                                  field="store", store=state.store_id, other=store_id)
        for table, key in FACT_TABLES.items():
            session.execute(text(capture_trigger_sql(table, key)))
    _install_begin_hook(db)


def _install_begin_hook(db: Database) -> None:
    engine = db.write_engine
    if engine in _attached:
        return

    @event.listens_for(engine, "begin")
    def _bump(conn: Any) -> None:
        # Runs after db.py's BEGIN IMMEDIATE (listeners run in the order they were added).
        conn.exec_driver_sql("UPDATE sync_state SET txn = txn + 1 WHERE id = 1")

    _attached.add(engine)
