"""Sync bookkeeping: the store's outbox and cursor, the chain's inbox and change log.

Store side (the SQLite replica of an offline-capable store):
``sync_state`` (one row: the store, the transaction counter the capture
triggers read, the outbox position acknowledged by the chain, the pull
cursor, the last sync), ``sync_captured`` (rows of fact tables captured by
triggers, not yet sealed into events), ``sync_outbox`` (sealed events with
their UUIDv7 id, payload and digest), ``sync_pending`` (points and stock the
chain has not confirmed yet, per member or item) and ``sync_applying`` (a
flag row present only while pulled rows are written, so the capture
triggers ignore them).

Chain side (the shared PostgreSQL): ``sync_inbox`` (every event received,
at most once, by id), ``sync_peers`` (each store's applied position) and
``sync_changes`` (the change log filled by triggers, keyed by the writing
transaction's id). See ``pointsmall/sync`` and docs/sync.md.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SyncState(Base):
    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    store_id: Mapped[str] = mapped_column(String(16))
    replica_id: Mapped[uuid.UUID]  # this computer: a store's tills each sync as their own replica
    txn: Mapped[int] = mapped_column(BigInteger, default=0)  # bumped at every local write transaction
    sealed_seq: Mapped[int] = mapped_column(Integer, default=0)  # last outbox seq made
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)  # the chain applied every event up to here
    cursor: Mapped[int | None] = mapped_column(BigInteger)  # pull watermark: a chain transaction id
    first_pull_at: Mapped[datetime | None]
    last_sync_at: Mapped[datetime | None]  # the last sync that reached the chain and finished
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    outage_started_at: Mapped[datetime | None]  # the first failed attempt since the last good sync


class SyncCaptured(Base):
    __tablename__ = "sync_captured"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    txn: Mapped[int] = mapped_column(BigInteger)
    tbl: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(64))


class SyncOutbox(Base):
    __tablename__ = "sync_outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 1, 2, 3... per store
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON: {"rows": [[table, {column: value}], ...]}
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the payload
    rows: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    acked_at: Mapped[datetime | None]


class SyncPending(Base):
    """A fact the chain has not confirmed yet that moves a projection."""

    __tablename__ = "sync_pending"
    __table_args__ = (Index("ix_sync_pending_kind_key", "kind", "key_id"), Index("ix_sync_pending_event_seq", "event_seq"))
    row_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the entry's id
    kind: Mapped[str] = mapped_column(String(8))  # points (key: member), stock (key: item)
    key_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(Integer)
    business_day: Mapped[date | None] = mapped_column(Date)
    entry_kind: Mapped[str] = mapped_column(String(24))
    event_seq: Mapped[int | None] = mapped_column(Integer)  # the outbox event that carries it, once sealed


class SyncApplying(Base):
    __tablename__ = "sync_applying"
    flag: Mapped[int] = mapped_column(Integer, primary_key=True)


class SyncInbox(Base):
    __tablename__ = "sync_inbox"
    __table_args__ = (UniqueConstraint("replica_id", "store_seq"),)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    replica_id: Mapped[uuid.UUID]
    store_id: Mapped[str] = mapped_column(String(16))
    store_seq: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime]


class SyncPeer(Base):
    __tablename__ = "sync_peers"
    replica_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    store_id: Mapped[str] = mapped_column(String(16))
    applied_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_push_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    cursor: Mapped[int | None] = mapped_column(BigInteger)


class SyncChange(Base):
    __tablename__ = "sync_changes"
    __table_args__ = (Index("ix_sync_changes_txid", "txid"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger)  # pg_current_xact_id() of the writing transaction
    tbl: Mapped[str] = mapped_column(String(32))
    pk: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(1))  # U (insert or update) or D


class SyncSetAside(Base):
    """A store's fact the chain could not insert as it was (it collided with another store's), kept whole.

    A second sign-in for the same day from another store is one: its points
    were reversed by a compensating entry and a review case holds it.
    """

    __tablename__ = "sync_set_aside"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the fact's own key
    tbl: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # the ledger entry it paid, now reversed
    case_id: Mapped[uuid.UUID]
    store_id: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]


class VoucherCodeMove(Base):
    """A store's voucher whose code the chain already held, kept at the chain under a fresh code.

    Two offline stores can draw the same voucher (or prize-voucher) code. The
    first to arrive keeps it; the other store's voucher gets a fresh code at
    the chain, and this row translates that till's later write-off of its
    own code (the code on the member's slip) to the chain's. Kept per replica
    (till): only the till that issued a voucher holds it, and two tills of
    one store can draw the same code too. Chain side only, never pulled: the
    store keeps its code.
    """

    __tablename__ = "voucher_code_moves"
    __table_args__ = (Index("ix_voucher_code_moves_store_code", "store_id", "store_code"),)
    replica_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the till that issued it
    store_code: Mapped[str] = mapped_column(String(16), primary_key=True)  # as the store issued it
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # mall (vouchers) or prize (prize_vouchers)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # the chain's code for that voucher
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("review_cases.id"))
    moved_at: Mapped[datetime]


SYNC_TABLES = ("sync_state", "sync_captured", "sync_outbox", "sync_pending", "sync_applying", "sync_inbox",
               "sync_peers", "sync_changes", "sync_set_aside", "voucher_code_moves")
