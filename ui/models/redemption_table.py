"""Redemptions as a table: when, who, what, how many points, the voucher and its state.

A history is at most a few hundred rows (``redemption.history`` has a
limit), read in one go off the GUI thread, so the model simply holds them.
"""
from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pointsmall.redemption import RedemptionView

from .. import i18n

Index = QModelIndex | QPersistentModelIndex


class HistoryColumn(enum.IntEnum):
    WHEN = 0
    MEMBER = 1
    ITEM = 2
    QUANTITY = 3
    POINTS = 4
    VOUCHER = 5
    STATE = 6


class RedemptionTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RedemptionView] = []
        self._headers = {
            HistoryColumn.WHEN: self.tr("When"),
            HistoryColumn.MEMBER: self.tr("Member"),
            HistoryColumn.ITEM: self.tr("Item"),
            HistoryColumn.QUANTITY: self.tr("Qty"),
            HistoryColumn.POINTS: self.tr("Points"),
            HistoryColumn.VOUCHER: self.tr("Voucher"),
            HistoryColumn.STATE: self.tr("State"),
        }

    def set_rows(self, rows: list[RedemptionView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def redemption(self, row: int) -> RedemptionView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def state_text(self, view: RedemptionView) -> str:
        if view.cancelled:
            return self.tr("Cancelled")
        if view.written_off:
            return self.tr("Used")
        return self.tr("Open")

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(HistoryColumn)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt's name)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(HistoryColumn):
            return self._headers[HistoryColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(HistoryColumn):
            return None
        view = self._rows[index.row()]
        column = HistoryColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(view, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (HistoryColumn.QUANTITY, HistoryColumn.POINTS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == HistoryColumn.STATE:
            return QColor("#B42318") if view.cancelled else QColor("#64748B") if view.written_off \
                else QColor("#15803D")
        return None

    def _text(self, view: RedemptionView, column: HistoryColumn) -> str:
        if column == HistoryColumn.WHEN:
            return i18n.moment(view.occurred_at)
        if column == HistoryColumn.MEMBER:
            return view.member_name
        if column == HistoryColumn.ITEM:
            return view.item_name
        if column == HistoryColumn.QUANTITY:
            return i18n.points(view.quantity)
        if column == HistoryColumn.POINTS:
            return i18n.points(view.points)
        if column == HistoryColumn.VOUCHER:
            return view.voucher_code
        return self.state_text(view)
