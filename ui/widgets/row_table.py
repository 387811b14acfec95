"""The read-only list table the setup pages and the review queue share.

Whole rows are picked one at a time; rows are 36 px high with no row
numbers; the columns fit their contents and one column takes the rest.
"""
from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def row_table(columns: int, name: str, *, stretch: int = 0) -> QTableWidget:
    """An empty table of ``columns`` named ``name``; the caller sets the header labels."""
    table = QTableWidget(0, columns, objectName=name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(36)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table
