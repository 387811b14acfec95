"""A short dialog that asks why, then runs one action with the answer.

Freezing a member and clearing a review flag both need a reason written
down. The dialog runs the action itself so that a refusal is shown inside
it, next to the text the person typed, and it closes only when the action
succeeded.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from qasync import asyncSlot

from ..messages import error_text

MIN_REASON = 2


class ReasonDialog(QDialog):
    done_with = Signal(object)  # whatever the action returned

    def __init__(self, title: str, prompt: str, action_label: str, action: Callable[[str], Awaitable[Any]],
                 parent: QWidget | None = None, *, danger: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self._action = action
        self.prompt = QLabel(prompt, objectName="reasonPrompt")
        self.prompt.setWordWrap(True)
        self.reason = QLineEdit(objectName="reasonText")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("At least 2 characters"))
        self.error = QLabel(objectName="reasonError")
        self.error.setProperty("error", True)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(action_label, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("reasonOk")
        self.ok.setDefault(True)
        if danger:
            self.ok.setProperty("danger", True)
        self.ok.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.prompt)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(lambda text: self.ok.setEnabled(len(text.strip()) >= MIN_REASON))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    @asyncSlot()
    async def submit(self) -> None:
        if len(self.reason.text().strip()) < MIN_REASON:
            return
        self.ok.setEnabled(False)
        self.error.hide()
        try:
            result = await self._action(self.reason.text().strip())
        except Exception as exc:  # every refusal is shown, none is swallowed
            self.error.setText(error_text(exc))
            self.error.show()
            return
        finally:
            self.ok.setEnabled(len(self.reason.text().strip()) >= MIN_REASON)
        self.done_with.emit(result)
        self.accept()
