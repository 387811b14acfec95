"""One sync: seal, push in order until acknowledged, pull; and the replica's status.

``sync_once`` never holds the replica's write lock across a network call:
sealing, each acknowledgement and the pull's apply are short local
transactions, so cashiers keep working while a sync runs. It pushes before
it pulls, so the pulled balances already include this store's events. A
failure leaves everything where a retry picks it up: sealed events keep
their ids, the chain recognises what it already applied, and the cursor only
moves with a completed pull. ``faults`` lets the tests stop the process at
each crash point.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update

from .. import merge, staff
from ..clock import utc_now
from ..db import Database
from ..errors import DomainError
from ..models import SyncState
from . import inbox, outbox
from .errors import NotAReplica
from .inbox import Sender
from .pull import Progress, PullReport, pull

Faults = Callable[[str], None]  # called at each crash point with its name; raising there simulates a crash
CRASH_POINTS = ("after_seal", "before_upload", "after_chain_commit", "after_ack", "before_pull")

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass
class SyncReport:
    pushed: int = 0  # events the chain applied in this sync
    repeated: int = 0  # events the chain already had (a lost acknowledgement)
    sealed: int = 0
    pulled: int = 0  # rows written into the replica
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failure: DomainError | None = None  # the first refusal as raised, for a client to word in its language
    skipped: list[str] = field(default_factory=list)
    acked_seq: int = 0
    cursor: int | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class SyncStatus:
    store_id: str
    pending_events: int  # sealed, not yet applied by the chain
    unsealed: int  # local transactions captured since the last sync, not yet sealed into events
    sealed_seq: int
    confirmed_through: int
    last_sync_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    outage_started_at: datetime | None
    cursor: int | None
    first_pull_done: bool

    @property
    def pending(self) -> int:
        """Local transactions head office has not confirmed yet (what the status bar counts)."""
        return self.pending_events + self.unsealed

    @property
    def online(self) -> bool:
        return self.last_error is None and self.last_sync_at is not None


def _lock(replica: Database) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(replica.url, threading.Lock())


def sync_status(replica: Database) -> SyncStatus:
    with replica.read() as session:
        state = session.get(SyncState, 1)
        if state is None:
            raise NotAReplica()
        events, rows = outbox.pending_counts(session)
        return SyncStatus(state.store_id, events, rows, state.sealed_seq, state.acked_seq, state.last_sync_at,
                          state.last_attempt_at, state.last_error, state.outage_started_at, state.cursor,
                          state.first_pull_at is not None)


def first_pull(replica: Database, chain: Database, progress: Progress | None = None) -> PullReport:
    """A new store's copy of the chain's members, balances, lots, catalog and configuration."""
    with _lock(replica):
        return pull(replica, chain, progress=progress, full=True)


def sync_once(replica: Database, chain: Database, *, progress: Progress | None = None, batch: int = 2000,
              faults: Faults | None = None) -> SyncReport:
    """Push every local event (in batches of ``batch``) and pull the chain's changes once.

    Errors are recorded on the replica (``sync_status().last_error``) and in
    the report, not raised, except the crashes ``faults`` injects.
    """
    fault = faults or (lambda point: None)
    started = time.perf_counter()
    report = SyncReport()
    with _lock(replica):
        _attempt(replica)
        try:
            # One sealing round before any upload; the rest is sealed while the first batches go up.
            report.sealed = outbox.seal(replica, rounds=1)
            fault("after_seal")
            _push(replica, chain, report, batch, progress, fault)
            fault("before_pull")
            pulled = pull(replica, chain, progress=progress)
            report.pulled, report.cursor, report.skipped = pulled.rows, pulled.cursor, pulled.skipped
            report.acked_seq = max(report.acked_seq, pulled.chain_applied_seq)
        except DomainError as exc:
            report.errors.append(exc.message)
            report.failure = exc
        except Exception as exc:  # noqa: BLE001 - an unreachable chain is an ordinary state for a store
            if _injected(exc):
                raise
            report.errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0][:500])
        _finish(replica, report)
    report.seconds = time.perf_counter() - started
    return report


def push(replica: Database, chain: Database, *, batch: int = 2000, progress: Progress | None = None) -> SyncReport:
    """Seal and push only, no pull (the push benchmark); unlike ``sync_once`` it raises what goes wrong.

    Sealing overlaps the upload: the first batch goes up once it is sealed.
    """
    report = SyncReport()
    with _lock(replica):
        _push(replica, chain, report, batch, progress, lambda point: None)
    return report


class InjectedCrash(Exception):
    """Raised by test fault hooks: the process 'dies' here."""


def _injected(exc: BaseException) -> bool:
    return isinstance(exc, InjectedCrash)


def _push(replica: Database, chain: Database, report: SyncReport, batch: int, progress: Progress | None,
          fault: Faults) -> None:
    """Batches in order, each applied and acknowledged before the next is sent.

    The store's side of the work (sealing what is still captured, reading
    and decoding the next batch, recording each acknowledgement) runs in a
    second thread while the chain applies a batch, so a till's two cores
    are both at work. Its jobs run in the order they are given: a batch is
    read after the acknowledgements before it are written, and an
    acknowledgement is written only after the chain committed its batch.
    """
    total = sync_status(replica).pending
    sender = replica_sender(replica)
    done = 0

    def next_batch(after: int | None) -> tuple[int, inbox.Prepared]:
        sealed = 0
        events = outbox.unacked(replica, batch, after=after)
        while len(events) < batch:
            made = outbox.seal(replica, rounds=1)
            if not made:
                break
            sealed += made
            events = outbox.unacked(replica, batch, after=after)
        return sealed, inbox.prepare(events)

    def acknowledge(through: int) -> None:
        outbox.mark_acked(replica, through)
        fault("after_ack")

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-store") as store_side:
        following = store_side.submit(next_batch, None)
        acknowledged: Future[None] | None = None
        while True:
            sealed, prepared = following.result()
            report.sealed += sealed
            if not prepared.events:
                break
            last = prepared.events[-1].seq
            following = store_side.submit(next_batch, last)
            fault("before_upload")
            received = inbox.receive(chain, sender, prepared)
            fault("after_chain_commit")
            if acknowledged is not None:
                acknowledged.result()  # the previous acknowledgement is written (or its failure is raised here)
            acknowledged = store_side.submit(acknowledge, received.applied_through)
            report.pushed += received.applied
            report.repeated += received.repeated
            report.conflicts += received.conflicts
            report.acked_seq = received.applied_through
            done += received.applied + received.repeated
            if progress:
                progress("push", done, max(total, done))
            if received.applied_through < last:
                # The chain held events back (a gap it cannot have: we send in order); stop rather than loop.
                report.errors.append(f"head office applied events only up to {received.applied_through}")
                break
        if acknowledged is not None:
            acknowledged.result()
    if report.pushed:
        _settle_merges(chain)


def _settle_merges(chain: Database) -> None:
    """Points this store gave a member head office has merged meanwhile go on to the member it went into."""
    with chain.read() as session:
        actor = staff.system_actor(session)
    merge.settle_merged(chain, actor)


def replica_sender(replica: Database) -> Sender:
    with replica.read() as session:
        state = session.get(SyncState, 1)
        if state is None:
            raise NotAReplica()
        return Sender(state.replica_id, state.store_id)


def _attempt(replica: Database) -> None:
    with replica.write() as session:
        if session.get(SyncState, 1) is None:
            raise NotAReplica()
        session.execute(update(SyncState).where(SyncState.id == 1).values(last_attempt_at=utc_now()))


def _finish(replica: Database, report: SyncReport) -> None:
    now = utc_now()
    with replica.write() as session:
        state = session.get(SyncState, 1)
        assert state is not None
        if report.ok:
            state.last_sync_at, state.last_error, state.outage_started_at = now, None, None
        else:
            state.last_error = "; ".join(report.errors)[:2000]
            state.outage_started_at = state.outage_started_at or now
