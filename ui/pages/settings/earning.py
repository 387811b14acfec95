"""The Earning rules tab: base rate, point expiry, adjustment limit, largest purchase, in plain words."""
from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout
from qasync import asyncSlot

from pointsmall.rules import Rules
from pointsmall.staff import Permission

from ... import i18n
from ...context import AppContext
from ...head_office import hold_back
from ...ops import settings as ops
from . import formats
from .common import (MoneyEdit, SettingsTab, card, clear_error, error_label, form_layout, heading, hint,
                     mark_invalid, show_error, styled)


class EarningTab(SettingsTab):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx, "earningTab")
        self.rules = Rules()
        self.can_edit = ctx.can(Permission.RULES_CONFIGURE)
        self.words = QLabel(objectName="earnRuleText")
        self.words.setWordWrap(True)
        styled(self.words, heading=True)
        self.rate = QDoubleSpinBox(objectName="earnBaseRate")
        self.rate.setRange(0.001, 100.0)
        self.rate.setDecimals(3)
        self.rate.setSingleStep(0.1)
        self.rate.setSuffix(self.tr(" points per ¥1"))
        self.expiry = QSpinBox(objectName="earnExpiry")
        self.expiry.setRange(1, 120)
        self.expiry.setSuffix(self.tr(" months"))
        self.adjust_limit = QSpinBox(objectName="earnAdjustLimit")
        self.adjust_limit.setRange(0, 1_000_000)
        self.adjust_limit.setGroupSeparatorShown(True)
        self.adjust_limit.setSuffix(self.tr(" points"))
        self.max_purchase = MoneyEdit("earnMaxPurchase")
        self.error = error_label("earnError")
        self.done = hint("", "earnSaved")
        self.save_button = QPushButton(self.tr("Save rules"), objectName="earnSave")
        styled(self.save_button, primary=True)
        hold_back(self.ctx, "rules", self.save_button)
        self.fields = {"base_rate": self.rate, "expiry_months": self.expiry, "adjust_limit": self.adjust_limit,
                       "max_purchase_fen": self.max_purchase}
        self._layout()
        for spin in (self.rate, self.expiry, self.adjust_limit):
            spin.valueChanged.connect(self._describe)
        self.max_purchase.textChanged.connect(self._describe)
        self.max_purchase.returnPressed.connect(self.save)
        self.save_button.clicked.connect(self.save)

    def _layout(self) -> None:
        words = card("earnWordsCard")
        inner = QVBoxLayout(words)
        inner.addWidget(self.words)
        inner.addWidget(hint(self.tr(
            "Points for a purchase = amount × base rate × tier multiplier × any campaign multiplier, rounded down. "
            "Each purchase's points are a lot with its own expiry date; spending uses the soonest-expiring first.")))
        form_card = card("earnFormCard")
        form_card.setMaximumWidth(760)
        form = form_layout()
        form.addRow(self.tr("Base rate"), self.rate)
        form.addRow(self.tr("Points expire after"), self.expiry)
        form.addRow(self.tr("Adjustments need a second person above"), self.adjust_limit)
        form.addRow(self.tr("Largest purchase (¥)"), self.max_purchase)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.done)
        buttons.addWidget(self.save_button)
        inner_form = QVBoxLayout(form_card)
        inner_form.addWidget(heading(self.tr("Earning rules")))
        inner_form.addLayout(form)
        inner_form.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(12)
        layout.addWidget(self.load_error)
        layout.addWidget(words)
        layout.addWidget(form_card)
        if not self.can_edit:
            for widget in (*self.fields.values(), self.save_button):
                widget.setEnabled(False)
            self.save_button.hide()
            layout.addWidget(hint(self.tr("Only operators and administrators can change the earning rules."),
                                  "earnReadOnly"))
        layout.addStretch(1)

    async def fetch(self) -> Rules:
        return await ops.load_rules(self.ctx)

    def show_data(self, data: Rules) -> None:
        self.rules = data
        self.rate.setValue(self.rules.base_rate_permille / 1000)
        self.expiry.setValue(self.rules.expiry_months)
        self.adjust_limit.setValue(self.rules.adjust_limit)
        self.max_purchase.set_fen(self.rules.max_purchase_fen)
        clear_error(self.error, self.fields)
        self._describe()

    def _describe(self) -> None:
        rate = formats.permille(self.rate.value())
        earns = (self.tr("¥1 earns 1 point") if rate == 1000
                 else self.tr("¥1 earns {n} points").format(n=formats.thousandths(rate)))
        expiry = self.tr("points expire at the end of the {nth} month after they are earned.").format(
            nth=formats.ordinal(self.expiry.value()))
        lines = [earns + self.tr("; ") + expiry,
                 self.tr("Adjustments above {n} points need a second staff member's approval.").format(
                     n=i18n.points(self.adjust_limit.value()))]
        largest = self.max_purchase.fen()
        if largest is not None:
            lines.append(self.tr("A purchase above {amount} is refused as a likely typo.").format(
                amount=i18n.money_short(largest)))
        self.words.setText("\n".join(lines))

    def changes(self) -> dict[str, int] | None:
        clear_error(self.error, self.fields)
        largest = self.max_purchase.fen()
        if largest is None:
            self.error.setText(self.tr("Enter an amount like 1000 or 1000.50."))
            mark_invalid(self.max_purchase, True)
            self.max_purchase.setFocus()
            return None
        values = {"base_rate_permille": formats.permille(self.rate.value()), "expiry_months": self.expiry.value(),
                  "adjust_limit": self.adjust_limit.value(), "max_purchase_fen": largest}
        return {k: v for k, v in values.items() if getattr(self.rules, k) != v}

    @asyncSlot()
    async def save(self) -> None:
        if not self.can_edit or not self.save_button.isEnabled():
            return
        changes = self.changes()
        self.done.clear()
        if changes is None:
            return
        if not changes:
            self.done.setText(self.tr("Nothing changed."))
            return
        self.save_button.setEnabled(False)
        try:
            self.rules = await ops.update_rules(self.ctx, **changes)
        except Exception as exc:  # the core's refusal is shown under the form
            show_error(self.error, exc, self.fields)
            return
        finally:
            self.save_button.setEnabled(True)
        self.done.setText(self.tr("Saved."))
