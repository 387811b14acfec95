"""Syncing an offline-capable store in the background: retry, back off, never block the till.

The runner calls the core's sync engine on its own thread (not the
database worker: a sync that waits for a silent HQ must not hold up a
cashier's reads or writes), one attempt at a time. After a good attempt it
waits ``interval_s`` and syncs again; after a failed one it waits longer
each time (exponential backoff with jitter, so that a chain's stores coming
back after an outage do not all call HQ in the same second) up to
``BACKOFF_CAP_S``. ``sync_now`` cuts a wait short (after a sale, or when
someone clicks the status light). Every attempt ends in a ``SyncView`` for
the status bar. A first pull of a big chain reports progress, shown in a
dialog that cannot be mistaken for a hang.
"""
from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from datetime import datetime
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from pointsmall import config
from pointsmall.config import CONNECT_TIMEOUT_S
from pointsmall.db import Database, resolve_url
from pointsmall.errors import DomainError

from .messages import error_text
from .widgets.sync_status import SyncView

from .worker import Worker

Progress = Callable[[int, int], None]  # (done, total)

INTERVAL_S = 30.0  # between good attempts
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0
SOON_S = 3.0  # after a sale: sync this soon (several sales in a row go up together)
FIRST_PULL_DIALOG_AT = 10_000  # rows: smaller first pulls finish before a dialog would be read


@dataclass(frozen=True)
class Backoff:
    """Delays after 1, 2, 3... failures in a row: base·2ⁿ⁻¹ capped, the upper half drawn at random.

    "Equal jitter": the delay is at least half the exponential step, so a
    store never hammers HQ, and at most the step, so stores spread out.
    """

    base_s: float = BACKOFF_BASE_S
    cap_s: float = BACKOFF_CAP_S

    def step(self, failures: int) -> float:
        return min(self.cap_s, self.base_s * 2 ** max(0, failures - 1))

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        step = self.step(failures)
        return step / 2 + (rng or random).uniform(0, step / 2)


@dataclass(frozen=True)
class Outcome:
    """What one attempt found: the replica's state after it (the engine's status, in plain values)."""

    pending: int
    last_sync_at: datetime | None


class SyncCalls(Protocol):
    """The engine as the runner uses it; both calls run on the runner's thread."""

    def sync(self, progress: Progress) -> Outcome: ...

    def status(self) -> Outcome: ...


class SyncFailed(Exception):
    """An attempt that did not complete; the message is the engine's own report."""


class EngineSync:
    """The core's sync engine for one replica and the chain's database (``SyncCalls``).

    The chain's engine is made on first use, with a connect timeout so that a
    silent line to HQ fails an attempt in seconds instead of minutes. A new
    store's first attempt is its first pull (progress goes to the dialog).
    """

    def __init__(self, replica: Database, chain_url: str, *, connect_timeout_s: int = CONNECT_TIMEOUT_S) -> None:
        self.replica = replica
        self.chain_url = resolve_url(chain_url)
        self.connect_timeout_s = connect_timeout_s
        self._chain: Database | None = None

    def chain(self) -> Database:
        if self._chain is None:
            engine = create_engine(self.chain_url, pool_size=2, max_overflow=2, pool_pre_ping=True,
                                   connect_args={"connect_timeout": self.connect_timeout_s})
            self._chain = Database(self.chain_url, engine, engine)
        return self._chain

    def sync(self, progress: Progress) -> Outcome:
        from pointsmall import sync

        def phase_progress(phase: str, done: int, total: int) -> None:
            progress(done, total)

        if not sync.sync_status(self.replica).first_pull_done:
            try:
                sync.first_pull(self.replica, self.chain(), phase_progress)
            except OperationalError as error:
                raise config.explain_connection_error(error, self.chain_url) from None
        report = sync.sync_once(self.replica, self.chain(), progress=phase_progress)
        if report.failure is not None:
            raise report.failure  # a refusal the engine raised: worded in the desktop's language
        if report.errors:
            raise self._explain(report.errors[0])
        return self.status()

    def _explain(self, error: str) -> Exception:
        # The engine records an unreachable HQ as "OperationalError: ..."; say it as the settings tab does.
        if error.startswith("OperationalError"):
            return config.explain_connection_text(error, self.chain_url)
        return SyncFailed(error)

    def status(self) -> Outcome:
        from pointsmall import sync

        found = sync.sync_status(self.replica)
        return Outcome(found.pending, found.last_sync_at)

    def close(self) -> None:
        if self._chain is not None:
            self._chain.dispose()


async def pending_points(worker: Worker, member_id: uuid.UUID) -> int:
    """Points in the member's balance that HQ has not confirmed yet (a reader thread)."""
    from pointsmall.sync import replica_balance

    def read(db: Database) -> int:
        with db.read() as session:
            return replica_balance(session, member_id).pending

    return await worker.read(read)


class SyncRunner(QObject):
    """Owns the schedule; emits ``changed`` after every attempt and ``progress`` during one."""

    changed = Signal(object)  # SyncView
    progress = Signal(int, int)  # done, total (a first pull)

    def __init__(self, calls: SyncCalls, *, interval_s: float = INTERVAL_S, backoff: Backoff = Backoff(),
                 rng: random.Random | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.calls = calls
        self.interval_s = interval_s
        self.backoff = backoff
        self.rng = rng or random.Random()
        self.failures = 0
        self.attempts = 0
        self.view = SyncView()
        self.delays: list[float] = []  # every wait the runner scheduled, for the tests and the log
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pointsmall-sync")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._task: asyncio.Future[Any] | None = None
        self._stopped = False
        self._closed = False

    # -- control ----------------------------------------------------------------

    def start(self) -> None:
        """Sync right away, then on the schedule."""
        if self._closed:
            raise RuntimeError("a stopped runner cannot start again")
        self._timer.start(0)

    def sync_now(self) -> None:
        """Sync as soon as the current attempt (if any) is over."""
        if not self._stopped and not self.running:
            self._timer.start(0)

    def soon(self, delay_s: float = SOON_S) -> None:
        """Something was recorded: sync within ``delay_s`` if HQ answered last time (an outage keeps its backoff)."""
        if self._stopped or self.running or self.view.online is not True:
            return
        if not self._timer.isActive() or self._timer.remainingTime() > delay_s * 1000:
            self._timer.start(int(delay_s * 1000))

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def stop(self) -> None:
        """No further attempts; one under way finishes on its thread and is then ignored."""
        if self._stopped and self._closed:
            return
        self._stopped = self._closed = True
        self._timer.stop()
        close = getattr(self.calls, "close", None)
        if close is not None:
            self._thread.submit(close)  # after the attempt under way, on the thread that uses the engine
        self._thread.shutdown(wait=False)

    # -- one attempt ------------------------------------------------------------

    def _tick(self) -> None:
        if self._stopped or self.running:
            return
        self._task = asyncio.ensure_future(self.attempt())

    async def attempt(self) -> SyncView:
        """One sync off the GUI thread; schedules the next and returns what the status bar shows."""
        loop = asyncio.get_running_loop()
        self.attempts += 1
        self._show(SyncView(self.view.online, True, self.view.pending, self.view.last_sync_at, self.view.last_error))

        def progress(done: int, total: int) -> None:  # on the sync thread: hand over to the GUI thread
            loop.call_soon_threadsafe(self._progress, done, total)

        try:
            outcome = await loop.run_in_executor(self._thread, self.calls.sync, progress)
        except Exception as exc:  # an unreachable HQ is the normal case here, not a crash
            if self._stopped or not shiboken6.isValid(self):
                return self.view
            self.failures += 1
            wait = self.backoff.delay(self.failures, self.rng)
            try:
                known = await loop.run_in_executor(self._thread, self.calls.status)
            except Exception:  # noqa: BLE001  (the local replica is unreadable: the error above says enough)
                known = Outcome(self.view.pending, self.view.last_sync_at)
            words = error_text(exc) if isinstance(exc, DomainError) else str(exc)
            view = SyncView(False, False, known.pending, known.last_sync_at, words, wait)
        else:
            if self._stopped or not shiboken6.isValid(self):
                return self.view
            self.failures = 0
            wait = self.interval_s
            view = SyncView(True, False, outcome.pending, outcome.last_sync_at, None, None)
        self._show(view)
        self._schedule(wait)
        return view

    def _schedule(self, wait_s: float) -> None:
        if self._stopped:
            return
        self.delays.append(wait_s)
        self._timer.start(int(wait_s * 1000))

    def _show(self, view: SyncView) -> None:
        self.view = view
        self.changed.emit(view)

    def _progress(self, done: int, total: int) -> None:
        if not self._stopped and shiboken6.isValid(self):
            self.progress.emit(done, total)


def open_store_sync(replica: Database, worker: Worker, deployment: config.Deployment) -> SyncRunner:
    """An offline-capable store's desktop: attach the replica, make the runner, mark pending balances.

    The runner is not started: the caller starts it once the event loop runs.
    """
    from pointsmall import sync

    from .widgets.member_card import MemberCard

    assert deployment.mode is config.Mode.OFFLINE and deployment.chain and deployment.store
    sync.attach_replica(replica, deployment.store)
    MemberCard.pending_lookup = partial(pending_points, worker)
    return SyncRunner(EngineSync(replica, deployment.chain))


def first_pull_done(replica: Database) -> bool:
    from pointsmall import sync

    return sync.sync_status(replica).first_pull_done


class FirstPullDialog(QProgressDialog):
    """Progress of a large first pull; appears only when there is enough to wait for.

    It cannot be cancelled (the replica is unusable until the pull is done);
    closing it hides it while the pull goes on in the background.
    """

    def __init__(self, runner: SyncRunner, parent: QWidget | None = None, *, waiting: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("firstPullDialog")
        self.waiting = waiting  # the store's very first start: shown from the start, busy until numbers come
        self.setWindowTitle(self.tr("First sync with HQ"))
        self.setLabelText(self.tr("Copying the chain's members and balances to this store…"))
        self.setCancelButton(None)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(0)
        self.setMinimumWidth(420)
        if waiting:
            self.setRange(0, 0)  # busy: the totals come with the first answer from HQ
            self.setLabelText(self.tr("This store's first sync with HQ: connecting…"))
        else:
            self.hide()
        runner.progress.connect(self.show_progress)
        runner.changed.connect(self._attempt_changed)

    def _attempt_changed(self, view: SyncView) -> None:
        if view.syncing:
            return
        if self.waiting and not view.online:  # nothing to work with yet: say why and keep waiting
            self.setRange(0, 0)
            self.setLabelText(self.tr("This store's first sync with HQ could not finish:\n{error}\n"
                                      "Trying again in {seconds} s.").format(
                error=view.last_error or "", seconds=max(1, round(view.next_try_in_s or 0))))
            return
        self.hide()  # the pull ended: the status light says how

    def show_progress(self, done: int, total: int) -> None:
        if total < FIRST_PULL_DIALOG_AT and not self.waiting:
            return
        from . import i18n

        self.setMaximum(total)
        self.setValue(done)
        self.setLabelText(self.tr("Copying the chain's members and balances to this store: {done} of {total}…")
                          .format(done=i18n.points(done), total=i18n.points(total)))
        if not self.isVisible():
            self.show()
