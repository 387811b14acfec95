"""The wheel editor's expected-cost panel: what one spin costs the store, as the operator types.

The figures are the core's (``wheel_setup.expected_cost``): the expected
payout of one spin in points, the payout ratio against the spin's cost, the
share of spins that win (pity counter included), how many spins the budget
left pays for, and the core's warning when that is fewer than the spins the
operator expects. Each segment's chance is its weight over the total.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from pointsmall.wheel_setup import PrizeKind, WheelDraft, expected_cost

from .. import i18n
from ..messages import error_text
from ..pages.settings.common import heading, hint, styled
from .wheel_segments import colour_icon

GREY = QColor("#94A3B8")  # a segment with no weight is never drawn
TEXT = QColor("#1F2937")


def percent(share: float) -> str:
    """0.1234 -> "12.3%"; tiny non-zero shares are never shown as 0."""
    if share <= 0:
        return "0%"
    if share < 0.001:
        return "<0.1%"
    return f"{share * 100:.1f}%"


class ExpectedCostPanel(QFrame):
    """A card beside the wheel editor's form."""

    def __init__(self) -> None:
        super().__init__(objectName="expectedCostCard")
        styled(self, card=True)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.title = heading(self.tr("What a spin costs"), "expectedCostTitle")
        self.per_spin = QLabel(objectName="expectedPerSpin")
        styled(self.per_spin, heading=True)
        self.per_spin.setWordWrap(True)
        self.ratio = QLabel(objectName="expectedRatio")
        self.ratio.setWordWrap(True)
        self.chance = QLabel(objectName="expectedChance")
        self.chance.setWordWrap(True)
        self.budget = QLabel(objectName="expectedBudget")
        self.budget.setWordWrap(True)
        self.warning = QLabel(objectName="expectedWarning")
        self.warning.setWordWrap(True)
        styled(self.warning, error=True)
        self.table = QTableWidget(0, 3, objectName="expectedSegments")
        self.table.setHorizontalHeaderLabels([self.tr("Segment"), self.tr("Chance"), self.tr("Value")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.note = hint(self.tr("Exact for the weights and the pity counter; stock running out moves spins to the "
                                 "fallback, so the real cost can only be lower."), "expectedNote")
        for widget in (self.title, self.per_spin, self.ratio, self.chance, self.budget, self.warning):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)

    def show_draft(self, draft: WheelDraft, *, spent: int = 0, expected_spins: int | None = None) -> None:
        cost = expected_cost(draft, expected_spins=expected_spins, spent=spent)
        self.per_spin.setText(self.tr("About {points} points paid out per spin").format(points=f"{cost.per_spin:.1f}"))
        if cost.payout_ratio is None:
            self.ratio.setText(self.tr("Spins are free: every prize is a cost to the store."))
            styled(self.ratio, error=False)
        else:
            self.ratio.setText(self.tr("Payout ratio {ratio} of the {cost}-point spin cost").format(
                ratio=percent(cost.payout_ratio), cost=i18n.points(draft.cost_points)))
            if cost.payout_ratio > 1:
                self.ratio.setText(self.ratio.text() + " " + self.tr("(pays out more than it takes in)"))
            styled(self.ratio, error=cost.payout_ratio > 1)
        self.chance.setText(self.tr("{share} of spins win a prize (pity counter included)").format(
            share=percent(cost.prize_chance)))
        if draft.budget is None:
            self.budget.setText(self.tr("No budget: prizes are limited only by their stock."))
        elif cost.spins_budget_pays is None:
            self.budget.setText(self.tr("Budget {left} points left; no spin costs the budget anything.").format(
                left=i18n.points(max(0, draft.budget - spent))))
        else:
            self.budget.setText(self.tr("The budget left ({left} points) pays for about {spins} spins.").format(
                left=i18n.points(max(0, draft.budget - spent)), spins=i18n.points(cost.spins_budget_pays)))
        self.warning.setText(error_text(cost.warning) if cost.warning is not None else "")
        self.warning.setVisible(cost.warning is not None)
        self._segments(draft)

    def _segments(self, draft: WheelDraft) -> None:
        """Each segment's chance; the cells are changed in place (a new item per keystroke cost 5 ms)."""
        total = sum(max(0, s.weight) for s in draft.segments)
        self.table.setRowCount(len(draft.segments))
        for row, seg in enumerate(draft.segments):
            share = seg.weight / total if total > 0 else 0.0
            worth = seg.points if seg.prize == PrizeKind.POINTS.value else (
                0 if seg.prize == PrizeKind.NOTHING.value else seg.value_points)
            texts = (seg.label.strip() or "—", percent(share),
                     i18n.points(worth) if seg.prize != PrizeKind.NOTHING.value else "—")
            colour = QBrush(GREY if seg.weight == 0 else TEXT)
            for column, text in enumerate(texts):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    if column:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)
                if item.foreground() != colour:
                    item.setForeground(colour)
            name = self.table.item(row, 0)
            if name.data(Qt.ItemDataRole.UserRole) != seg.colour:
                name.setData(Qt.ItemDataRole.UserRole, seg.colour)
                name.setIcon(colour_icon(seg.colour))
