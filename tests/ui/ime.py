"""Typing Chinese in tests the way an input method does.

``qtbot.keyClicks`` only knows ASCII keys (QTest aborts on 张). A Chinese
input method delivers the chosen characters as a committed
``QInputMethodEvent``, which is what this sends.
"""
from __future__ import annotations

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget


def commit_text(widget: QWidget, text: str) -> None:
    """Type ``text`` into ``widget`` as an input method's commit."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
