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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from .messages import error_text
from .widgets.sync_status import SyncView

Progress = Callable[[int, int], None]  # (done, total)

INTERVAL_S = 30.0  # between good attempts
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 300.0
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

    # -- control ----------------------------------------------------------------

    def start(self) -> None:
        """Show the replica's state at once, then sync right away."""
        self._stopped = False
        self._timer.start(0)

    def sync_now(self) -> None:
        """Sync as soon as the current attempt (if any) is over."""
        if not self._stopped and not self.running:
            self._timer.start(0)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def stop(self) -> None:
        """No further attempts; one under way finishes on its thread and is then ignored."""
        self._stopped = True
        self._timer.stop()
        self._thread.shutdown(wait=False, cancel_futures=True)

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
            view = SyncView(False, False, known.pending, known.last_sync_at, error_text(exc), wait)
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


class FirstPullDialog(QProgressDialog):
    """Progress of a large first pull; appears only when there is enough to wait for.

    It cannot be cancelled (the replica is unusable until the pull is done);
    closing it hides it while the pull goes on in the background.
    """

    def __init__(self, runner: SyncRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstPullDialog")
        self.setWindowTitle(self.tr("First sync with HQ"))
        self.setLabelText(self.tr("Copying the chain's members and balances to this store…"))
        self.setCancelButton(None)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(0)
        self.setMinimumWidth(420)
        self.hide()
        runner.progress.connect(self.show_progress)

    def show_progress(self, done: int, total: int) -> None:
        if total < FIRST_PULL_DIALOG_AT:
            return
        if done >= total:
            self.hide()
            return
        from . import i18n

        self.setMaximum(total)
        self.setValue(done)
        self.setLabelText(self.tr("Copying the chain's members and balances to this store: {done} of {total}…")
                          .format(done=i18n.points(done), total=i18n.points(total)))
        if not self.isVisible():
            self.show()
