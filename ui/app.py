"""Starting the desktop client: database, language, login, main window.

Start-up does no deliberate waiting: it opens the database (migrating with a
backup of an SQLite file when the schema is older), shows the login dialog,
and builds the main window once someone has logged in.
"""
from __future__ import annotations

import asyncio
import sys
from importlib import resources

import qasync
from PySide6.QtWidgets import QApplication, QMessageBox

from pointsmall import bootstrap, staff
from pointsmall.db import Database
from pointsmall.staff import Actor

from . import i18n, icons
from .changes import Changes
from .context import AppContext
from .login import LoginDialog
from .main_window import MainWindow
from .messages import error_text
from .worker import Worker


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("pointsmall")
    app.setOrganizationName("pointsmall")
    app.setWindowIcon(icons.app_icon())
    qss = resources.files("assets") / "style.qss"
    if qss.is_file():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    return app  # type: ignore[return-value]


def build_main_window(db: Database, worker: Worker, actor: Actor, language: str) -> MainWindow:
    ctx = AppContext(db=db, worker=worker, actor=actor, changes=Changes(), language=language)
    return MainWindow(ctx)


def run(url: str | None, language: str | None = None) -> int:
    app = make_application()
    language = i18n.install_language(language or i18n.saved_language())
    try:
        db = bootstrap.prepare(url)
    except Exception as exc:
        QMessageBox.critical(None, "pointsmall", app.translate("App", "The database could not be opened:\n{error}")
                             .format(error=error_text(exc)))
        return 1
    worker = Worker(db)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    windows: list[MainWindow] = []
    with db.read() as session:
        accounts = staff.has_login_accounts(session)
        store = staff.system_actor(session).store_name
    login = LoginDialog(worker, store)
    if not accounts:
        login.show_no_accounts()

    def logged_in(actor: Actor) -> None:
        window = build_main_window(db, worker, actor, language)
        windows.append(window)
        window.show()

    login.logged_in.connect(logged_in)
    login.rejected.connect(app.quit)
    login.open()
    app.setQuitOnLastWindowClosed(True)
    try:
        with loop:
            loop.run_forever()
    finally:
        worker.shutdown()
        db.dispose()
    return 0
