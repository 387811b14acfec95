"""A form of labelled fields, each with room under it for a hint and an inline error.

QFormLayout puts a label at the top of a tall field; this grid centres the
label on its field and keeps hints and errors under the field, not the label.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget


class FieldGrid(QGridLayout):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHorizontalSpacing(14)
        self.setVerticalSpacing(4)
        self.setColumnStretch(1, 1)

    def add_field(self, label: str, field: QWidget, *below: QWidget) -> QLabel | None:
        """A row with ``label`` (empty for none) and ``field``, then each of ``below`` under the field."""
        row = self.rowCount()
        caption = None
        if label:
            caption = QLabel(label)
            caption.setBuddy(field)
            self.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.addWidget(field, row, 1)
        for offset, widget in enumerate(below, start=1):
            self.addWidget(widget, row + offset, 1)
        return caption

    def add_wide(self, widget: QWidget) -> None:
        """A row across both columns (an explanation)."""
        self.addWidget(widget, self.rowCount(), 0, 1, 2)
