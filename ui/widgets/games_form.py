"""Small pieces shared by the games editors: a number field and reading it the way an operator types.

Only reading is done here (full-width digits from a Chinese IME, thousands
separators, an empty field); whether a number is allowed is the core's rule
(``SigninRules.validate``, ``wheel_setup.validate_draft``, the task and
abuse-rule checks), whose refusals the editors show word for word.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from ..dialogs.catalog_numbers import NotANumber, parse_fen, parse_whole
from ..pages.settings.common import mark_invalid


class NumberEdit(QLineEdit):
    """A whole number (points, days, spins) or an amount in yuan; empty can mean "no limit"."""

    def __init__(self, name: str, placeholder: str = "", *, width: int | None = None, max_length: int = 10) -> None:
        super().__init__(objectName=name)
        self.setPlaceholderText(placeholder)
        self.setMaxLength(max_length)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if width is not None:
            self.setFixedWidth(width)

    def set_number(self, value: int | None) -> None:
        self.setText("" if value is None else str(value))

    def set_fen(self, value: int | None) -> None:
        if value is None:
            self.clear()
            return
        yuan, cents = divmod(value, 100)
        self.setText(f"{yuan}.{cents:02d}" if cents else str(yuan))


class Problems(dict[str, str]):
    """What could not even be read, by the core's field name; the first problem per field wins."""

    def whole(self, field: str, edit: QLineEdit, empty: int | None, stand_in: int = 0) -> int | None:
        """The edit's whole number, ``empty`` when blank; a stand-in and a problem when it is not a number."""
        try:
            value = parse_whole(edit.text())
        except NotANumber:
            self.setdefault(field, QCoreApplication.translate(
                "GamesForm", "Type a whole number, like 5 (no decimals, no minus sign)."))
            return stand_in
        return empty if value is None else value

    def fen(self, field: str, edit: QLineEdit, empty: int | None, stand_in: int = 1) -> int | None:
        try:
            value = parse_fen(edit.text())
        except NotANumber:
            self.setdefault(field, QCoreApplication.translate("GamesForm", "Type an amount in yuan, like 5 or 9.90."))
            return stand_in
        return empty if value is None else value


def outline(widgets: list[QWidget], bad: set[int]) -> None:
    """Outline the widgets whose index is in ``bad``, and clear the rest."""
    for i, widget in enumerate(widgets):
        mark_invalid(widget, i in bad)
