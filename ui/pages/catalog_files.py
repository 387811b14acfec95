"""The catalog page's Import and Export buttons: file dialogs, then the core's import or export.

Export writes every item to a .csv (UTF-8 with a BOM, which Excel opens
correctly) or .xlsx file chosen in a save dialog. Import opens the chosen
file in ``dialogs/catalog_import.py``, which shows the dry run before
anything is written. Results and refusals are shown on the page.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget
from qasync import asyncSlot

from pointsmall.catalog_io import Action, ImportReport

from .. import i18n
from ..context import AppContext
from ..dialogs.catalog_import import CatalogImportDialog, open_catalog_import
from ..messages import error_text
from ..ops import catalog as catalog_ops

Notify = Callable[[str, bool], None]  # (text, is_error)


class CatalogFiles(QObject):
    def __init__(self, ctx: AppContext, page: QWidget, notify: Notify) -> None:
        super().__init__(page)
        self.ctx = ctx
        self.page = page
        self.notify = notify
        self.importer: CatalogImportDialog | None = None
        self.exporting = False

    def _csv_filter(self) -> str:
        return self.tr("CSV for Excel (*.csv)")

    def _xlsx_filter(self) -> str:
        return self.tr("Excel workbook (*.xlsx)")

    def _folder(self) -> str:
        return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)

    # -- export ------------------------------------------------------------------------

    def choose_export_file(self) -> QFileDialog:
        chooser = QFileDialog(self.page, self.tr("Export the catalog"))
        chooser.setObjectName("catalogExportChooser")
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setNameFilters([self._csv_filter(), self._xlsx_filter()])
        chooser.setDefaultSuffix("csv")
        chooser.setDirectory(self._folder())
        chooser.selectFile(f"catalog-{date.today():%Y%m%d}.csv")
        chooser.filterSelected.connect(
            lambda name: chooser.setDefaultSuffix("xlsx" if name == self._xlsx_filter() else "csv"))
        chooser.fileSelected.connect(self.export_to)
        chooser.open()
        return chooser

    @asyncSlot(str)
    async def export_to(self, path: str) -> None:
        if self.exporting:
            return
        self.exporting = True
        try:
            count = await catalog_ops.export_catalog(self.ctx, path)
        except Exception as exc:  # a refusal or a disk error: shown, never swallowed
            if shiboken6.isValid(self):
                self.exporting = False
                self.notify(self.tr("The file could not be written: {detail}").format(
                    detail=exc.strerror or str(exc)) if isinstance(exc, OSError) else error_text(exc), True)
            return
        if shiboken6.isValid(self):
            self.exporting = False
            self.notify(self.tr("Exported {n} items to {file}.").format(n=i18n.points(count), file=path), False)

    # -- import -------------------------------------------------------------------------

    def choose_import_file(self) -> QFileDialog:
        chooser = QFileDialog(self.page, self.tr("Import the catalog"))
        chooser.setObjectName("catalogImportChooser")
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setNameFilters([self.tr("Catalog files (*.csv *.xlsx)"), self.tr("All files (*)")])
        chooser.setDirectory(self._folder())
        chooser.fileSelected.connect(self.open_import)
        chooser.open()
        return chooser

    def open_import(self, path: str) -> CatalogImportDialog:
        if self.importer is not None and shiboken6.isValid(self.importer):
            self.importer.close()
            self.importer.deleteLater()
        self.importer = open_catalog_import(self.ctx, path, self.page)
        self.importer.imported.connect(lambda report: self._imported(report, path))
        return self.importer

    def _imported(self, report: ImportReport, path: str) -> None:
        self.notify(self.tr("Imported {file}: {new} new, {changed} changed.").format(
            file=Path(path).name, new=i18n.points(report.count(Action.CREATE)),
            changed=i18n.points(report.count(Action.UPDATE))), False)
