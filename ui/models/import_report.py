"""A catalog import's dry run, row by row: the spreadsheet's row number, the item code, and what would happen.

Errors are shown in the client's language: each row keeps the core's
refusal template and values (``RowReport.error_template``), translated like
any other refusal. Rows in error come first in red, so a long file's
problems are on the first screen.
"""
from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pointsmall.catalog_io import Action, ImportReport, RowReport

from ..messages import CONTEXT

Index = QModelIndex | QPersistentModelIndex
ERROR = QColor("#B42318")
UNCHANGED = QColor("#94A3B8")
CREATE = QColor("#15803D")


class ReportColumn(enum.IntEnum):
    ROW = 0
    SKU = 1
    RESULT = 2


def row_error_text(row: RowReport) -> str:
    if row.error_template is None:
        return row.error or ""
    template = QCoreApplication.translate(CONTEXT, row.error_template)
    try:
        return template.format(**dict(row.error_params))
    except (KeyError, IndexError, ValueError):
        return row.error or template


class ImportReportModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RowReport] = []

    def set_report(self, report: ImportReport | None) -> None:
        self.beginResetModel()
        rows = list(report.rows) if report is not None else []
        self._rows = sorted(rows, key=lambda r: (r.action != Action.ERROR, r.row))
        self.endResetModel()

    def report_row(self, row: int) -> RowReport | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(ReportColumn)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(ReportColumn):
            return None
        return {ReportColumn.ROW: self.tr("Row"), ReportColumn.SKU: self.tr("Code"),
                ReportColumn.RESULT: self.tr("What importing does")}[ReportColumn(section)]

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.report_row(index.row()) if index.isValid() else None
        if row is None or not 0 <= index.column() < len(ReportColumn):
            return None
        column = ReportColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == ReportColumn.ROW:
                return str(row.row)
            if column == ReportColumn.SKU:
                return row.sku
            return self.result_text(row)
        if role == Qt.ItemDataRole.ForegroundRole and column == ReportColumn.RESULT:
            return {Action.ERROR: ERROR, Action.UNCHANGED: UNCHANGED, Action.CREATE: CREATE}.get(row.action)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == ReportColumn.ROW:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def result_text(self, row: RowReport) -> str:
        if row.action == Action.ERROR:
            return row_error_text(row)
        return {Action.CREATE: self.tr("New item"), Action.UPDATE: self.tr("Updates the item"),
                Action.UNCHANGED: self.tr("No change")}.get(row.action, row.action)
