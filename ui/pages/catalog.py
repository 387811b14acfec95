"""Catalog management (商品管理) for operators: every item in a table, its stock below.

The table shows each item with its thumbnail, price, stock, limits,
minimum tier and window; inactive items are greyed. A category box and a
search box (name, or an exact item code) filter it, read off the GUI
thread; a newer read replaces an older one still running. The stock panel
under the table follows the selected item. Operators create and edit items
(``dialogs/item_editor.py``) and import or export the catalog; a supervisor,
who may only record stock, sees the stock actions and nothing else. The
page reloads itself whenever ``catalog_changed`` is announced.
"""
from __future__ import annotations

import asyncio
import uuid

import shiboken6
from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from pointsmall.catalog import ItemView
from pointsmall.staff import Permission
from pointsmall.tiers import TierView

from .. import i18n, icons
from ..context import AppContext
from ..head_office import banner, hold_back
from ..dialogs.catalog_style import catalog_style_sheet
from ..dialogs.item_editor import ItemEditorDialog, open_item_editor
from ..messages import error_text
from ..models.catalog_table import ITEM_ID_ROLE, THUMB_SIZE, CatalogTableModel, Column
from ..ops import catalog as catalog_ops
from ..widgets.two_line_delegate import TwoLineDelegate
from .catalog_files import CatalogFiles
from .catalog_stock import StockPanel, report_failure

SEARCH_DELAY_MS = 250
ROW_HEIGHT = 48
COLUMN_CAPS = {Column.CATEGORY: 90, Column.KIND: 110, Column.PRICE: 140, Column.STOCK: 96,
               Column.LIMITS: 120, Column.MIN_TIER: 120, Column.WINDOW: 110, Column.ACTIVE: 80}
NAME_MIN_WIDTH = 170


class CatalogPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("catalogPage")
        self.setStyleSheet(catalog_style_sheet())
        self.ctx = ctx
        self.model = CatalogTableModel(ctx.language, ctx.actor.store_tz, self)
        self.categories: list[str] = []
        self.tiers: list[TierView] = []
        self.editor: ItemEditorDialog | None = None
        self._load_task: asyncio.Task[None] | None = None
        self._loads = 0  # finished listings (tests wait on it)
        can_edit = ctx.can(Permission.CATALOG_MANAGE)

        title = QLabel(self.tr("Catalog"), objectName="catalogTitle")
        title.setProperty("heading", True)
        self.category = QComboBox(objectName="catalogCategory")
        self.category.setMinimumWidth(150)
        self.category.addItem(self.tr("All categories"), None)
        self.search = QLineEdit(objectName="catalogSearch")
        self.search.setPlaceholderText(self.tr("Search by name, or type an item code"))
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(260)
        self.summary = QLabel(objectName="catalogCount")
        self.summary.setProperty("hint", True)
        self.import_button = QPushButton(self.tr("Import…"), objectName="catalogImport")
        self.export_button = QPushButton(self.tr("Export…"), objectName="catalogExport")
        self.new_button = QPushButton(self.tr("New item"), objectName="catalogNewItem")
        self.new_button.setProperty("primary", True)
        for button in (self.import_button, self.export_button, self.new_button):
            button.setVisible(can_edit)
        hold_back(ctx, "catalog", self.import_button, self.new_button)
        self.head_office = banner(ctx, "catalog", "catalogHeadOffice")  # an offline store's till
        self.head_office.setVisible(can_edit and bool(self.head_office.text()))  # a cashier edits nothing here
        self.error = QLabel(objectName="catalogError")
        self.error.setProperty("error", True)
        self.error.setWordWrap(True)
        self.error.hide()
        self.notice = QLabel(objectName="catalogNotice")
        self.notice.setProperty("ok", True)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.files = CatalogFiles(ctx, self, self._notify)

        self.table = QTableView(objectName="catalogTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setIconSize(THUMB_SIZE)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(Column.IMAGE, THUMB_SIZE.width() + 16)
        header.setSectionResizeMode(Column.IMAGE, QHeaderView.ResizeMode.Fixed)
        # The code is shown under the name: its own column is hidden to leave room for the rest.
        self.table.setItemDelegateForColumn(Column.NAME, TwoLineDelegate(Column.SKU, self.table))
        self.table.setColumnHidden(Column.SKU, True)
        self.table.viewport().installEventFilter(self)
        self.empty = QLabel(objectName="catalogEmpty")
        self.empty.setProperty("hint", True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        self.stock = StockPanel(ctx)

        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(title)
        top.addSpacing(10)
        top.addWidget(self.category)
        top.addWidget(self.search, 1)
        top.addWidget(self.summary)
        top.addStretch()
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        top.addWidget(self.new_button)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.setSpacing(6)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.empty)
        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="catalogSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(table_box)
        self.splitter.addWidget(self.stock)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([440, 290])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.head_office)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addWidget(self.splitter, 1)
        self.setTabOrder(self.category, self.search)
        self.setTabOrder(self.search, self.table)

        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.refresh)
        self._reload = QTimer(self, singleShot=True, interval=0)  # many changes at once: one reload
        self._reload.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self.refresh)
        self.category.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.activated.connect(self._activated)
        self.model.thumbnails_wanted.connect(self._load_thumbnails)
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        self.export_button.clicked.connect(self.files.choose_export_file)
        self.import_button.clicked.connect(self.files.choose_import_file)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)
        if can_edit:
            QShortcut(QKeySequence.StandardKey.New, self, lambda: self.open_editor(None))
        self.stock.edit_requested.connect(self.open_editor)
        ctx.changes.catalog_changed.connect(self._reload.start)
        ctx.changes.settings_changed.connect(self._reload.start)
        QTimer.singleShot(0, self.refresh)

    # -- reading the catalog ------------------------------------------------------------

    def refresh(self) -> None:
        """Read the items for the current filters; a read still running is replaced."""
        self._debounce.stop()
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        self._load_task = asyncio.ensure_future(self._load(self.category.currentData(), self.search.text()))
        self._load_task.add_done_callback(report_failure)

    async def _load(self, category: str | None, text: str) -> None:
        try:
            listing = await catalog_ops.load_listing(self.ctx, category, text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._show_error(error_text(exc))
            return
        if not shiboken6.isValid(self):
            return  # the page was closed meanwhile (e.g. the window was rebuilt for another language)
        self._show_error("")
        selected = self.selected_item()
        self.tiers = listing.tiers
        self._set_categories(listing.categories)
        self.model.set_items(listing.items, listing.tiers)
        self._fit_columns()
        self._reselect(selected.id if selected is not None else None)
        filtered = bool(category or text.strip())
        n = len(listing.items)
        self.summary.setText(self.tr("1 item") if n == 1 else self.tr("{n} items").format(n=i18n.points(n)))
        self.empty.setText(self.tr("No item matches.") if filtered
                           else self.tr("No items yet. Create the first with “New item”."))
        self.empty.setVisible(n == 0)
        self._loads += 1

    def _fit_columns(self) -> None:
        """Each column as wide as its words, up to a cap; the name takes the rest."""
        for column, cap in COLUMN_CAPS.items():
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, min(cap, self.table.columnWidth(column)))
        self._fit_name()

    def _fit_name(self) -> None:
        # Not a Stretch section: on a narrow window the name keeps a readable width and the table scrolls.
        others = sum(self.table.columnWidth(c) for c in Column
                     if c != Column.NAME and not self.table.isColumnHidden(c))
        self.table.setColumnWidth(Column.NAME, max(NAME_MIN_WIDTH, self.table.viewport().width() - others))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_name()
        return super().eventFilter(watched, event)

    def _set_categories(self, categories: list[str]) -> None:
        if categories == self.categories:
            return
        self.categories = categories
        current = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem(self.tr("All categories"), None)
        for name in categories:
            self.category.addItem(name, name)
        index = self.category.findData(current) if current else 0
        self.category.setCurrentIndex(max(0, index))
        self.category.blockSignals(False)

    def _reselect(self, item_id: uuid.UUID | None) -> None:
        row = self.model.row_of(item_id) if item_id is not None else -1
        if row < 0:
            self.table.selectionModel().clearSelection()
            self.stock.show_item(None)
            return
        index = self.model.index(row, Column.NAME)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        self.stock.show_item(self.model.item(row))

    def _load_thumbnails(self, wanted: dict[uuid.UUID, str]) -> None:
        asyncio.ensure_future(self._read_thumbnails(wanted)).add_done_callback(report_failure)

    async def _read_thumbnails(self, wanted: dict[uuid.UUID, str]) -> None:
        try:
            found = await catalog_ops.thumbnails(self.ctx, wanted)
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self.model.thumbnail_failed(list(wanted.values()))
                self._show_error(error_text(exc))
            return
        if shiboken6.isValid(self):
            self.model.set_thumbnails(found)

    # -- selection and editing -------------------------------------------------------------

    def selected_item(self) -> ItemView | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def select_item(self, item_id: uuid.UUID) -> bool:
        row = self.model.row_of(item_id)
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.stock.show_item(self.model.item(current.row()) if current.isValid() else None)

    def _activated(self, index: QModelIndex) -> None:
        item = self.model.item(index.row())
        if item is not None and self.ctx.can(Permission.CATALOG_MANAGE):
            self.open_editor(item)

    def open_editor(self, item: ItemView | None) -> ItemEditorDialog | None:
        """The item editor for a new item (None) or the given one; operators only."""
        if not self.ctx.can(Permission.CATALOG_MANAGE):
            return None
        if self.editor is not None:
            self.editor.close()
            self.editor.deleteLater()
        self.editor = open_item_editor(self.ctx, item, self.categories, self.tiers, self)
        self.editor.saved.connect(self._saved)
        return self.editor

    def _saved(self, view: ItemView) -> None:
        """Show the saved item selected: read the listing now rather than on the queued reload."""
        self._reload.stop()
        self.refresh()
        task = self._load_task
        if task is not None:
            task.add_done_callback(lambda t: None if t.cancelled() else self.select_item(view.id))

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _notify(self, text: str, is_error: bool) -> None:
        """What an import or export did, or why it failed, until the next one."""
        self.notice.setProperty("ok", not is_error)
        self.notice.setProperty("error", is_error)
        self.notice.style().unpolish(self.notice)
        self.notice.style().polish(self.notice)
        self.notice.setText(text)
        self.notice.show()

    def item_ids(self) -> list[uuid.UUID]:
        return [self.model.data(self.model.index(row, 0), ITEM_ID_ROLE) for row in range(self.model.rowCount())]
