"""A member's latest ledger entries: when, what, points +/-, balance after, reference.

A short list (the last ten or so) filled from ``EntryView`` rows; the full
ledger with paging belongs to the member page.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from pointsmall.ledger import EntryView

from .. import i18n
from ..models.ledger_table import kind_text

GAIN = QColor("#1E8E5A")
LOSS = QColor("#C0392B")


class RecentEntries(QTreeWidget):
    TIME, KIND, POINTS, BALANCE, REFERENCE = range(5)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recentEntries")
        self.setHeaderLabels([self.tr("Time"), self.tr("What"), self.tr("Points"), self.tr("Balance"),
                              self.tr("Reference / note")])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan box keeps the focus
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(self.TIME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.POINTS, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.BALANCE, QHeaderView.ResizeMode.ResizeToContents)
        for column in (self.POINTS, self.BALANCE):
            self.headerItem().setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def show_entries(self, entries: list[EntryView]) -> None:
        self.clear()
        for entry in entries:
            item = QTreeWidgetItem([
                i18n.moment(entry.occurred_at),
                self.kind_words(entry.kind),
                f"{'+' if entry.points > 0 else ''}{i18n.points(entry.points)}",
                i18n.points(entry.balance_after),
                self.reference_words(entry),
            ])
            for column in (self.POINTS, self.BALANCE):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setForeground(self.POINTS, QBrush(GAIN if entry.points > 0 else LOSS))
            self.addTopLevelItem(item)

    def kind_words(self, kind: str) -> str:
        return kind_text(kind)  # one wording for the counter and the member's full ledger

    def reference_words(self, entry: EntryView) -> str:
        parts = [p for p in (entry.reference, entry.reason_category or "", entry.note) if p]
        text = " · ".join(parts)
        if entry.expires_on is not None and entry.points > 0:
            expiry = self.tr("valid to {date}").format(date=i18n.day(entry.expires_on))
            text = f"{text} · {expiry}" if text else expiry
        return text
