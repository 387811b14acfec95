"""The mall's grid of item tiles: a list view in icon mode, laid out for thousands of items.

Uniform item sizes and static movement keep the layout a little arithmetic
per row instead of measuring every item; batched layout keeps the first
screen quick when the shelf is swapped. Enter (or a double click) on a
tile asks to redeem it.
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from .item_tile import TILE, ItemTileDelegate


class ItemGrid(QListView):
    redeem_requested = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemGrid")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)  # after setViewMode, which makes items movable
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setGridSize(TILE)
        self.setSpacing(0)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(400)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setMouseTracking(True)  # hover outline
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(False)
        self.tile_delegate = ItemTileDelegate(self)
        self.setItemDelegate(self.tile_delegate)
        self.doubleClicked.connect(self.redeem_requested)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.redeem_requested.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)
