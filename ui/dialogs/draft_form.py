"""An operator's editor for one configured thing (a task, an abuse rule), checked as it is typed.

The form is read into a core draft (a frozen dataclass with ``validate``);
the first refusal is shown under the form and its field outlined once the
operator has changed something, and the words under the form say what the
thing does. Saving runs the core service off the GUI thread; its refusal
is shown under the form, never swallowed. Subclasses build the fields,
read the draft, say it in words and save it; every text they show is
translated in their own class, so their translations stay where they are.
"""
from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget
from qasync import asyncSlot

from pointsmall.errors import ValidationError

from ..messages import error_text
from ..pages.settings.common import mark_invalid
from ..widgets.games_form import Problems


class DraftFormDialog(QDialog):
    """Subclasses set ``words``, ``error`` and ``fields`` (draft field name -> widget) and call ``finish_form``."""

    saved = Signal(object)  # the core's view of what was saved

    words: QLabel
    error: QLabel
    fields: dict[str, QWidget]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.touched = False

    def finish_form(self, grid: QGridLayout, ok_text: str, ok_name: str) -> None:
        """The grid of fields, the words, the error and Cancel / ``ok_text`` below one another."""
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName(ok_name)
        self.ok.setDefault(True)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)
        layout.addLayout(grid)
        layout.addWidget(self.words)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def draft(self) -> tuple[Any, Problems]:
        """The draft as the form reads, and the fields that do not read as numbers."""
        raise NotImplementedError

    def describe(self, draft: Any) -> str:
        """What the drafted thing does, in plain words."""
        raise NotImplementedError

    async def save(self, draft: Any) -> object:
        """Save the draft through the core; returns its view."""
        raise NotImplementedError

    def problem(self) -> tuple[str, str] | None:
        """The first refusal as (field, message): unreadable numbers first, then the core's ``validate``."""
        draft, problems = self.draft()
        if problems:
            field = next(iter(problems))
            return field, problems[field]
        try:
            draft.validate()
        except ValidationError as exc:
            return exc.field, error_text(exc)
        return None

    def _edited(self, *_: object) -> None:
        self.touched = True
        self.refresh()

    def refresh(self) -> None:
        found = self.problem()
        draft, _ = self.draft()
        self.words.setText(self.describe(draft) if found is None or found[0] == "name" else "")
        if found is None or not self.touched:
            self.error.clear()
        else:
            self.error.setText(found[1])
        for name, widget in self.fields.items():
            mark_invalid(widget, found is not None and self.touched and name == found[0])

    @asyncSlot()
    async def submit(self) -> None:
        if not self.ok.isEnabled():
            return
        self.touched = True
        found = self.problem()
        if found is not None:
            self.refresh()
            widget = self.fields.get(found[0])
            if widget is not None:
                widget.setFocus()
            return
        draft, _ = self.draft()
        self.ok.setEnabled(False)
        try:
            view = await self.save(draft)
        except Exception as exc:  # the core's refusal under the form; never swallowed
            if shiboken6.isValid(self):
                self.ok.setEnabled(True)
                self.error.setText(error_text(exc))
            return
        if not shiboken6.isValid(self):
            return
        self.ok.setEnabled(True)
        self.saved.emit(view)
        self.accept()
