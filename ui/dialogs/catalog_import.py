"""Importing the catalog from a CSV or XLSX file: a dry run row by row first, then all or nothing.

The file is read once when the dialog opens, and that same content is
checked (``catalog_io.import_catalog(dry_run=True)``) and, when the
operator applies it, imported in one transaction. A file the core refuses
as a whole (encoding, columns, size) shows why and nothing else. While any
row has an error the import cannot be applied: nothing would be imported.
"""
from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView,
                               QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.catalog_io import Action, ImportRefused, ImportReport

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..models.import_report import ImportReportModel, ReportColumn
from ..ops import catalog as catalog_ops
from .catalog_style import catalog_style_sheet


class CatalogImportDialog(QDialog):
    imported = Signal(object)  # ImportReport of the applied import

    def __init__(self, ctx: AppContext, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("catalogImportDialog")
        self.ctx = ctx
        self.path = path
        self.file_name = Path(path).name
        self.data: bytes | None = None
        self.report: ImportReport | None = None
        self.checks = 0  # finished dry runs (tests wait on it)
        self.setWindowTitle(self.tr("Import the catalog — {file}").format(file=self.file_name))
        self.setStyleSheet(catalog_style_sheet())
        self.setMinimumSize(760, 520)

        heading = QLabel(self.tr("Checking {file}…").format(file=self.file_name), objectName="importHeading")
        heading.setProperty("heading", True)
        heading.setWordWrap(True)
        self.heading = heading
        self.summary = QLabel(objectName="importSummary")
        self.summary.setWordWrap(True)
        self.problem = QLabel(objectName="importProblem")
        self.problem.setProperty("error", True)
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.model = ImportReportModel(self)
        self.table = QTableView(objectName="importReport")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.setColumnWidth(ReportColumn.ROW, 60)
        self.table.setColumnWidth(ReportColumn.SKU, 130)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(ReportColumn.ROW, QHeaderView.ResizeMode.Fixed)
        note = QLabel(self.tr("Stock is not imported: a file only changes item details. Record stock with "
                              "Restock or Count correction."), objectName="importStockNote")
        note.setProperty("hint", True)
        note.setWordWrap(True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply = self.buttons.addButton(self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply.setObjectName("importApply")
        self.apply.setDefault(True)
        self.apply.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.apply_import)
        self.buttons.rejected.connect(self.reject)
        QTimer.singleShot(0, self.check)

    # -- the dry run -------------------------------------------------------------------

    @asyncSlot()
    async def check(self) -> None:
        try:
            if self.data is None:
                self.data = await catalog_ops.read_import_file(self.ctx, self.path)
            report = await catalog_ops.check_import(self.ctx, self.file_name, self.data)
        except Exception as exc:  # a file refused as a whole, or unreadable: shown, never swallowed
            if shiboken6.isValid(self):
                self._refused(exc)
            return
        if shiboken6.isValid(self):
            self._show_report(report)

    def _refused(self, exc: Exception) -> None:
        self.heading.setText(self.tr("{file} cannot be imported").format(file=self.file_name))
        text = (self.tr("The file could not be read: {detail}").format(detail=exc.strerror or str(exc))
                if isinstance(exc, OSError) else error_text(exc))
        self.problem.setText(text)
        self.problem.show()
        self.summary.hide()
        self.model.set_report(None)
        self.apply.setEnabled(False)
        self.checks += 1

    def _show_report(self, report: ImportReport) -> None:
        self.report = report
        self.model.set_report(report)
        counts = {a: report.count(a) for a in (Action.CREATE, Action.UPDATE, Action.UNCHANGED, Action.ERROR)}
        self.summary.setText(self.tr("{rows} rows: {new} new, {changed} changed, {same} unchanged, "
                                     "{errors} with errors.").format(
            rows=i18n.points(len(report.rows)), new=i18n.points(counts[Action.CREATE]),
            changed=i18n.points(counts[Action.UPDATE]), same=i18n.points(counts[Action.UNCHANGED]),
            errors=i18n.points(counts[Action.ERROR])))
        self.summary.show()
        if counts[Action.ERROR]:
            self.heading.setText(self.tr("Fix the rows in red, then import the file again"))
            self.problem.setText(self.tr("Nothing is imported while any row has an error."))
            self.problem.show()
        elif counts[Action.CREATE] + counts[Action.UPDATE] == 0:
            self.heading.setText(self.tr("The catalog already matches {file}").format(file=self.file_name))
            self.problem.hide()
        else:
            self.heading.setText(self.tr("Ready to import {file}").format(file=self.file_name))
            self.problem.hide()
        self.apply.setEnabled(counts[Action.ERROR] == 0 and counts[Action.CREATE] + counts[Action.UPDATE] > 0)
        self.checks += 1

    # -- applying ----------------------------------------------------------------------------

    @asyncSlot()
    async def apply_import(self) -> None:
        if self.data is None or not self.apply.isEnabled():
            return
        self.apply.setEnabled(False)
        try:
            report = await catalog_ops.apply_import(self.ctx, self.file_name, self.data)
        except ImportRefused as exc:  # the catalog changed since the dry run: show what is wrong now
            if shiboken6.isValid(self):
                self._show_report(exc.report)
            return
        except Exception as exc:  # never swallowed; nothing was imported
            if shiboken6.isValid(self):
                self.problem.setText(error_text(exc))
                self.problem.show()
                self.apply.setEnabled(True)
            return
        if shiboken6.isValid(self):
            self.imported.emit(report)
            self.accept()


def open_catalog_import(ctx: AppContext, path: str, parent: QWidget | None = None) -> CatalogImportDialog:
    dialog = CatalogImportDialog(ctx, path, parent)
    dialog.open()
    return dialog
