"""Sync in the desktop client (issue 6): the settings tab, the status light, the background runner."""
from __future__ import annotations

import random
import socket
import threading
import time
import tomllib
from collections.abc import Iterator
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QPushButton
from sqlalchemy import text

from pointsmall import config, members
from pointsmall.config import Deployment, Mode
from pointsmall.errors import DomainError
from pointsmall.staff import Role
from tests.core.sync_support import (add_store, award, balance, chain, chain_member,  # noqa: F401 (chain)
                                     new_store, open_replica)
from tests.ui.conftest import make_context
from ui import i18n
from ui.context import AppContext
from ui.pages.settings import SettingsPage
from ui.pages.settings.database import DatabaseTab
from ui.sync_runner import (Backoff, EngineSync, FirstPullDialog, Outcome, SyncRunner, first_pull_done,
                            open_store_sync, pending_points)
from ui.widgets.member_card import MemberCard
from ui.widgets.sync_status import SyncStatus, SyncView
from ui.worker import Worker

CHAIN = "postgresql://pos:s3cret@127.0.0.1:1/chain"


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "pointsmall.toml"
    monkeypatch.setenv("POINTSMALL_CONFIG", str(path))
    return path


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    if isinstance(widget, QAbstractButton) and not isinstance(widget, QPushButton):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


# -- the Database and sync tab ----------------------------------------------------

def open_tab(qtbot, ctx: AppContext) -> DatabaseTab:  # type: ignore[no-untyped-def]
    tab = DatabaseTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1000, 720)
    tab.show()
    return tab


def test_only_administrators_see_the_tab(qtbot, ui_db, event_loop, language, config_file) -> None:  # type: ignore[no-untyped-def]
    for role, visible in ((Role.ADMIN, True), (Role.SUPERVISOR, False), (Role.CASHIER, False)):
        ctx = make_context(ui_db, role, language)
        page = SettingsPage(ctx)
        qtbot.addWidget(page)
        names = [page.tabs.tabText(i) for i in range(page.tabs.count())]
        assert ("Database and sync" in names) is visible, (role, names)
        ctx.worker.shutdown()


def test_choosing_a_mode_and_saving_it(qtbot, admin_ctx, config_file) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, admin_ctx)
    assert tab.modes[Mode.STANDALONE].isChecked()
    assert not tab.chain.isEnabled() and not tab.store.isEnabled() and not tab.test.isEnabled()
    click(qtbot, tab.modes[Mode.OFFLINE])
    assert tab.chain.isEnabled() and tab.password.isEnabled() and tab.store.isEnabled()
    qtbot.keyClicks(tab.chain, "postgresql://pos@hq.example.com/chain")
    qtbot.keyClicks(tab.password, "s3cret")
    click(qtbot, tab.save)
    qtbot.waitUntil(lambda: tab.error.text() != "", timeout=5000)
    assert tab.error.text() == "Enter this store's code for the offline-capable mode."
    assert not config_file.exists()
    qtbot.keyClicks(tab.store, "S002")
    click(qtbot, tab.save)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Saved"), timeout=5000)
    assert "Start pointsmall again" in tab.status.text() and not tab.error.isVisible()
    saved = tomllib.loads(config_file.read_text(encoding="utf-8"))["database"]
    assert saved == {"mode": "offline", "chain": "postgresql://pos:s3cret@hq.example.com/chain", "store": "S002"}
    again = open_tab(qtbot, admin_ctx)  # the password comes back in its own field, never in the address
    assert again.modes[Mode.OFFLINE].isChecked()
    assert again.chain.text() == "postgresql://pos@hq.example.com/chain" and again.password.text() == "s3cret"
    assert "s3cret" not in again.in_use.text()


def test_an_environment_variable_that_wins_is_named(qtbot, admin_ctx, config_file, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, admin_ctx)
    assert not tab.overridden.isVisible()
    monkeypatch.setenv("POINTSMALL_MODE", "online")
    tab = open_tab(qtbot, admin_ctx)
    assert tab.overridden.isVisible() and "POINTSMALL_MODE" in tab.overridden.text()


def test_a_broken_settings_file_is_said_on_the_tab(qtbot, admin_ctx, config_file) -> None:  # type: ignore[no-untyped-def]
    config_file.write_text("[database\n", encoding="utf-8")
    tab = open_tab(qtbot, admin_ctx)
    assert "cannot be read" in tab.error.text() and str(config_file) in tab.error.text()
    assert tab.modes[Mode.STANDALONE].isChecked()


def test_testing_the_connection_says_what_is_wrong_and_does_not_freeze(qtbot, admin_ctx, config_file) -> None:  # type: ignore[no-untyped-def]
    config.save(Deployment(Mode.ONLINE, CHAIN))
    tab = open_tab(qtbot, admin_ctx)
    click(qtbot, tab.test)
    qtbot.waitUntil(lambda: tab.error.text() != "", timeout=10_000)
    assert "refused the connection" in tab.error.text() and "s3cret" not in tab.error.text()
    assert tab.test.isEnabled() and tab.save.isEnabled()
    with socket.socket() as silent:  # HQ that never answers: the tab keeps working while it waits
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        tab.chain.setText(f"postgresql://pos@127.0.0.1:{silent.getsockname()[1]}/chain")
        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(50)
        click(qtbot, tab.test)
        qtbot.waitUntil(lambda: not tab.test.isEnabled() and "Asking" in tab.status.text(), timeout=2000)
        qtbot.waitUntil(lambda: "did not answer in time" in tab.error.text(), timeout=15_000)
        timer.stop()
    assert len(ticks) > 10  # the event loop ran all along


@pytest.mark.postgres
def test_testing_a_good_chain_database(qtbot, admin_ctx, config_file, pg_db) -> None:  # type: ignore[no-untyped-def]
    tab = open_tab(qtbot, admin_ctx)
    click(qtbot, tab.modes[Mode.ONLINE])
    tab.chain.setText(pg_db.url)
    click(qtbot, tab.test)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Connected"), timeout=10_000)
    assert "1 store(s)" in tab.status.text() and not tab.error.isVisible()


# -- the status light -----------------------------------------------------------

def test_status_light_states(qtbot, event_loop, language) -> None:  # type: ignore[no-untyped-def]
    i18n.use_store_timezone("Asia/Shanghai")
    light = SyncStatus()
    qtbot.addWidget(light)
    assert light.text.text() == "Not synced yet" and light.property("syncState") == "unknown"
    light.show_view(SyncView(None, True))
    assert light.text.text() == "Connecting to HQ…"
    at = datetime(2026, 11, 24, 6, 5, tzinfo=timezone.utc)  # 14:05 in Shanghai
    light.show_view(SyncView(True, False, 0, at))
    assert light.text.text() == "Online · all synced · last sync 2026-11-24 14:05"
    assert light.property("syncState") == "online"
    light.show_view(SyncView(False, False, 3, at, "HQ's server hq:5432 did not answer in time", 7.6))
    assert light.text.text() == "Offline · 3 waiting to sync · last sync 2026-11-24 14:05"
    assert light.property("syncState") == "offline"
    assert light.toolTip() == "Last error: HQ's server hq:5432 did not answer in time\nNext try in 8 s\nClick to sync now."
    light.show_view(SyncView(False, True, 1, at))
    assert light.text.text() == "Syncing… · 1 waiting to sync · last sync 2026-11-24 14:05"


# -- the runner -------------------------------------------------------------------

def test_backoff_schedule_doubles_with_jitter_and_is_capped() -> None:
    backoff = Backoff(base_s=2, cap_s=60)
    assert [backoff.step(n) for n in range(1, 9)] == [2, 4, 8, 16, 32, 60, 60, 60]
    rng = random.Random(7)
    for n in range(1, 12):
        delays = [backoff.delay(n, rng) for _ in range(200)]
        step = backoff.step(n)
        assert all(step / 2 <= d <= step for d in delays)
        assert max(delays) - min(delays) > step / 4  # really spread out, not one value
    assert Backoff().delay(1, random.Random(1)) == Backoff().delay(1, random.Random(1))


class ScriptedChain:
    """HQ as the runner meets it: each attempt fails or succeeds as scripted; an attempt may hang."""

    def __init__(self, script: list[str]) -> None:
        self.script = list(script)
        self.calls: list[str] = []
        self.pending = 4
        self.release = threading.Event()
        self.release.set()
        self.last: datetime | None = None

    def sync(self, progress) -> Outcome:  # type: ignore[no-untyped-def]
        step = self.script.pop(0) if self.script else "ok"
        self.calls.append(step)
        self.release.wait(10)
        if step == "down":
            raise DomainError("HQ's server {host} refused the connection: the address or port is wrong, "
                              "or the database server is not running.", host="hq:5432")
        for done in range(0, 20_001, 5_000):
            progress(done, 20_000)
        self.pending, self.last = 0, datetime.now(timezone.utc)
        return Outcome(self.pending, self.last)

    def status(self) -> Outcome:
        return Outcome(self.pending, self.last)


@pytest.fixture
def runner_parts(qtbot, event_loop) -> Iterator[tuple[ScriptedChain, SyncRunner, list[SyncView]]]:  # type: ignore[no-untyped-def]
    chain = ScriptedChain(["down", "down", "down", "ok", "down"])
    runner = SyncRunner(chain, interval_s=0.3, backoff=Backoff(base_s=0.05, cap_s=0.2), rng=random.Random(3))
    seen: list[SyncView] = []
    runner.changed.connect(seen.append)
    yield chain, runner, seen
    runner.stop()


def test_runner_retries_with_backoff_then_recovers(qtbot, runner_parts, language) -> None:  # type: ignore[no-untyped-def]
    chain, runner, seen = runner_parts
    runner.start()
    qtbot.waitUntil(lambda: len(runner.delays) >= 5, timeout=10_000)  # five attempts finished and scheduled
    runner.stop()
    assert chain.calls[:5] == ["down", "down", "down", "ok", "down"]
    # waits after failures 1, 2, 3 grow; after the success the normal interval; then the backoff starts over
    d = runner.delays
    assert 0.025 <= d[0] <= 0.05 and 0.05 <= d[1] <= 0.1 and 0.1 <= d[2] <= 0.2 and d[3] == 0.3
    assert 0.025 <= d[4] <= 0.05
    finished = [v for v in seen if not v.syncing]
    assert [v.online for v in finished[:5]] == [False, False, False, True, False]
    assert finished[0].pending == 4 and "refused the connection" in (finished[0].last_error or "")
    assert finished[3].pending == 0 and finished[3].last_error is None and finished[3].last_sync_at is not None
    assert finished[4].last_sync_at == finished[3].last_sync_at  # an outage keeps the last good sync


def test_runner_never_blocks_the_event_loop(qtbot, runner_parts) -> None:  # type: ignore[no-untyped-def]
    chain, runner, seen = runner_parts
    chain.script = ["ok"]
    chain.release.clear()  # HQ takes its time
    light = SyncStatus()
    qtbot.addWidget(light)
    runner.changed.connect(light.show_view)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    runner.start()
    qtbot.waitUntil(lambda: runner.running and light.view.syncing, timeout=5000)
    qtbot.wait(500)
    assert runner.running and len(ticks) >= 10  # the UI ran on while the sync waited
    runner.sync_now()  # a second attempt never starts beside a running one
    chain.release.set()
    qtbot.waitUntil(lambda: light.view.online is True, timeout=5000)
    timer.stop()
    assert chain.calls == ["ok"]


def test_first_pull_dialog_shows_progress(qtbot, runner_parts) -> None:  # type: ignore[no-untyped-def]
    chain, runner, seen = runner_parts
    chain.script = ["ok"]
    chain.release.clear()
    dialog = FirstPullDialog(runner)
    qtbot.addWidget(dialog)
    values: list[int] = []
    runner.progress.connect(lambda done, total: values.append(done))
    runner.start()
    qtbot.waitUntil(lambda: runner.running, timeout=5000)
    assert not dialog.isVisible()
    chain.release.set()
    qtbot.waitUntil(lambda: values[-1:] == [20_000], timeout=5000)
    assert values == [0, 5_000, 10_000, 15_000, 20_000]
    qtbot.waitUntil(lambda: not runner.running, timeout=5000)
    assert not dialog.isVisible()  # hidden again when the pull is done
    dialog.show_progress(5_000, 20_000)
    assert dialog.isVisible() and dialog.value() == 5_000 and dialog.maximum() == 20_000
    dialog.show_progress(100, 500)  # a small pull: no dialog needed
    assert dialog.value() == 5_000


# -- with the real engine: a replica and the chain's PostgreSQL -----------------------

@pytest.fixture
def lookup_reset() -> Iterator[None]:
    yield
    MemberCard.pending_lookup = None


@pytest.mark.postgres
def test_runner_syncs_a_real_replica_and_the_card_marks_pending_points(  # type: ignore[no-untyped-def]
        qtbot, event_loop, language, chain, tmp_path, lookup_reset):
    member_id = chain_member(chain, points=500)
    store = new_store(chain, "S02", tmp_path)
    worker = Worker(store.db)
    runner = SyncRunner(EngineSync(store.db, chain.db.url), interval_s=3600)
    light = SyncStatus()
    qtbot.addWidget(light)
    runner.changed.connect(light.show_view)
    try:
        award(store.db, store.cashier, member_id, 300)  # recorded offline: 300 points HQ has not seen
        MemberCard.pending_lookup = partial(pending_points, worker)
        card = MemberCard(language)
        qtbot.addWidget(card)
        card.show_member(members.get_member(store.db, store.cashier, member_id))
        assert card.balance.text() == "800"
        qtbot.waitUntil(lambda: card.balance_unit.text() == "points (+300 pending sync)", timeout=5000)

        runner.start()
        qtbot.waitUntil(lambda: light.view.online is True, timeout=30_000)
        assert light.view.pending == 0 and light.view.last_sync_at is not None
        assert light.text.text().startswith("Online · all synced · last sync ")
        assert balance(chain.db, member_id) == 800  # HQ has it now
        card.show_member(members.get_member(store.db, store.cashier, member_id))
        qtbot.waitUntil(lambda: card.balance_unit.text() == "points", timeout=5000)
    finally:
        runner.stop()
        worker.shutdown()


@pytest.mark.postgres
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_sync_stop_is_told_in_the_desktops_language(  # type: ignore[no-untyped-def]
        qtbot, event_loop, language, chain, tmp_path):
    """The engine's refusal reaches the status bar as a translated sentence, not the engine's English."""
    i18n.install_language(language)
    member_id = chain_member(chain, points=100)
    store = new_store(chain, "S02", tmp_path)
    add_store(chain, "S03")
    with store.db.write() as session:  # the store code changed in the settings after this computer synced
        session.execute(text("UPDATE sync_state SET store_id = 'S03'"))
    award(store.db, store.cashier, member_id, 40)
    runner = SyncRunner(EngineSync(store.db, chain.db.url), backoff=Backoff(base_s=30, cap_s=60))
    try:
        runner.start()
        qtbot.waitUntil(lambda: runner.view.online is False, timeout=30_000)
        words = runner.view.last_error or ""
        assert "S02" in words and "S03" in words
        assert ("数据库与同步" if language == "zh_CN" else "Database and sync") in words
    finally:
        runner.stop()
        i18n.install_language("en")


@pytest.mark.postgres
def test_an_unreachable_hq_keeps_the_pending_count_and_says_why(  # type: ignore[no-untyped-def]
        qtbot, event_loop, language, chain, tmp_path):
    member_id = chain_member(chain, points=100)
    store = new_store(chain, "S03", tmp_path)
    award(store.db, store.cashier, member_id, 40)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    runner = SyncRunner(EngineSync(store.db, f"postgresql://pos:s3cret@127.0.0.1:{port}/chain"),
                        backoff=Backoff(base_s=30, cap_s=60))
    try:
        runner.start()
        qtbot.waitUntil(lambda: runner.view.online is False, timeout=30_000)
        view = runner.view
        assert view.pending >= 1 and "refused the connection" in (view.last_error or "")
        assert "s3cret" not in (view.last_error or "") and 15 <= (view.next_try_in_s or 0) <= 30
        assert runner.delays == [view.next_try_in_s]
    finally:
        runner.stop()


@pytest.mark.postgres
def test_a_new_store_waits_for_its_first_pull(qtbot, event_loop, language, chain, tmp_path) -> None:  # type: ignore[no-untyped-def]
    member_id = chain_member(chain, points=250)
    add_store(chain, "S04")
    replica = open_replica(tmp_path / "replica-S04.db")
    worker = Worker(replica)
    runner = open_store_sync(replica, worker, Deployment(Mode.OFFLINE, chain.db.url, "S04"))
    try:
        assert not first_pull_done(replica)
        dialog = FirstPullDialog(runner, waiting=True)
        qtbot.addWidget(dialog)
        dialog.show()
        assert "connecting" in dialog.labelText()
        runner.start()
        qtbot.waitUntil(lambda: runner.view.online is True, timeout=60_000)
        assert first_pull_done(replica) and not dialog.isVisible()
        assert balance(replica, member_id) == 250
    finally:
        runner.stop()
        worker.shutdown()
        MemberCard.pending_lookup = None
        replica.dispose()


def test_a_sale_syncs_soon_but_never_cuts_an_outage_backoff_short(qtbot, event_loop) -> None:  # type: ignore[no-untyped-def]
    chain = ScriptedChain(["ok", "down"])
    runner = SyncRunner(chain, interval_s=3600, backoff=Backoff(base_s=3600, cap_s=3600))
    light = SyncStatus()
    qtbot.addWidget(light)
    runner.changed.connect(light.show_view)
    light.clicked.connect(runner.sync_now)
    try:
        runner.start()
        qtbot.waitUntil(lambda: light.view.online is True, timeout=5000)
        runner.soon(0.05)  # a sale: up within moments, not in an hour
        qtbot.waitUntil(lambda: light.view.online is False, timeout=5000)
        assert chain.calls == ["ok", "down"]
        runner.soon(0.05)  # HQ is down: the backoff stands
        qtbot.wait(300)
        assert chain.calls == ["ok", "down"]
        qtbot.mouseClick(light, Qt.MouseButton.LeftButton)  # someone asks: try now
        qtbot.waitUntil(lambda: len(chain.calls) == 3 and light.view.online is True, timeout=5000)
    finally:
        runner.stop()


def test_every_main_window_of_a_store_carries_the_sync_light(qtbot, admin_ctx, config_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from ui.app import MainWindowKeeper

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    chain = ScriptedChain(["down"])
    runner = SyncRunner(chain, interval_s=3600, backoff=Backoff(base_s=3600, cap_s=3600))
    keeper = MainWindowKeeper(admin_ctx.db, admin_ctx.worker, admin_ctx.actor, "en", runner)
    first = keeper.show()
    qtbot.addWidget(first)
    try:
        assert first.sync_status.text.text() == "Not synced yet"
        runner.start()
        qtbot.waitUntil(lambda: first.sync_status.view.online is False, timeout=5000)
        assert first.sync_status.text.text() == "Offline · 4 waiting to sync"
        i18n.install_language("zh_CN")  # as the Language tab does, then the window is rebuilt
        first.ctx.changes.language_changed.emit("zh_CN")
        qtbot.waitUntil(lambda: keeper.window is not first, timeout=5000)
        second = keeper.window
        qtbot.addWidget(second)
        assert second.sync_status.view.online is False and "离线" in second.sync_status.text.text()
        assert "4 条待同步" in second.sync_status.text.text()
    finally:
        runner.stop()
        i18n.install_language("en")


def test_a_new_store_that_cannot_reach_hq_is_told_why_and_keeps_trying(qtbot, event_loop, language) -> None:  # type: ignore[no-untyped-def]
    chain = ScriptedChain(["down", "ok"])
    runner = SyncRunner(chain, interval_s=3600, backoff=Backoff(base_s=0.4, cap_s=0.4), rng=random.Random(1))
    dialog = FirstPullDialog(runner, waiting=True)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        runner.start()
        qtbot.waitUntil(lambda: "could not finish" in dialog.labelText(), timeout=5000)
        assert "refused the connection" in dialog.labelText() and "Trying again in" in dialog.labelText()
        assert dialog.isVisible()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)  # the retry pulled: the login may open
        assert chain.calls == ["down", "ok"] and runner.view.online is True
    finally:
        runner.stop()
