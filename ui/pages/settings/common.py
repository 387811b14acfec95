"""Small building blocks shared by the settings tabs: labels, cards, a money input."""
from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap, QShowEvent
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QLineEdit, QWidget
from qasync import asyncSlot

from pointsmall.errors import ValidationError

from ...context import AppContext
from ...messages import error_text
from . import formats


def styled(widget: QWidget, **properties: object) -> QWidget:
    """Set the dynamic properties the style sheet matches on (card, hint, error, primary...)."""
    for name, value in properties.items():
        # stored as the strings the style sheet compares with ([card="true"]), not as bools
        widget.setProperty(name, ("true" if value else "false") if isinstance(value, bool) else value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    return widget


def heading(text: str, name: str = "") -> QLabel:
    label = QLabel(text, objectName=name)
    styled(label, heading=True)
    return label


def hint(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text, objectName=name)
    label.setWordWrap(True)
    styled(label, hint=True)
    return label


class InlineError(QLabel):
    """A refusal shown next to the form it is about; takes no room while empty."""

    def __init__(self, name: str) -> None:
        super().__init__(objectName=name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        styled(self, error=True)
        self.hide()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        super().clear()
        self.hide()


def error_label(name: str) -> QLabel:
    return InlineError(name)


def card(name: str) -> QFrame:
    frame = QFrame(objectName=name)
    styled(frame, card=True)
    return frame


def form_layout() -> QFormLayout:
    """A form whose labels line up with the middle of their fields."""
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    form.setHorizontalSpacing(16)
    form.setVerticalSpacing(10)
    return form


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    if widget.property("invalid") != ("true" if invalid else "false"):
        styled(widget, invalid=invalid)


def show_error(label: QLabel, exc: BaseException, fields: dict[str, QWidget] | None = None) -> None:
    """Put the refusal next to the form and outline the field it is about."""
    label.setText(error_text(exc))
    fields = fields or {}
    field = exc.field if isinstance(exc, ValidationError) else ""
    for name, widget in fields.items():
        mark_invalid(widget, name == field)
    if field in fields:
        fields[field].setFocus()


def clear_error(label: QLabel, fields: dict[str, QWidget] | None = None) -> None:
    label.clear()
    for widget in (fields or {}).values():
        mark_invalid(widget, False)


def swatch(colour: str, size: int = 16) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour) if QColor.isValidColorName(colour) else QColor("transparent"))
    return QIcon(pixmap)


class MoneyEdit(QLineEdit):
    """An amount in yuan, typed as "1000" or "1,000.50"; read back as integer fen."""

    def __init__(self, name: str) -> None:
        super().__init__(objectName=name)
        self.setPlaceholderText("¥")
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def fen(self) -> int | None:
        return formats.parse_money(self.text())

    def set_fen(self, fen: int) -> None:
        self.setText(formats.money_input(fen))


class SettingsTab(QWidget):
    """A tab that loads its data when first shown and again whenever settings change.

    Loading only when visible keeps start-up free of queries for tabs nobody
    opens; a tab that is hidden when settings change reloads when shown.
    """

    loaded = Signal()

    def __init__(self, ctx: AppContext, name: str) -> None:
        super().__init__(objectName=name)
        self.ctx = ctx
        self.stale = True
        self.loading = False
        self.load_error = error_label(name + "LoadError")
        ctx.changes.settings_changed.connect(self._settings_changed)

    async def fetch(self) -> Any:
        """Read what the tab shows (off the GUI thread, through an op)."""
        raise NotImplementedError

    def show_data(self, data: Any) -> None:
        """Put what ``fetch`` returned on screen."""
        raise NotImplementedError

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def _settings_changed(self) -> None:
        self.stale = True
        if self.isVisible():
            self.refresh()

    @asyncSlot()
    async def refresh(self) -> None:
        if self.loading:
            return
        self.loading, self.stale = True, False
        try:
            data = await self.fetch()
        except Exception as exc:  # a failed load is shown on the tab, never hidden
            data, failure = None, exc
        else:
            failure = None
        if not shiboken6.isValid(self):  # the window closed while the read ran
            return
        self.loading = False
        if failure is not None:
            self.load_error.setText(error_text(failure))
        else:
            self.load_error.clear()
            self.show_data(data)
        self.loaded.emit()
        if self.stale and self.isVisible():  # settings changed again while this load ran
            self.refresh()
