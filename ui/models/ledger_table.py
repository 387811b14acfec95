"""A member's full ledger, newest first, read a page at a time as the view scrolls.

Pages are keyed on the member's entry ``seq`` (``ledger.entries_page``), so
the hundredth page costs what the first does. Entries never change, so a
refresh only has to start again from the newest.
"""
from __future__ import annotations

import enum
import uuid
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from pointsmall.ledger import EntryView

from .. import i18n
from ..context import AppContext
from ..ops import members as member_ops

Index = QModelIndex | QPersistentModelIndex


class LedgerColumn(enum.IntEnum):
    WHEN = 0
    KIND = 1
    POINTS = 2
    BALANCE = 3
    REASON = 4
    EXPIRES = 5


def kind_words() -> dict[str, str]:
    """Every ledger entry kind (``ledger.EntryKind``) in words; a test checks that none is missing."""
    return {
        "earn": QCoreApplication.translate("LedgerTableModel", "Purchase"),
        "adjust": QCoreApplication.translate("LedgerTableModel", "Adjustment"),
        "expire": QCoreApplication.translate("LedgerTableModel", "Expired"),
        "refund_reversal": QCoreApplication.translate("LedgerTableModel", "Refund"),
        "import": QCoreApplication.translate("LedgerTableModel", "Import"),
        "redeem": QCoreApplication.translate("LedgerTableModel", "Redemption"),
        "redeem_cancel": QCoreApplication.translate("LedgerTableModel", "Redemption cancelled"),
        "signin": QCoreApplication.translate("LedgerTableModel", "Sign-in"),
        "signin_makeup_cost": QCoreApplication.translate("LedgerTableModel", "Make-up sign-in"),
        "signin_bonus": QCoreApplication.translate("LedgerTableModel", "Sign-in bonus"),
        "wheel_cost": QCoreApplication.translate("LedgerTableModel", "Wheel spin"),
        "wheel_prize": QCoreApplication.translate("LedgerTableModel", "Wheel prize"),
        "task_reward": QCoreApplication.translate("LedgerTableModel", "Task reward"),
        "review_reversal": QCoreApplication.translate("LedgerTableModel", "Reversed after review"),
        "merge": QCoreApplication.translate("LedgerTableModel", "Account merge"),
    }


def kind_text(kind: str) -> str:
    """An entry's kind in words (the stored kind itself for one this client does not know yet)."""
    return kind_words().get(kind, kind)


def reason_text(category: str | None) -> str:
    """An adjustment's reason category in words (``adjustments.ReasonCategory``)."""
    if category is None:
        return ""
    words = {
        "goodwill": QCoreApplication.translate("LedgerTableModel", "Goodwill"),
        "correction": QCoreApplication.translate("LedgerTableModel", "Correction"),
        "promotion": QCoreApplication.translate("LedgerTableModel", "Promotion"),
        "migration": QCoreApplication.translate("LedgerTableModel", "Migration"),
        "other": QCoreApplication.translate("LedgerTableModel", "Other"),
        "merge": QCoreApplication.translate("LedgerTableModel", "Merge"),  # merge.py's two entries
    }
    return words.get(category, category)


class LedgerTableModel(QAbstractTableModel):
    def __init__(self, ctx: AppContext, member_id: uuid.UUID, parent: Any = None, *, page_size: int = 50) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.member_id = member_id
        self.page_size = page_size
        self._entries: list[EntryView] = []
        self._exhausted = False

    def refresh(self) -> None:
        """Start again from the newest entry (after this member's points changed)."""
        self.beginResetModel()
        self._entries = []
        self._exhausted = False
        self.endResetModel()
        # A view asks for more only when it lays itself out, which a reset of an empty table may not do.
        self.fetchMore(QModelIndex())

    def entry(self, row: int) -> EntryView | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(LedgerColumn)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802
        if parent.isValid() or self._exhausted:
            return
        before = self._entries[-1].seq if self._entries else None
        page = member_ops.entries_page_blocking(self.ctx, self.member_id, before, self.page_size)
        if len(page) < self.page_size:
            self._exhausted = True
        if not page:
            return
        first = len(self._entries)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._entries.extend(page)
        self.endInsertRows()

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(LedgerColumn):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                LedgerColumn.WHEN: self.tr("When"),
                LedgerColumn.KIND: self.tr("Type"),
                LedgerColumn.POINTS: self.tr("Points"),
                LedgerColumn.BALANCE: self.tr("Balance"),
                LedgerColumn.REASON: self.tr("Reason / note"),
                LedgerColumn.EXPIRES: self.tr("Expires"),
            }[LedgerColumn(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in (LedgerColumn.POINTS, LedgerColumn.BALANCE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None or not 0 <= index.column() < len(LedgerColumn):
            return None
        column = LedgerColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == LedgerColumn.REASON:
            return self._text(entry, column) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = column in (LedgerColumn.POINTS, LedgerColumn.BALANCE)
            horizontal = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == LedgerColumn.POINTS:
            return QColor("#15803D") if entry.points > 0 else QColor("#B42318")
        return None

    def _text(self, e: EntryView, column: LedgerColumn) -> str:
        if column == LedgerColumn.WHEN:
            return i18n.moment(e.occurred_at)
        if column == LedgerColumn.KIND:
            return kind_text(e.kind)
        if column == LedgerColumn.POINTS:
            return ("+" if e.points > 0 else "") + i18n.points(e.points)
        if column == LedgerColumn.BALANCE:
            return i18n.points(e.balance_after)
        if column == LedgerColumn.REASON:
            parts = [p for p in (reason_text(e.reason_category), e.note, e.reference) if p]
            return " · ".join(parts)
        return i18n.day(e.expires_on) if e.expires_on is not None else ""
