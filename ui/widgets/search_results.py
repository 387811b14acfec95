"""Members matching a last-four or name search, to pick one from.

The list never takes the focus: the scan box moves its selection with the
arrow keys and Enter picks the selected row; a click picks too.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QGraphicsDropShadowEffect, QHeaderView, QTreeWidget,
                               QTreeWidgetItem, QWidget)

from pointsmall.members import MemberSummary

from .. import i18n

VISIBLE_ROWS = 6


class SearchResults(QTreeWidget):
    picked = Signal(object)  # MemberSummary

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchResults")
        self.setHeaderLabels([self.tr("Name"), self.tr("Phone"), self.tr("Card"), self.tr("Points")])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.headerItem().setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        shadow = QGraphicsDropShadowEffect(self)
        shadow.setBlurRadius(24)
        shadow.setOffset(0, 6)
        shadow.setColor(QColor(15, 23, 42, 70))
        self.setGraphicsEffect(shadow)
        self._members: list[MemberSummary] = []
        self.itemClicked.connect(lambda item, _column: self.picked.emit(self._members[self.indexOfTopLevelItem(item)]))

    def show_members(self, members: list[MemberSummary]) -> None:
        self.clear()
        self._members = list(members)
        for member in members:
            name = member.name if member.status == "active" else (
                self.tr("{name} (merged)") if member.status == "merged" else self.tr("{name} (frozen)")).format(
                name=member.name)
            item = QTreeWidgetItem([name, member.phone, member.card_code, i18n.points(member.balance)])
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.addTopLevelItem(item)
        if members:
            self.setCurrentItem(self.topLevelItem(0))
        rows = min(len(members), VISIBLE_ROWS)
        row_height = self.sizeHintForRow(0) if members else 24
        self.setFixedHeight(self.header().sizeHint().height() + rows * row_height + 6)
        self.setVisible(bool(members))
        if members:
            self.raise_()

    def step(self, delta: int) -> None:
        if not self._members:
            return
        row = self.indexOfTopLevelItem(self.currentItem()) if self.currentItem() else -1
        row = max(0, min(len(self._members) - 1, row + delta))
        self.setCurrentItem(self.topLevelItem(row))

    def current_member(self) -> MemberSummary | None:
        item = self.currentItem()
        return self._members[self.indexOfTopLevelItem(item)] if item is not None and self._members else None

    def dismiss(self) -> None:
        self.clear()
        self._members = []
        self.hide()
