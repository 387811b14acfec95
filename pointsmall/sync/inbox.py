"""The chain's inbox: each store's events inserted at most once, in the store's order.

``receive`` runs in one chain transaction with the sender's ``sync_peers``
row locked (two pushes of one replica queue; stores and tills never wait
for each other). Each replica (each till of a store) numbers its own
events. An event at or below the store's applied position is a repeat: its
id and digest must match what was received, and it is acknowledged again; a
repeat with other content stops the sync (``EventContentMismatch``), and so
does an id the chain already has arriving under a new number (the inbox's
primary key, written before anything else of the batch, catches it). Events
above the position are applied in number order until the first gap, so a
batch that arrives before its predecessor is held back and sent again,
never applied out of order. The answer is the position now applied: the
store's acknowledgement.

Checking digests and decoding the payloads needs no database: ``prepare``
does it before the transaction, so a pusher can prepare its next batch
while the chain applies this one (``receive`` prepares what it is given
unprepared).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from ..clock import utc_now
from ..db import Database
from ..models import SyncInbox, SyncPeer, Store
from . import codec
from .errors import (
    EventContentMismatch,
    EventDamaged,
    OutboxOutOfStep,
    ReplicaOfAnotherChain,
    ReplicaOfAnotherStore,
)
from .gc_pause import paused_gc
from .outbox import OutboundEvent
from .project import Projector

Rows = list[tuple[str, dict[str, Any]]]


@dataclass
class Received:
    applied_through: int
    applied: int = 0
    repeated: int = 0
    held_back: int = 0
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sender:
    """Who pushes: one replica (one computer) of a store. A store's tills each have their own."""

    replica_id: uuid.UUID
    store_id: str


@dataclass(frozen=True)
class Prepared:
    """A batch checked and decoded for the chain: in number order, each digest verified, rows parsed.

    Applying changes the rows (the chain's numbers, balances): a Prepared is received once.
    """

    events: list[OutboundEvent]
    rows: dict[uuid.UUID, Rows]


def prepare(events: list[OutboundEvent]) -> Prepared:
    with paused_gc():
        events = sorted(events, key=lambda e: e.seq)
        for e in events:
            if codec.digest(e.payload) != e.digest:
                raise EventDamaged(event=str(e.event_id))
        decode = codec.decode_row
        rows = {e.event_id: [(name, decode(name, row)) for name, row in codec.parse(e.payload)["rows"]]
                for e in events}
        return Prepared(events, rows)


def receive(chain: Database, sender: Sender, events: list[OutboundEvent] | Prepared) -> Received:
    batch = events if isinstance(events, Prepared) else prepare(events)
    with paused_gc(), chain.write() as session:
        return receive_in(session, sender, batch)


def _peer(session: Session, sender: Sender) -> SyncPeer:
    if session.get(Store, sender.store_id) is None:
        raise ReplicaOfAnotherChain(store=sender.store_id)
    values = dict(replica_id=sender.replica_id, store_id=sender.store_id, applied_seq=0)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(SyncPeer).values(**values).on_conflict_do_nothing())
    elif session.get(SyncPeer, sender.replica_id) is None:
        session.execute(insert(SyncPeer).values(**values))
    peer = session.get(SyncPeer, sender.replica_id, with_for_update=True, populate_existing=True)
    assert peer is not None
    if peer.store_id != sender.store_id:
        raise ReplicaOfAnotherStore(before=peer.store_id, now=sender.store_id)
    return peer


def receive_in(session: Session, sender: Sender, batch: Prepared) -> Received:
    if session.get_bind().dialect.name != "postgresql":
        return _receive_in(session, sender, batch)
    # The batch's look-ups are the same statements every time with another array (``= ANY``): the driver
    # would prepare them after a few batches, and a generic plan, blind to the array, read every purchase of
    # the store for each receipt (minutes a batch). Unprepared, each is planned for the values at hand.
    # (Not ``plan_cache_mode = force_custom_plan``: that re-plans every foreign-key check of every row too.)
    raw = session.connection().connection.driver_connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        return _receive_in(session, sender, batch)
    finally:
        raw.prepare_threshold = threshold


def _receive_in(session: Session, sender: Sender, batch: Prepared) -> Received:
    store_id = sender.store_id
    peer = _peer(session, sender)
    result = Received(applied_through=peer.applied_seq)
    events = batch.events
    projector = Projector(session, store_id, sender.replica_id)
    # Only events at or below the applied position can be repeats; a new event whose id the chain already has
    # (under another number) is stopped by the inbox's primary key below, so a push of new events costs no probe.
    maybe_seen = [e.event_id for e in events if e.seq <= peer.applied_seq]
    known = {row.event_id: row for row in projector.conn.execute(
        select(SyncInbox.event_id, SyncInbox.store_seq, SyncInbox.digest)
        .where(projector.among(SyncInbox.event_id, maybe_seen))).all()} if maybe_seen else {}
    expected = peer.applied_seq + 1
    fresh: list[OutboundEvent] = []
    for e in events:
        seen = known.get(e.event_id)
        if seen is not None:
            if seen.digest != e.digest or seen.store_seq != e.seq:
                raise EventContentMismatch(event=str(e.event_id), seq=e.seq, store=store_id)
            result.repeated += 1
            continue
        if e.seq < expected:
            # The number was applied under another id.
            raise OutboxOutOfStep(seq=e.seq, store=store_id)
        if e.seq != expected:
            result.held_back += 1
            continue
        fresh.append(e)
        expected += 1
    if fresh:
        rows = [batch.rows[e.event_id] for e in fresh]
        _record(projector, sender, fresh, rows)
        counts = projector.apply_batch([(e.event_id, r) for e, r in zip(fresh, rows)])
        if any(counts):
            projector.update_rows("sync_inbox", "event_id", [("conflicts", "int", [n for n in counts if n])],
                                  [e.event_id for e, n in zip(fresh, counts) if n])
        result.conflicts = projector.conflicts
        result.applied = len(fresh)
    session.execute(update(SyncPeer).where(SyncPeer.replica_id == sender.replica_id)
                    .values(applied_seq=expected - 1, last_push_at=utc_now()))
    result.applied_through = expected - 1
    return result


def _record(projector: Projector, sender: Sender, fresh: list[OutboundEvent], rows: list[Rows]) -> None:
    """The inbox rows first: an id the chain already has (sent again under a new number) stops the batch here."""
    now = utc_now()
    try:
        projector.insert_rows("sync_inbox", [dict(event_id=e.event_id, replica_id=sender.replica_id,
                                                  store_id=sender.store_id, store_seq=e.seq, digest=e.digest,
                                                  rows=len(r), conflicts=0, received_at=now)
                                             for e, r in zip(fresh, rows)])
    except (IntegrityError, psycopg.errors.UniqueViolation) as exc:
        # The transaction is undone whole; say which event came again.
        text = str(exc)
        again = next((e for e in fresh if str(e.event_id) in text or e.event_id.hex in text), fresh[0])
        raise EventContentMismatch(event=str(again.event_id), seq=again.seq, store=sender.store_id) from exc
