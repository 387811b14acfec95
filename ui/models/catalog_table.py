"""The catalog table for operators: one row per item, with its thumbnail.

A catalog is thousands of items at most, read in one query off the GUI
thread by the page (``ops.catalog.load_listing``) and handed to the model
whole; the model itself never reads the database. Thumbnails are wanted
lazily: a row asking for its picture adds the image to a batch that the
page loads off the GUI thread and gives back with ``set_thumbnails``.
Inactive items are greyed.
"""
from __future__ import annotations

import enum
import uuid
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPixmap

from pointsmall.catalog import ItemView
from pointsmall.tiers import TierView

from . import catalog_words as words

Index = QModelIndex | QPersistentModelIndex
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole + 1
THUMB_SIZE = QSize(40, 40)
GREY = QColor("#94A3B8")
EMPTY = QColor("#B42318")


class Column(enum.IntEnum):
    IMAGE = 0
    SKU = 1
    NAME = 2
    CATEGORY = 3
    KIND = 4
    PRICE = 5
    STOCK = 6
    LIMITS = 7
    MIN_TIER = 8
    WINDOW = 9
    ACTIVE = 10


RIGHT_ALIGNED = {Column.PRICE, Column.STOCK}


class CatalogTableModel(QAbstractTableModel):
    thumbnails_wanted = Signal(object)  # {image_id: sha} not loaded yet

    def __init__(self, language: str, store_tz: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.language = language
        self.store_tz = store_tz
        self._items: list[ItemView] = []
        self._tiers: list[TierView] = []
        self._pixmaps: dict[str, QPixmap] = {}
        self._wanted: dict[str, uuid.UUID] = {}
        self._asked: set[str] = set()
        self._batch = QTimer(self, singleShot=True, interval=0)
        self._batch.timeout.connect(self._ask_for_thumbnails)

    # -- contents ---------------------------------------------------------------

    def set_items(self, items: list[ItemView], ladder: list[TierView]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self._tiers = sorted(ladder, key=lambda t: t.rank)
        self.endResetModel()

    def item(self, row: int) -> ItemView | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, item_id: uuid.UUID | None) -> int:
        return next((row for row, item in enumerate(self._items) if item.id == item_id), -1)

    def set_thumbnails(self, found: dict[str, bytes]) -> None:
        """Thumbnails arrived (JPEG bytes by image hash): show them in their rows."""
        for sha, data in found.items():
            pixmap = QPixmap()
            if pixmap.loadFromData(data):
                self._pixmaps[sha] = pixmap.scaled(THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                                   Qt.TransformationMode.SmoothTransformation)
        rows = [row for row, item in enumerate(self._items) if item.image_sha in found]
        if rows:
            self.dataChanged.emit(self.index(min(rows), Column.IMAGE), self.index(max(rows), Column.IMAGE),
                                  [Qt.ItemDataRole.DecorationRole])

    def thumbnail_failed(self, shas: list[str]) -> None:
        """Loading failed: forget that they were asked for, so a later reload tries again."""
        self._asked.difference_update(shas)

    # -- Qt's model interface ------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers()[Column(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in RIGHT_ALIGNED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index.row()) if index.isValid() else None
        if item is None or not 0 <= index.column() < len(Column):
            return None
        column = Column(index.column())
        if role == ITEM_ID_ROLE:
            return item.id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.IMAGE:
            return self._thumbnail(item)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column in RIGHT_ALIGNED else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if not item.active:
                return GREY
            if column == Column.STOCK and not item.unlimited and item.stock == 0:
                return EMPTY
            return None
        if role == Qt.ItemDataRole.FontRole and not item.active:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        return None

    # -- cells ------------------------------------------------------------------------

    def _text(self, item: ItemView, column: Column) -> str | None:
        if column == Column.IMAGE:
            return None
        if column == Column.SKU:
            return item.sku
        if column == Column.NAME:
            return item.name
        if column == Column.CATEGORY:
            return item.category
        if column == Column.KIND:
            return words.kind_text(item)
        if column == Column.PRICE:
            return words.price_text(item.price_points, item.cash_fen)
        if column == Column.STOCK:
            return words.stock_text(item)
        if column == Column.LIMITS:
            return words.limits_text(item)
        if column == Column.MIN_TIER:
            return words.min_tier_text(item.min_tier_rank, self._tiers, self.language)
        if column == Column.WINDOW:
            return words.window_text(item, self.store_tz)
        return words.active_text(item.active)

    def _tooltip(self, item: ItemView, column: Column) -> str | None:
        if column == Column.KIND and item.validity_days:
            return self.tr("Vouchers are valid for {days} days").format(days=item.validity_days)
        if column == Column.NAME and item.description:
            return item.description
        if column == Column.ACTIVE and not item.active:
            return self.tr("Not shown in the mall")
        if column in (Column.PRICE, Column.LIMITS, Column.MIN_TIER, Column.WINDOW):
            return self._text(item, column)  # the whole text when the column is too narrow for it
        return None

    def _headers(self) -> dict[Column, str]:
        return {
            Column.IMAGE: "",
            Column.SKU: self.tr("Code"),
            Column.NAME: self.tr("Name and code"),
            Column.CATEGORY: self.tr("Category"),
            Column.KIND: self.tr("Kind"),
            Column.PRICE: self.tr("Price"),
            Column.STOCK: self.tr("Stock"),
            Column.LIMITS: self.tr("Limits"),
            Column.MIN_TIER: self.tr("Min. tier"),
            Column.WINDOW: self.tr("Available"),
            Column.ACTIVE: self.tr("Status"),
        }

    def _thumbnail(self, item: ItemView) -> QPixmap | None:
        if item.image_id is None or item.image_sha is None:
            return None
        pixmap = self._pixmaps.get(item.image_sha)
        if pixmap is None and item.image_sha not in self._asked:
            self._wanted[item.image_sha] = item.image_id
            self._batch.start()
        return pixmap

    def _ask_for_thumbnails(self) -> None:
        wanted = {image_id: sha for sha, image_id in self._wanted.items() if sha not in self._asked}
        self._wanted.clear()
        if wanted:
            self._asked.update(wanted.values())
            self.thumbnails_wanted.emit(wanted)
