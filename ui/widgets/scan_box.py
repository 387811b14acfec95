"""The counter's scan box: a barcode scanner or the cashier types, Enter searches.

Focus stays here between actions, so Up and Down are passed on (to move
through a list of matches) instead of being swallowed, and Escape says
"start over".
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


class ScanBox(QLineEdit):
    moved = Signal(int)  # -1 for Up, +1 for Down (and PageUp/PageDown)
    escaped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scanBox")
        self.setClearButtonEnabled(True)
        self.setMaxLength(64)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_PageUp):
            self.moved.emit(-1)
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.moved.emit(1)
        elif key == Qt.Key.Key_Escape:
            self.escaped.emit()
        else:
            super().keyPressEvent(event)
