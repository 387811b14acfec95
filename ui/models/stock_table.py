"""An item's latest stock entries, newest first: what moved, by how much, and why."""
from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pointsmall.catalog import StockEntryView

from .. import i18n
from . import catalog_words as words

Index = QModelIndex | QPersistentModelIndex
IN = QColor("#15803D")
OUT = QColor("#B42318")


class StockColumn(enum.IntEnum):
    WHEN = 0
    KIND = 1
    QUANTITY = 2
    AFTER = 3
    REASON = 4


class StockEntriesModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[StockEntryView] = []

    def set_entries(self, entries: list[StockEntryView]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> StockEntryView | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(StockColumn)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(StockColumn):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                StockColumn.WHEN: self.tr("When"),
                StockColumn.KIND: self.tr("Change"),
                StockColumn.QUANTITY: self.tr("Pieces"),
                StockColumn.AFTER: self.tr("Stock after"),
                StockColumn.REASON: self.tr("Reason"),
            }[StockColumn(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in (StockColumn.QUANTITY, StockColumn.AFTER):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None or not 0 <= index.column() < len(StockColumn):
            return None
        column = StockColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column == StockColumn.WHEN:
                return i18n.moment(entry.occurred_at)
            if column == StockColumn.KIND:
                return words.stock_kind_names().get(entry.kind, entry.kind)
            if column == StockColumn.QUANTITY:
                return words.signed(entry.quantity)
            if column == StockColumn.AFTER:
                return i18n.points(entry.stock_after)
            return entry.reason
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = column in (StockColumn.QUANTITY, StockColumn.AFTER)
            return int((Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft)
                       | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == StockColumn.QUANTITY:
            return IN if entry.quantity > 0 else OUT
        if role == Qt.ItemDataRole.ToolTipRole and column == StockColumn.REASON and entry.reason:
            return entry.reason
        return None
