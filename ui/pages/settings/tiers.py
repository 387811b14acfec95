"""The Tiers tab: what the tier basis is, the tiers' benefits side by side, and (for operators) their editor.

Staff were confused in peer systems about whether tiers follow the balance,
lifetime points or recent spend, so the basis and the rolling window are
written out in plain words at the top of the tab.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout)
from qasync import asyncSlot

from pointsmall.rules import Rules
from pointsmall.staff import Permission
from pointsmall.tiers import TierView

from ... import icons
from ...context import AppContext
from ...head_office import hold_back
from ...ops import settings as ops
from . import formats
from .common import SettingsTab, card, clear_error, error_label, hint, show_error, styled, swatch
from .tier_editor import TierEditor


class TiersTab(SettingsTab):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "tiersTab")
        self.tiers: list[TierView] = []
        self.rules = Rules()
        self.can_edit = ctx.can(Permission.TIER_CONFIGURE)
        self.can_edit_basis = ctx.can(Permission.RULES_CONFIGURE)
        self.basis_text = QLabel(objectName="tierBasisText")
        self.basis_text.setWordWrap(True)
        styled(self.basis_text, heading=True)
        self.basis_more = hint(self.tr(
            "A member moves up the moment their growth reaches the next tier's threshold. Once a month, a member "
            "whose growth has fallen below their tier's retention figure (保级) moves down one tier."),
            "tierBasisMore")
        self.table = QTableWidget(0, 8, objectName="tierTable")
        self.table.setHorizontalHeaderLabels([
            self.tr("Tier"), self.tr("Threshold"), self.tr("Retention"), self.tr("Discount"),
            self.tr("Points"), self.tr("Member events"), self.tr("Benefits"), self.tr("Colour")])
        self.table.setIconSize(QSize(32, 32))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)
        self.editor = TierEditor(ctx) if self.can_edit else None
        self._layout()
        if self.editor is not None:
            self.table.itemSelectionChanged.connect(self._selected)

    def _layout(self) -> None:
        basis = card("tierBasisCard")
        inner = QVBoxLayout(basis)
        inner.addWidget(self.basis_text)
        inner.addWidget(self.basis_more)
        if self.can_edit_basis:
            inner.addLayout(self._basis_form())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(12)
        layout.addWidget(self.load_error)
        layout.addWidget(basis)
        layout.addWidget(self.table)
        if self.editor is not None:
            box = card("tierEditorCard")
            QVBoxLayout(box).addWidget(self.editor)
            layout.addWidget(box)
        else:
            layout.addWidget(hint(self.tr("Only operators and administrators can change tiers."), "tierReadOnly"))
        layout.addStretch(1)

    def _basis_form(self) -> QHBoxLayout:
        self.basis = QComboBox(objectName="tierBasis")
        self.basis.addItem(self.tr("Spend (¥)"), "spend")
        self.basis.addItem(self.tr("Points earned"), "points")
        self.window = QSpinBox(objectName="tierWindow")
        self.window.setRange(1, 60)
        self.window.setSuffix(self.tr(" months"))
        self.basis_save = QPushButton(self.tr("Save basis"), objectName="tierBasisSave")
        hold_back(self.ctx, "rules", self.basis_save)
        self.basis_error = error_label("tierBasisError")
        self.basis_warning = hint("", "tierBasisWarning")
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Growth counts")))
        row.addWidget(self.basis)
        row.addWidget(QLabel(self.tr("over the last")))
        row.addWidget(self.window)
        row.addWidget(self.basis_save)
        row.addWidget(self.basis_warning, 1)
        row.addWidget(self.basis_error, 1)
        self.basis.currentIndexChanged.connect(self._basis_edited)
        self.basis_save.clicked.connect(self.save_basis)
        return row

    async def fetch(self) -> ops.TierSettings:
        return await ops.load_tiers(self.ctx)

    def show_data(self, data: ops.TierSettings) -> None:
        self.tiers, self.rules = data.tiers, data.rules
        self._show_basis()
        self._fill_table()

    def _show_basis(self) -> None:
        months = self.rules.tier_window_months
        if self.rules.tier_basis == "spend":
            text = self.tr("Tier follows spend over the last {n} months; never the points balance.")
        else:
            text = self.tr("Tier follows points earned over the last {n} months; never the points balance.")
        self.basis_text.setText(text.format(n=months))
        if self.can_edit_basis:
            self.basis.blockSignals(True)
            self.basis.setCurrentIndex(max(0, self.basis.findData(self.rules.tier_basis)))
            self.basis.blockSignals(False)
            self.window.setValue(months)
            self.basis_warning.clear()

    def _fill_table(self) -> None:
        selected = self._selected_code()
        language, basis = self.ctx.language, self.rules.tier_basis
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.tiers))
        for row, tier in enumerate(self.tiers):
            events = (self.tr("{n} a month").format(n=tier.monthly_events) if tier.monthly_events
                      else self.tr("none"))
            cells = [formats.tier_name(tier, language), formats.growth(tier.threshold, basis),
                     formats.growth(tier.retention, basis), formats.discount(tier.discount_pct),
                     formats.multiplier(tier.multiplier_permille), events, formats.tier_benefits(tier, language),
                     tier.colour]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, tier.code)
                if column in (1, 2, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
            self.table.item(row, 0).setIcon(icons.badge(tier.badge, 32))
            self.table.item(row, 7).setIcon(swatch(tier.colour, 18))
        rows_height = sum(self.table.rowHeight(r) for r in range(len(self.tiers)))
        self.table.setFixedHeight(self.table.horizontalHeader().height() + rows_height + 4)
        codes = [t.code for t in self.tiers]
        self.table.selectRow(codes.index(selected) if selected in codes else 0)
        self.table.blockSignals(False)
        if self.editor is not None:
            self._selected()

    def _selected_code(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selected(self) -> None:
        assert self.editor is not None
        code = self._selected_code()
        tier = next((t for t in self.tiers if t.code == code), None)
        if tier is not None:
            self.editor.load(tier, self.rules.tier_basis)

    def _basis_edited(self) -> None:
        changed = self.basis.currentData() != self.rules.tier_basis
        self.basis_warning.setText(self.tr("Thresholds keep their numbers when the basis changes: review them below.")
                                   if changed else "")

    @asyncSlot()
    async def save_basis(self) -> None:
        clear_error(self.basis_error)
        self.basis_save.setEnabled(False)
        try:
            await ops.update_rules(self.ctx, tier_basis=self.basis.currentData(),
                                   tier_window_months=self.window.value())
        except Exception as exc:  # shown beside the basis form
            show_error(self.basis_error, exc)
        finally:
            self.basis_save.setEnabled(True)

