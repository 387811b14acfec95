"""Starting the desktop client: database, language, login, main window.

Start-up does no deliberate waiting: it opens the database (migrating with a
backup of an SQLite file when the schema is older), shows the login dialog,
and builds the main window once someone has logged in.
"""
from __future__ import annotations

import asyncio
import gc
import sys
from importlib import resources

import qasync
from PySide6.QtCore import QDir, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from pointsmall import config, staff
from pointsmall.db import Database
from pointsmall.staff import Actor

from . import i18n, icons
from .changes import Changes
from .context import AppContext
from .login import LoginDialog
from .main_window import MainWindow
from .messages import error_text
from .sync_runner import FirstPullDialog, SyncRunner, first_pull_done, open_store_sync
from .widgets.sync_status import SyncView
from .worker import Worker


OLD_WINDOW_GRACE_MS = 30_000  # how long a replaced main window lingers, hidden, before it is deleted


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("pointsmall")
    app.setOrganizationName("pointsmall")
    app.setWindowIcon(icons.app_icon())
    if str(icons.asset()) not in QDir.searchPaths("assets"):
        QDir.addSearchPath("assets", str(icons.asset()))  # the style sheet's url(assets:icons/...)
    qss = resources.files("assets") / "style.qss"
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    return app  # type: ignore[return-value]


def build_main_window(db: Database, worker: Worker, actor: Actor, language: str) -> MainWindow:
    ctx = AppContext(db=db, worker=worker, actor=actor, changes=Changes(), language=language)
    return MainWindow(ctx)


class MainWindowKeeper(QObject):
    """Holds the logged-in staff member's main window and rebuilds it when the language changes.

    Every string is translated when a widget is built, so a new language
    means a new window: same actor, worker and database, same page and tab,
    same place on screen. The old window is closed only after the new one is
    shown (so the application does not quit), and deleted a little later,
    outside the signal handler of its own Language tab.
    """

    rebuilt = Signal(object)  # the new MainWindow

    def __init__(self, db: Database, worker: Worker, actor: Actor, language: str,
                 sync: SyncRunner | None = None) -> None:
        super().__init__()
        self.db, self.worker, self.actor = db, worker, actor
        self.sync = sync  # an offline-capable store's background sync: its light goes in every window
        self._retired: list[MainWindow] = []
        self.window = self._build(language)

    def _build(self, language: str) -> MainWindow:
        window = build_main_window(self.db, self.worker, self.actor, language)
        window.ctx.changes.language_changed.connect(self._language_changed, Qt.ConnectionType.QueuedConnection)
        if self.sync is not None:
            window.show_sync(self.sync)
        return window

    def show(self) -> MainWindow:
        self.window.show()
        return self.window

    def _language_changed(self, language: str) -> None:
        old = self.window
        new = self._build(language)
        new.setGeometry(old.geometry())
        new.nav.setCurrentRow(old.nav.currentRow())
        new.settings.tabs.setCurrentIndex(old.settings.tabs.currentIndex())
        if old.isMaximized():
            new.showMaximized()
        else:
            new.show()
        self.window = new
        old.close()
        # Pages may still await a read they started (a count, a search): let it land on the
        # hidden window, then free the window. The list keeps Python from collecting it sooner.
        self._retired.append(old)
        QTimer.singleShot(OLD_WINDOW_GRACE_MS, self, lambda: self._delete(old))
        self.rebuilt.emit(new)

    def _delete(self, window: MainWindow) -> None:
        self._retired.remove(window)
        window.deleteLater()


def run(url: str | None, language: str | None = None, *, mode: str | None = None, chain: str | None = None,
        store: str | None = None) -> int:
    app = make_application()
    language = i18n.install_language(language or i18n.saved_language())
    deployment: config.Deployment | None = None
    try:
        deployment = config.load(mode=mode, chain=chain, store=store, db=url)
        db = config.open_database(deployment)
    except Exception as exc:
        if deployment is not None:  # HQ unreachable, wrong password...: said in a store manager's words
            exc = config.explain_connection_error(exc, deployment.database_url())
        QMessageBox.critical(None, "pointsmall", app.translate("App", "The database could not be opened:\n{error}")
                             .format(error=error_text(exc)))
        return 1
    worker = Worker(db)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    keepers: list[MainWindowKeeper] = []
    runner: SyncRunner | None = None
    if deployment.mode is config.Mode.OFFLINE:
        try:
            runner = open_store_sync(db, worker, deployment)
        except Exception as exc:  # this file is another store's replica, or not SQLite
            QMessageBox.critical(None, "pointsmall", error_text(exc))
            worker.shutdown()
            db.dispose()
            return 1
    logins: list[LoginDialog] = []

    def logged_in(actor: Actor) -> None:
        keeper = MainWindowKeeper(db, worker, actor, language, runner)
        keepers.append(keeper)
        keeper.show()
        # What start-up built (modules, mappers, widgets) lives as long as the app: out of the
        # collector's way, so a full collection at the till (45-76 ms measured mid-award) scans
        # only what the shift creates.
        gc.collect()
        gc.freeze()

    def open_login() -> None:
        with db.read() as session:
            accounts = staff.has_login_accounts(session)
            store = staff.system_actor(session).store_name
        login = LoginDialog(worker, store)
        logins.append(login)
        if not accounts:
            login.show_no_accounts()
        login.logged_in.connect(logged_in)
        login.rejected.connect(app.quit)
        login.open()

    if runner is not None and not first_pull_done(db):
        # A new store has no members or staff accounts until its first pull: wait for it, showing progress.
        waiting = FirstPullDialog(runner, waiting=True)

        def first_attempt(view: SyncView) -> None:
            if view.online and not logins:
                waiting.hide()
                open_login()

        runner.changed.connect(first_attempt)
        waiting.show()
    else:
        open_login()
    if runner is not None:
        runner.start()
    app.setQuitOnLastWindowClosed(True)
    try:
        with loop:
            loop.run_forever()
    finally:
        if runner is not None:
            runner.stop()
        worker.shutdown()
        db.dispose()
    return 0
