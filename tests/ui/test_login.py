"""Logging in at the desktop client, as a cashier would."""
from __future__ import annotations

from PySide6.QtCore import Qt

from pointsmall.staff import Role
from tests.conftest import STAFF_SECRET, make_actor
from ui.login import LoginDialog
from ui.worker import Worker


def test_login_wrong_then_right(qtbot, ui_db, event_loop, language):
    actor = make_actor(ui_db, Role.CASHIER, "xiaowang")
    worker = Worker(ui_db)
    dialog = LoginDialog(worker, "总店")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "xiaowang")
    qtbot.keyClicks(dialog.secret, "wrong-password")
    qtbot.mouseClick(dialog.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=5000)
    assert "password" in dialog.error.text()
    qtbot.keyClicks(dialog.secret, STAFF_SECRET)
    with qtbot.waitSignal(dialog.logged_in, timeout=5000) as blocker:
        qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    assert blocker.args[0].staff_id == actor.staff_id
    worker.shutdown()
