"""The chain's inbox: each store's events inserted at most once, in the store's order.

``receive`` runs in one chain transaction with the store's ``sync_peers``
row locked (two pushes of one store queue; stores never wait for each
other). An event at or below the store's applied position is a repeat: its
id and digest must match what was received, and it is acknowledged again; a
repeat with other content stops the sync (``EventContentMismatch``). Events
above the position are applied in number order until the first gap, so a
batch that arrives before its predecessor is held back and sent again,
never applied out of order. The answer is the position now applied: the
store's acknowledgement.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from ..clock import utc_now
from ..db import Database
from ..models import SyncInbox, SyncPeer, Store
from . import codec
from .errors import EventContentMismatch, OutboxOutOfStep, ReplicaOfAnotherChain, SyncStopped
from .outbox import OutboundEvent
from .project import Projector


@dataclass
class Received:
    applied_through: int
    applied: int = 0
    repeated: int = 0
    held_back: int = 0
    conflicts: list[str] = field(default_factory=list)


def receive(chain: Database, store_id: str, events: list[OutboundEvent]) -> Received:
    with chain.write() as session:
        return receive_in(session, store_id, events)


def _peer(session: Session, store_id: str) -> SyncPeer:
    if session.get(Store, store_id) is None:
        raise ReplicaOfAnotherChain(store=store_id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(SyncPeer).values(store_id=store_id, applied_seq=0).on_conflict_do_nothing())
    elif session.get(SyncPeer, store_id) is None:
        session.execute(insert(SyncPeer).values(store_id=store_id, applied_seq=0))
    peer = session.get(SyncPeer, store_id, with_for_update=True, populate_existing=True)
    assert peer is not None
    return peer


def receive_in(session: Session, store_id: str, events: list[OutboundEvent]) -> Received:
    peer = _peer(session, store_id)
    result = Received(applied_through=peer.applied_seq)
    events = sorted(events, key=lambda e: e.seq)
    for e in events:
        if codec.digest(e.payload) != e.digest:
            raise SyncStopped(reason=f"event {e.event_id} arrived damaged (its digest does not match)")
    known = {row.event_id: row for row in session.execute(
        select(SyncInbox.event_id, SyncInbox.store_seq, SyncInbox.digest)
        .where(SyncInbox.event_id.in_([e.event_id for e in events]))).all()}
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
        projector = Projector(session, store_id)
        rows = [json.loads(e.payload)["rows"] for e in fresh]
        counts = projector.apply_batch([(e.event_id, r) for e, r in zip(fresh, rows)])
        now = utc_now()
        projector.insert_rows("sync_inbox", [dict(event_id=e.event_id, store_id=store_id, store_seq=e.seq,
                                                  digest=e.digest, rows=len(r), conflicts=n, received_at=now)
                                             for e, r, n in zip(fresh, rows, counts)])
        result.conflicts = projector.conflicts
        result.applied = len(fresh)
    session.execute(update(SyncPeer).where(SyncPeer.store_id == store_id)
                    .values(applied_seq=expected - 1, last_push_at=utc_now()))
    result.applied_through = expected - 1
    return result
