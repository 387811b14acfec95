"""The selected item's stock on the catalog page: on hand, its entries, and the stock actions.

Restock, write-off and count correction open a small dialog each
(``dialogs/stock_change.py``); they are shown to staff who may record stock
(supervisors and operators). Editing the item and taking it off or back on
sale are for those who manage the catalog. The entries are read off the GUI
thread whenever the item is shown or changed; a reply for an item no longer
shown is dropped.
"""
from __future__ import annotations

import asyncio
import uuid

import shiboken6

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QStackedWidget, QTableView, QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.catalog import ItemView, StockKind
from pointsmall.staff import Permission

from ..context import AppContext
from ..head_office import hold_back
from ..dialogs.stock_change import StockChangeDialog
from ..messages import error_text
from ..models import catalog_words as words
from ..models.stock_table import StockColumn, StockEntriesModel
from ..ops import catalog as catalog_ops

ENTRIES_SHOWN = 100


class StockPanel(QFrame):
    edit_requested = Signal(object)  # ItemView

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stockPanel")
        self.ctx = ctx
        self.item: ItemView | None = None
        self.dialog: StockChangeDialog | None = None
        self._entries_task: asyncio.Task[None] | None = None
        self.model = StockEntriesModel(self)

        self.name = QLabel(objectName="stockItemName")
        self.name.setWordWrap(True)
        self.meta = QLabel(objectName="stockItemMeta")
        self.meta.setWordWrap(True)
        self.inactive = QLabel(self.tr("Off sale: not shown in the mall"), objectName="stockInactive")
        caption = QLabel(self.tr("In stock"), objectName="stockOnHandCaption")
        self.on_hand = QLabel(objectName="stockOnHand")
        can_stock = ctx.can(Permission.STOCK_MANAGE)
        can_edit = ctx.can(Permission.CATALOG_MANAGE)
        self.restock = QPushButton(self.tr("Restock…"), objectName="stockRestock")
        self.write_off = QPushButton(self.tr("Write off…"), objectName="stockWriteOff")
        self.correct = QPushButton(self.tr("Count correction…"), objectName="stockCorrect")
        self.edit = QPushButton(self.tr("Edit item…"), objectName="stockEditItem")
        self.toggle = QPushButton(objectName="stockToggleActive")
        for button in (self.restock, self.write_off, self.correct):
            button.setVisible(can_stock)
        for button in (self.edit, self.toggle):
            button.setVisible(can_edit)
        hold_back(ctx, "catalog", self.edit, self.toggle)  # stock entries are facts: offline too
        self.unlimited_hint = QLabel(self.tr("Unlimited stock: nothing to count."), objectName="stockUnlimitedHint")
        self.unlimited_hint.setProperty("hint", True)
        self.error = QLabel(objectName="stockError")
        self.error.setProperty("error", True)
        self.error.setWordWrap(True)
        self.error.hide()

        self.table = QTableView(objectName="stockEntriesTable")
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
        for column, width in ((StockColumn.WHEN, 140), (StockColumn.KIND, 130), (StockColumn.QUANTITY, 80),
                              (StockColumn.AFTER, 90)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        entries_caption = QLabel(self.tr("Stock entries, newest first"), objectName="stockEntriesCaption")
        entries_caption.setProperty("hint", True)

        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.name)
        left.addWidget(self.meta)
        left.addWidget(self.inactive, 0, Qt.AlignmentFlag.AlignLeft)
        left.addSpacing(4)
        left.addWidget(caption)
        left.addWidget(self.on_hand)
        left.addWidget(self.unlimited_hint)
        actions = QGridLayout()
        actions.setSpacing(8)
        actions.addWidget(self.restock, 0, 0)
        actions.addWidget(self.write_off, 0, 1)
        actions.addWidget(self.correct, 1, 0, 1, 2)
        actions.addWidget(self.edit, 2, 0)
        actions.addWidget(self.toggle, 2, 1)
        left.addLayout(actions)
        left.addWidget(self.error)
        left.addStretch()
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setFixedWidth(320)
        right = QVBoxLayout()
        right.setSpacing(6)
        right.addWidget(entries_caption)
        right.addWidget(self.table, 1)
        details = QWidget()
        row = QHBoxLayout(details)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(18)
        row.addWidget(left_box)
        row.addLayout(right, 1)
        self.empty = QLabel(self.tr("Select an item to see its stock."), objectName="stockEmptyHint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(details)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.addWidget(self.stack)

        self.restock.clicked.connect(lambda: self.open_stock_dialog(StockKind.RESTOCK))
        self.write_off.clicked.connect(lambda: self.open_stock_dialog(StockKind.WRITE_OFF))
        self.correct.clicked.connect(lambda: self.open_stock_dialog(StockKind.CORRECTION))
        self.edit.clicked.connect(lambda: self.item is not None and self.edit_requested.emit(self.item))
        self.toggle.clicked.connect(self.toggle_active)
        self.show_item(None)

    # -- showing -----------------------------------------------------------------

    def show_item(self, item: ItemView | None) -> None:
        """Show an item (or nothing); its entries are read again whenever it is shown."""
        changed_item = (item is None) != (self.item is None) or (item and self.item and item.id != self.item.id)
        self.item = item
        if changed_item:
            self.error.hide()
        if item is None:
            self.stack.setCurrentIndex(0)
            self.model.set_entries([])
            return
        self.stack.setCurrentIndex(1)
        self.name.setText(item.name)
        self.meta.setText(self.tr("{sku} · {category} · {kind} · {price}").format(
            sku=item.sku, category=item.category, kind=words.kind_text(item),
            price=words.price_text(item.price_points, item.cash_fen)))
        self.inactive.setVisible(not item.active)
        self.on_hand.setText(words.stock_text(item))
        self.on_hand.setProperty("empty", not item.unlimited and item.stock == 0)
        self.on_hand.style().unpolish(self.on_hand)
        self.on_hand.style().polish(self.on_hand)
        self.unlimited_hint.setVisible(item.unlimited)
        for button in (self.restock, self.write_off, self.correct):
            button.setEnabled(not item.unlimited)
        self.write_off.setEnabled(not item.unlimited and item.stock > 0)
        self.toggle.setText(self.tr("Take off sale") if item.active else self.tr("Put on sale"))
        self.toggle.setProperty("danger", item.active)
        self.toggle.style().unpolish(self.toggle)
        self.toggle.style().polish(self.toggle)
        self._load_entries(item.id)

    def _load_entries(self, item_id: uuid.UUID) -> None:
        if self._entries_task is not None and not self._entries_task.done():
            self._entries_task.cancel()
        self._entries_task = asyncio.ensure_future(self._read_entries(item_id))
        self._entries_task.add_done_callback(report_failure)

    async def _read_entries(self, item_id: uuid.UUID) -> None:
        try:
            entries = await catalog_ops.stock_entries(self.ctx, item_id, ENTRIES_SHOWN)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._show_error(error_text(exc))
            return
        if not shiboken6.isValid(self):
            return  # the page was closed meanwhile
        if self.item is not None and self.item.id == item_id:
            self.model.set_entries(entries)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # -- acting --------------------------------------------------------------------

    def open_stock_dialog(self, kind: StockKind) -> StockChangeDialog | None:
        if self.item is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = StockChangeDialog(self.ctx, self.item, kind, self)
        self.dialog.recorded.connect(self._recorded)
        self.dialog.open()
        return self.dialog

    def _recorded(self, view: ItemView) -> None:
        if self.item is not None and view.id == self.item.id:
            self.show_item(view)

    @asyncSlot()
    async def toggle_active(self) -> None:
        item = self.item
        if item is None:
            return
        self.toggle.setEnabled(False)
        self._show_error("")
        try:
            view = await catalog_ops.set_active(self.ctx, item.id, not item.active)
        except Exception as exc:  # shown, never swallowed
            if shiboken6.isValid(self):
                self._show_error(error_text(exc))
            return
        finally:
            if shiboken6.isValid(self):
                self.toggle.setEnabled(True)
        if not shiboken6.isValid(self):
            return
        if self.item is not None and self.item.id == view.id:
            self.show_item(view)


def report_failure(task: asyncio.Future[None]) -> None:
    """Surface a crash in a background read instead of losing it in the loop."""
    if not task.cancelled() and task.exception() is not None:
        asyncio.get_event_loop().call_exception_handler(
            {"message": "catalog page task failed", "exception": task.exception(), "task": task})
