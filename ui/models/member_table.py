"""The members table: a model over member ids whose rows are fetched only when shown.

Like Anki's browser table, the model holds ids, not members. Ids arrive a
page at a time through ``fetchMore`` (keyset pagination in join order, never
OFFSET), so the table opens at once over a million members; the row data
(``members.summaries``) is read in small blocks only for rows a view asks
about, and a bounded number of rows is kept. A search replaces the ids with
its results (which come with their data); clearing it goes back to browsing.
"""
from __future__ import annotations

import enum
import uuid
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon

from pointsmall.members import MemberSummary
from pointsmall.tiers import TierView

from .. import i18n, icons
from ..context import AppContext
from ..ops import members as member_ops

Index = QModelIndex | QPersistentModelIndex
MEMBER_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ROLES = frozenset((_DISPLAY, _ALIGN, _FOREGROUND, _DECORATION, _TOOLTIP, MEMBER_ID_ROLE))
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_RED = QColor("#B42318")
_AMBER = QColor("#B45309")


class Column(enum.IntEnum):
    CARD = 0
    NAME = 1
    PHONE = 2
    TIER = 3
    BALANCE = 4
    STATUS = 5
    REVIEW = 6


_COLUMNS = len(Column)


class MemberTableModel(QAbstractTableModel):
    def __init__(self, ctx: AppContext, parent: Any = None, *, page_size: int = 200, block_size: int = 50,
                 cache_rows: int = 2000) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page_size = page_size
        self.block_size = block_size
        self.cache_rows = max(cache_rows, block_size * 2)
        self._ids: list[uuid.UUID] = []
        self._row_of: dict[uuid.UUID, int] = {}
        self._rows: OrderedDict[uuid.UUID, MemberSummary] = OrderedDict()
        self._exhausted = False
        self._searching = False
        self._tiers: dict[str, TierView] | None = None
        self._tier_colours: dict[str, QColor] = {}
        self._warning: QIcon | None = None
        self._words = {
            "active": self.tr("Active"),
            "frozen": self.tr("Frozen"),
            "merged": self.tr("Merged"),
            "review": self.tr("Review"),
            "review_tip": self.tr("A supervisor should look at this member's points"),
        }
        self.row_queries = 0  # how many times rows were read (tests and benchmarks look at it)

    # -- modes ------------------------------------------------------------

    @property
    def searching(self) -> bool:
        return self._searching

    def browse(self) -> None:
        """Back to all members in join order; the view pulls the first page through ``fetchMore``."""
        self.beginResetModel()
        self._set_ids([])
        self._rows.clear()
        self._exhausted = False
        self._searching = False
        self.endResetModel()
        self.fetchMore(QModelIndex())  # the first page at once, whether or not a view asks

    def show_results(self, results: list[MemberSummary]) -> None:
        """A search's matches, in the order the search ranked them."""
        self.beginResetModel()
        self._set_ids([s.id for s in results])
        self._rows = OrderedDict((s.id, s) for s in results)
        self._exhausted = True
        self._searching = True
        self.endResetModel()

    def member_id(self, row: int) -> uuid.UUID | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def summary(self, row: int) -> MemberSummary | None:
        """The row's member, read in a block with its neighbours when it is not cached."""
        member_id = self.member_id(row)
        if member_id is None:
            return None
        cached = self._rows.get(member_id)
        if cached is not None:
            self._rows.move_to_end(member_id)
            return cached
        self._load_block(row)
        return self._rows.get(member_id)

    # -- reacting to changes ------------------------------------------------

    def forget_member(self, member_id: uuid.UUID) -> None:
        """A member changed: drop the cached row so it is read again when shown."""
        self._rows.pop(member_id, None)
        row = self._row_of.get(member_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def members_added(self) -> None:
        """New members join at the end (ids sort by time): let the view fetch them."""
        if self._searching:
            return
        if self._exhausted:
            self._exhausted = False
            self.fetchMore(QModelIndex())

    def tiers_changed(self) -> None:
        self._tiers = None
        self._tier_colours = {}
        if self._ids:
            self.dataChanged.emit(self.index(0, Column.TIER), self.index(len(self._ids) - 1, Column.TIER))

    # -- Qt's model interface ------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(Column)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802
        if parent.isValid() or self._exhausted:
            return
        after = self._ids[-1] if self._ids else None
        page = member_ops.ids_page_blocking(self.ctx, after, self.page_size)
        if len(page) < self.page_size:
            self._exhausted = True
        if not page:
            return
        first = len(self._ids)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        for offset, member_id in enumerate(page):
            self._row_of[member_id] = first + offset
        self._ids.extend(page)
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers()[Column(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == Column.BALANCE:
            return _RIGHT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called a few thousand times per paint: plain ints and cached words and colours only.
        if role not in _ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not 0 <= row < len(self._ids) or not 0 <= column < _COLUMNS:
            return None
        if role == _ALIGN:
            return _RIGHT if column == Column.BALANCE else _LEFT
        if role == MEMBER_ID_ROLE:
            return self._ids[row]
        member = self.summary(row)
        if member is None:
            return None
        if role == _DISPLAY:
            return self._text(member, column)
        if role == _FOREGROUND:
            return self._colour(member, column)
        if column == Column.REVIEW and member.needs_review:
            return self._warning_icon() if role == _DECORATION else self._words["review_tip"]
        return None

    # -- cells ------------------------------------------------------------------------

    def _text(self, m: MemberSummary, column: int) -> str:
        if column == Column.CARD:
            return m.card_code
        if column == Column.NAME:
            return m.name
        if column == Column.PHONE:
            return m.phone
        if column == Column.TIER:
            return self._tier_name(m.tier_code)
        if column == Column.BALANCE:
            return i18n.points(m.balance)
        if column == Column.STATUS:
            return self._words.get(m.status, self._words["active"])
        return self._words["review"] if m.needs_review else ""

    def _colour(self, m: MemberSummary, column: int) -> QColor | None:
        if column == Column.STATUS and m.status in ("frozen", "merged"):
            return _RED
        if column == Column.REVIEW and m.needs_review:
            return _AMBER
        if column == Column.BALANCE and m.balance < 0:
            return _RED
        if column == Column.TIER:
            self._tier(m.tier_code)
            return self._tier_colours.get(m.tier_code)
        return None

    def _warning_icon(self) -> QIcon:
        if self._warning is None:
            self._warning = icons.icon("warning")
        return self._warning

    def _headers(self) -> dict[Column, str]:
        return {
            Column.CARD: self.tr("Card"),
            Column.NAME: self.tr("Name"),
            Column.PHONE: self.tr("Phone"),
            Column.TIER: self.tr("Tier"),
            Column.BALANCE: self.tr("Points"),
            Column.STATUS: self.tr("Status"),
            Column.REVIEW: self.tr("Review"),
        }

    def _tier(self, code: str) -> TierView | None:
        if self._tiers is None:
            self._tiers = {t.code: t for t in member_ops.tiers_blocking(self.ctx)}
            self._tier_colours = {}
            for t in self._tiers.values():
                colour = QColor(t.colour)
                if colour.isValid():
                    self._tier_colours[t.code] = colour.darker(135)  # tier colours are pale on white
        return self._tiers.get(code)

    def _tier_name(self, code: str) -> str:
        tier = self._tier(code)
        if tier is None:
            return code
        # Tier names are operator data in two languages, chosen by the client's language.
        return tier.name_zh if self.ctx.language.startswith("zh") else tier.name_en

    # -- the row cache --------------------------------------------------------------------

    def _set_ids(self, ids: list[uuid.UUID]) -> None:
        self._ids = ids
        self._row_of = {member_id: row for row, member_id in enumerate(ids)}

    def _load_block(self, row: int) -> None:
        start = row - row % self.block_size
        wanted = [i for i in self._ids[start:start + self.block_size] if i not in self._rows]
        self.row_queries += 1
        for summary in member_ops.summaries_blocking(self.ctx, wanted):
            self._rows[summary.id] = summary
        while len(self._rows) > self.cache_rows:
            self._rows.popitem(last=False)

    def cached_rows(self) -> int:
        return len(self._rows)
