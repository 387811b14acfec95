"""The mall grid's model: the shelf's items as tiles, filtered by category, text and affordability.

All active items are in memory (a few thousand small rows, read once by
``ops.mall.shelf`` off the GUI thread); filtering only picks row numbers,
so typing in the filter box stays instant with 5,000 items. Thumbnails are
not part of the rows: ``data(DecorationRole)`` asks the thumbnail cache,
which loads only what is painted.
"""
from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from pointsmall.catalog import ItemView
from pointsmall.redemption import Refusal

from ..messages import error_text
from .thumbnail_cache import ThumbnailCache

Index = QModelIndex | QPersistentModelIndex


class TileRole(enum.IntEnum):
    TILE = Qt.ItemDataRole.UserRole + 1  # the Tile itself (the delegate paints from it)
    ITEM_ID = Qt.ItemDataRole.UserRole + 2
    REASON = Qt.ItemDataRole.UserRole + 3  # why the member served cannot take it, in words; "" when they can


@dataclass(frozen=True)
class Tile:
    item: ItemView
    refusal: Refusal | None  # None when the member may take it, or when no member is served

    @property
    def allowed(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class ShelfFilter:
    category: str = ""  # "" for every category
    text: str = ""
    # A balance: show only items whose price is at most this; None for all. A view filter, not a
    # decision: whether the member may take an item is the core's answer (the tile's refusal).
    affordable_within: int | None = None

    def accepts(self, item: ItemView) -> bool:
        if self.category and item.category != self.category:
            return False
        if self.affordable_within is not None and item.price_points > self.affordable_within:
            return False
        text = self.text.strip().casefold()
        return not text or text in item.name.casefold() or text == item.sku.casefold()


class MallGridModel(QAbstractListModel):
    def __init__(self, thumbnails: ThumbnailCache, parent: Any = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._tiles: list[Tile] = []
        self._shown: list[int] = []  # indices into _tiles, in shelf order
        self._filter = ShelfFilter()
        self._rows_by_sha: dict[str, list[int]] = {}
        thumbnails.loaded.connect(self._thumbnails_loaded)

    # -- filling -------------------------------------------------------------

    def set_shelf(self, items: list[ItemView], refusals: dict[uuid.UUID, Refusal]) -> None:
        """New items; when they are the same items in the same order (stock or prices changed after a
        redemption), rows are updated in place, so the cashier keeps their place and selection."""
        tiles = [Tile(item, refusals.get(item.id)) for item in items]
        if [t.item.id for t in tiles] == [t.item.id for t in self._tiles] and \
                all(self._filter.accepts(new.item) == self._filter.accepts(old.item)
                    for new, old in zip(tiles, self._tiles)):
            self._tiles = tiles
            self._apply_filter()
            if self._shown:
                self.dataChanged.emit(self.index(0), self.index(len(self._shown) - 1))
            return
        self.beginResetModel()
        self._tiles = tiles
        self._apply_filter()
        self.endResetModel()

    def set_refusals(self, refusals: dict[uuid.UUID, Refusal]) -> None:
        """Another member (or none): same items, new reasons; rows stay where they are."""
        self._tiles = [Tile(t.item, refusals.get(t.item.id)) for t in self._tiles]
        if self._shown:
            self.dataChanged.emit(self.index(0), self.index(len(self._shown) - 1))

    def set_filter(self, shelf_filter: ShelfFilter) -> None:
        self.beginResetModel()
        self._filter = shelf_filter
        self._apply_filter()
        self.endResetModel()

    def _apply_filter(self) -> None:
        accepts = self._filter.accepts
        self._shown = [n for n, tile in enumerate(self._tiles) if accepts(tile.item)]
        self._rows_by_sha = {}
        for row, n in enumerate(self._shown):
            sha = self._tiles[n].item.image_sha
            if sha:
                self._rows_by_sha.setdefault(sha, []).append(row)

    # -- reading -------------------------------------------------------------

    @property
    def shelf_filter(self) -> ShelfFilter:
        return self._filter

    def total(self) -> int:
        return len(self._tiles)

    def tile(self, row: int) -> Tile | None:
        return self._tiles[self._shown[row]] if 0 <= row < len(self._shown) else None

    def items(self) -> list[ItemView]:
        return [t.item for t in self._tiles]

    def row_of(self, item_id: uuid.UUID) -> int | None:
        for row, n in enumerate(self._shown):
            if self._tiles[n].item.id == item_id:
                return row
        return None

    def categories(self) -> list[str]:
        return sorted({t.item.category for t in self._tiles})

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        tile = self._tiles[self._shown[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return tile.item.name
        if role == TileRole.TILE:
            return tile
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.pixmap(tile.item.image_id, tile.item.image_sha)
        if role == TileRole.REASON:
            return error_text(tile.refusal) if tile.refusal is not None else ""
        if role == TileRole.ITEM_ID:
            return tile.item.id
        if role == Qt.ItemDataRole.ToolTipRole:
            reason = error_text(tile.refusal) if tile.refusal is not None else ""
            return "\n".join(part for part in (tile.item.name, tile.item.description, reason) if part)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def _thumbnails_loaded(self, shas: list[str]) -> None:
        for sha in shas:
            for row in self._rows_by_sha.get(sha, ()):
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
