"""The mall at the counter (积分商城): browse, redeem for the member served, write off vouchers, history.

The page follows the member the counter is serving (``member_selected``):
it shows who it is and their balance, greys the items they cannot take
with the reason, and redeems for them. A member on hold for review (an open
case that blocks redeeming) is told on the strip, and every item says so,
before the cashier tries. Without a member it still browses
the catalog. The shelf is read when the page is first shown and again when
the catalog or the member's points change; thumbnails load as tiles are
painted.

Keyboard: arrows move through the grid, Enter redeems the selected tile
(a confirmation first), Ctrl+F goes to the text filter and Enter there
back to the grid.
"""
from __future__ import annotations

import asyncio
import uuid
from importlib import resources
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from pointsmall.members import MemberView
from pointsmall.redemption import RedemptionResult
from pointsmall.reviews import Hold

from .. import i18n
from ..context import AppContext
from ..dialogs.redeem_confirm import RedeemDialog
from ..dialogs.voucher import VoucherDialog
from ..messages import error_text
from ..models.mall_grid import MallGridModel, Tile
from ..models.thumbnail_cache import ThumbnailCache
from ..ops import mall as mall_ops
from ..tasks import Tasks
from ..widgets.item_grid import ItemGrid
from ..widgets.item_tile import tile_picture
from ..widgets.mall_member import MallMemberStrip
from ..widgets.member_holds import hold_refusal
from ..widgets.redemption_history import RedemptionHistory
from ..widgets.shelf_filters import ShelfFilters
from ..widgets.toast import Toast
from ..widgets.voucher_write_off import VoucherWriteOff


class MallPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.setObjectName("mallPage")
        self.ctx = ctx
        self.member_id: uuid.UUID | None = None
        self.member: MemberView | None = None
        self.loaded = False  # the shelf was read at least once
        self._tasks = Tasks(self)  # the shelf or member read under way; cancelled with the page
        self._pending: set[str] = set()  # "shelf" and/or "member": what the next refresh reads
        self.confirm: RedeemDialog | None = None
        self.voucher: VoucherDialog | None = None
        qss = resources.files("assets") / "mall.qss"
        if qss.is_file():
            self.setStyleSheet(qss.read_text(encoding="utf-8"))

        scale = self.devicePixelRatioF()
        self.thumbnails = ThumbnailCache(
            lambda wanted: mall_ops.thumbnails(ctx, wanted, prepare=lambda image: tile_picture(image, scale)),
            parent=self)
        self.model = MallGridModel(self.thumbnails, self)
        self.strip = MallMemberStrip(ctx.language)
        self.filters = ShelfFilters()
        self.message = QLabel(objectName="mallMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.grid = ItemGrid()
        self.grid.setModel(self.model)
        self.selection = QLabel(objectName="selectedItem")
        self.selection.setWordWrap(True)
        self.reason = QLabel(objectName="selectedReason")
        self.reason.setWordWrap(True)
        self.redeem_button = QPushButton(self.tr("Redeem…"), objectName="redeemButton")
        self.redeem_button.setProperty("primary", True)
        self.redeem_button.setEnabled(False)
        self.write_off = VoucherWriteOff(ctx)
        self.history = RedemptionHistory(ctx)
        self.tabs = QTabWidget(objectName="mallTabs")
        self.toast = Toast(self)
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(30)  # a redemption announces points and stock: read once for both
        self._refresh.timeout.connect(self._start_refresh)

        self._build_layout()
        self.setTabOrder(self.filters.category, self.filters.text)
        self.setTabOrder(self.filters.text, self.filters.affordable)
        self.setTabOrder(self.filters.affordable, self.grid)
        self.setTabOrder(self.grid, self.redeem_button)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_filter)
        self.filters.changed.connect(self._apply_filter)
        self.filters.text.returnPressed.connect(self._focus_grid)
        self.grid.redeem_requested.connect(self.redeem_index)
        self.grid.selectionModel().currentChanged.connect(self._show_selection)
        self.model.modelReset.connect(self._show_selection)
        self.model.dataChanged.connect(self._selection_data_changed)
        self.redeem_button.clicked.connect(self.redeem_current)
        self.thumbnails.failed.connect(self._thumbnails_failed)
        self.tabs.currentChanged.connect(self._tab_changed)
        ctx.changes.member_selected.connect(self.serve)
        ctx.changes.member_changed.connect(self._member_changed)
        ctx.changes.catalog_changed.connect(lambda: self._schedule("shelf"))
        self._show_selection()

    def _build_layout(self) -> None:
        items = QWidget(objectName="mallItemsTab")
        action = QHBoxLayout()
        action.setSpacing(14)
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.selection)
        words.addWidget(self.reason)
        action.addLayout(words, 1)
        action.addWidget(self.redeem_button)
        tab = QVBoxLayout(items)
        tab.setContentsMargins(0, 12, 0, 0)
        tab.setSpacing(10)
        tab.addWidget(self.filters)
        tab.addWidget(self.message)
        tab.addWidget(self.grid, 1)
        tab.addLayout(action)
        self.tabs.addTab(items, self.tr("Items"))
        self.tabs.addTab(self.write_off, self.tr("Vouchers and prizes"))
        self.tabs.addTab(self.history, self.tr("Redemption history"))
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(self.strip)
        layout.addWidget(self.tabs, 1)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self.loaded and not self._tasks.running("load"):
            self.reload()
        if self.tabs.currentIndex() == 0:
            self._focus_grid()

    # -- the shelf and the member ---------------------------------------------

    def reload(self) -> None:
        """Read the shelf (and the member served) again."""
        self._pending.add("shelf")
        self._start_refresh()

    def serve(self, member_id: uuid.UUID | None) -> None:
        """The counter serves another member (or none): reasons, balance and history follow."""
        self.member_id = member_id
        self.history.set_member(member_id)
        if member_id is None:
            self._show_member(None)
            self.model.set_refusals({})
            self._apply_filter()
            self._show_selection()
            return
        self._schedule("member")

    def _member_changed(self, member_id: uuid.UUID) -> None:
        if member_id == self.member_id:
            self._schedule("member")

    def _schedule(self, what: str) -> None:
        if not self.loaded and not self.isVisible():
            return  # never shown yet: the first show reads everything
        self._pending.add(what)
        self._refresh.start()

    def _start_refresh(self) -> None:
        """Run the pending read; one at a time, so a slow read never lands after a newer one."""
        if self._tasks.running("load"):
            return  # the running read starts the pending one when it is done
        what, self._pending = self._pending, set()
        if "shelf" in what or not self.loaded:
            task = self._tasks.start("load", self._load_shelf())
        elif "member" in what and self.member_id is not None:
            task = self._tasks.start("load", self._load_member(self.member_id))
        else:
            return
        task.add_done_callback(self._load_done)

    def _load_done(self, task: asyncio.Future[None]) -> None:
        if self._pending and not task.cancelled():  # cancelled: the page is gone
            self._refresh.start()

    async def _load_shelf(self) -> None:
        member_id = self.member_id
        try:
            shelf = await mall_ops.shelf(self.ctx, member_id)
        except Exception as exc:  # shown above the grid, never swallowed
            self._say(error_text(exc), "error")
            return
        if member_id != self.member_id:  # another member was chosen meanwhile: read again for them
            self._pending.add("shelf")
            return
        self.loaded = True
        self.model.set_shelf(shelf.items, self._refusals(shelf))
        self.filters.set_categories(self.model.categories())
        self._show_member(shelf.member, shelf.holds)
        self._apply_filter(reset=False)
        if not self.grid.currentIndex().isValid() and self.model.rowCount():
            self.grid.setCurrentIndex(self.model.index(0))
        if self.message.property("kind") == "error":
            self._say("", "")

    async def _load_member(self, member_id: uuid.UUID) -> None:
        try:
            shelf = await mall_ops.for_member(self.ctx, member_id, self.model.items())
        except Exception as exc:
            self._say(error_text(exc), "error")
            return
        if member_id != self.member_id:
            return
        self.model.set_refusals(self._refusals(shelf))
        self._show_member(shelf.member, shelf.holds)
        self._apply_filter(reset=False)
        self._show_selection()

    @staticmethod
    def _refusals(shelf: mall_ops.Shelf) -> dict[uuid.UUID, Any]:
        """The core's reasons, or for a member on hold the hold on every item (redeeming waits for it)."""
        held = hold_refusal(shelf.holds)
        if held is None:
            return shelf.refusals
        return {item.id: held for item in shelf.items}

    def _show_member(self, member: MemberView | None, holds: list[Hold] | None = None) -> None:
        self.member = member
        self.strip.show_member(member)
        if member is not None:
            self.strip.show_holds(member.id, holds or [])
        self.filters.set_member_known(member is not None)
        if member is not None:
            self.history.set_member(member.id, member.name)

    # -- filtering ----------------------------------------------------------------

    def _apply_filter(self, *_: Any, reset: bool = True) -> None:
        wanted = self.filters.shelf_filter(self.member.balance if self.member is not None else None)
        current = self.current_tile()
        if reset or wanted != self.model.shelf_filter:
            self.model.set_filter(wanted)
            if current is not None:
                row = self.model.row_of(current.item.id)
                if row is not None:
                    self.grid.setCurrentIndex(self.model.index(row))
        self.filters.show_count(self.model.rowCount(), self.model.total())
        if self.loaded and self.model.total() and not self.model.rowCount():
            self._say(self.tr("No item matches the filters."), "info")
        elif self.message.property("kind") == "info":
            self._say("", "")

    def _focus_filter(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.filters.text.setFocus()
        self.filters.text.selectAll()

    def _focus_grid(self) -> None:
        if not self.grid.currentIndex().isValid() and self.model.rowCount():
            self.grid.setCurrentIndex(self.model.index(0))
        self.grid.setFocus()

    # -- the selected tile and redeeming ---------------------------------------------

    def current_tile(self) -> Tile | None:
        index = self.grid.currentIndex()
        return self.model.tile(index.row()) if index.isValid() else None

    def _selection_data_changed(self, top: QModelIndex, bottom: QModelIndex, roles: list[int] = ()) -> None:
        current = self.grid.currentIndex()
        if current.isValid() and top.row() <= current.row() <= bottom.row() and \
                Qt.ItemDataRole.DecorationRole not in roles:
            self._show_selection()

    def _show_selection(self, *_: Any) -> None:
        tile = self.current_tile()
        if tile is None:
            self.selection.setText(self.tr("Choose an item: arrows and Enter, or double-click a tile."))
            self.reason.clear()
            self.redeem_button.setEnabled(False)
            return
        item = tile.item
        price = self.grid.tile_delegate.price_text(item.price_points)
        if item.cash_fen:
            price += " + " + i18n.money(item.cash_fen)
        self.selection.setText(" · ".join([item.name, price, self.grid.tile_delegate.stock_text(tile)]))
        if self.member is None:
            self.reason.setText(self.tr("Find the member at the counter to redeem."))
            self.reason.setProperty("kind", "hint")
        elif tile.refusal is not None:
            self.reason.setText(error_text(tile.refusal))
            self.reason.setProperty("kind", "error")
        else:
            self.reason.setText(self.tr("{name} can redeem this: press Enter.").format(name=self.member.name))
            self.reason.setProperty("kind", "ok")
        self.reason.style().unpolish(self.reason)
        self.reason.style().polish(self.reason)
        self.redeem_button.setEnabled(self.member is not None and tile.allowed)

    def redeem_index(self, index: QModelIndex) -> None:
        self.grid.setCurrentIndex(index)
        self.redeem_current()

    def redeem_current(self) -> None:
        tile = self.current_tile()
        if tile is None:
            return
        if self.member is None:
            self._say(self.tr("No member is being served: find the member at the counter first."), "error")
            return
        if tile.refusal is not None:
            self._say(error_text(tile.refusal), "error")
            return
        if self.confirm is not None and self.confirm.isVisible():
            return  # one confirmation at a time: a double click or a second Enter opens nothing more
        picture = self.thumbnails.pixmaps.get(tile.item.image_sha) if tile.item.image_sha else None
        self.confirm = RedeemDialog(self.ctx, self.member, tile.item, picture, self)
        self.confirm.redeemed.connect(self._redeemed)
        self.confirm.finished.connect(lambda _result: self.grid.setFocus())
        self.confirm.open()

    def _redeemed(self, result: RedemptionResult) -> None:
        self.toast.show_message(self.tr("Redeemed {item} × {n}, balance {balance}").format(
            item=result.item_name, n=result.quantity, balance=i18n.points(result.balance)), "success")
        phone = self.member.phone if self.member is not None else ""
        self.voucher = VoucherDialog(self.ctx, result, phone, self)
        self.voucher.finished.connect(lambda _result: self.grid.setFocus())
        self.voucher.open()

    # -- small things ------------------------------------------------------------------

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.history:
            self.history.reload()

    def _thumbnails_failed(self, detail: str) -> None:
        self._say(self.tr("Some pictures could not be loaded: {detail}").format(detail=detail), "error")

    def _say(self, text: str, kind: str) -> None:
        self.message.setText(text)
        self.message.setProperty("kind", kind)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))
