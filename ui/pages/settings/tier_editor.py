"""The form that edits one tier: names, threshold and retention, discount, multiplier, events, colour.

Only the fields that changed are sent to ``tiers.update_tier``; the core
checks the whole ladder (thresholds rising, retention below threshold...)
and its refusal is shown under the form, with the field it is about outlined.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QColorDialog, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget)
from qasync import asyncSlot

from pointsmall.tiers import TierView

from ...context import AppContext
from ...head_office import hold_back
from ...ops import settings as ops
from . import formats
from .common import MoneyEdit, clear_error, error_label, heading, hint, mark_invalid, show_error, styled, swatch


class GrowthEdit(MoneyEdit):
    """A threshold or retention figure: yuan on the spend basis, whole points on the points basis."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.basis = "spend"

    def set_basis(self, basis: str) -> None:
        self.basis = basis
        self.setPlaceholderText("¥" if basis == "spend" else self.tr("points"))

    def value(self) -> int | None:
        if self.basis == "spend":
            return self.fen()
        text = self.text().strip().replace(",", "")
        return int(text) if text.isdigit() and len(text) <= 12 else None

    def set_value(self, value: int) -> None:
        self.setText(formats.money_input(value) if self.basis == "spend" else str(value))


class TierEditor(QWidget):
    saved = Signal(object)  # TierView

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(objectName="tierEditor")
        self.ctx = ctx
        self.tier: TierView | None = None
        self.title = heading(self.tr("Choose a tier above to edit it"), "tierEditorTitle")
        self.name_zh = QLineEdit(objectName="tierNameZh")
        self.name_en = QLineEdit(objectName="tierNameEn")
        self.threshold = GrowthEdit("tierThreshold")
        self.retention = GrowthEdit("tierRetention")
        self.discount = QSpinBox(objectName="tierDiscount")
        self.discount.setRange(1, 100)
        self.discount.setSuffix(" %")
        self.discount_words = QLabel(objectName="tierDiscountWords")
        self.multiplier = QDoubleSpinBox(objectName="tierMultiplier")
        self.multiplier.setRange(0.1, 20.0)
        self.multiplier.setDecimals(2)
        self.multiplier.setSingleStep(0.1)
        self.multiplier.setSuffix(" ×")
        self.events = QSpinBox(objectName="tierEvents")
        self.events.setRange(0, 99)
        self.colour = QLineEdit(objectName="tierColour")
        self.colour.setMaxLength(7)
        self.colour_button = QToolButton(objectName="tierColourPick")
        self.colour_button.setToolTip(self.tr("Pick a colour"))
        self.benefits_zh = QLineEdit(objectName="tierBenefitsZh")
        self.benefits_en = QLineEdit(objectName="tierBenefitsEn")
        self.error = error_label("tierError")
        self.done = hint("", "tierSaved")
        self.save_button = QPushButton(self.tr("Save tier"), objectName="tierSave")
        styled(self.save_button, primary=True)
        hold_back(self.ctx, "tiers", self.save_button)
        self.fields = {"name": self.name_zh, "threshold": self.threshold, "retention": self.retention,
                       "discount_pct": self.discount, "multiplier_permille": self.multiplier, "colour": self.colour}
        self._layout()
        self.discount.valueChanged.connect(self._discount_words)
        self.colour.textChanged.connect(self._colour_changed)
        self.colour_button.clicked.connect(self._pick_colour)
        self.save_button.clicked.connect(self.save)
        for edit in (self.name_zh, self.name_en, self.threshold, self.retention, self.colour, self.benefits_zh,
                     self.benefits_en):
            edit.returnPressed.connect(self.save)
        self.setEnabled(False)

    def _layout(self) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        discount = QHBoxLayout()
        discount.addWidget(self.discount, 1)
        discount.addWidget(self.discount_words, 1)
        colour = QHBoxLayout()
        colour.addWidget(self.colour, 1)
        colour.addWidget(self.colour_button)
        rows = [
            (self.tr("Name (中文)"), self.name_zh, self.tr("Name (English)"), self.name_en),
            (self.tr("Threshold"), self.threshold, self.tr("Retention (保级)"), self.retention),
            (self.tr("Price paid"), discount, self.tr("Points multiplier"), self.multiplier),
            (self.tr("Member events a month"), self.events, self.tr("Colour"), colour),
            (self.tr("Benefits (中文)"), self.benefits_zh, self.tr("Benefits (English)"), self.benefits_en),
        ]
        for row, (left, left_field, right, right_field) in enumerate(rows):
            grid.addWidget(QLabel(left), row, 0)
            _add(grid, left_field, row, 1)
            grid.addWidget(QLabel(right), row, 2)
            _add(grid, right_field, row, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.done)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(grid)
        layout.addLayout(buttons)

    def load(self, tier: TierView, basis: str) -> None:
        """Show a tier's stored values (also after a save, when the tab reloads)."""
        self.tier = tier
        self.setEnabled(True)
        self.title.setText(self.tr("Edit tier: {name}").format(name=formats.tier_name(tier, self.ctx.language)))
        self.name_zh.setText(tier.name_zh)
        self.name_en.setText(tier.name_en)
        for edit, value in ((self.threshold, tier.threshold), (self.retention, tier.retention)):
            edit.set_basis(basis)
            edit.set_value(value)
        self.discount.setValue(tier.discount_pct)
        self.multiplier.setValue(tier.multiplier_permille / 1000)
        self.events.setValue(tier.monthly_events)
        self.colour.setText(tier.colour)
        self.benefits_zh.setText(tier.benefits_zh)
        self.benefits_en.setText(tier.benefits_en)
        self._discount_words(tier.discount_pct)
        clear_error(self.error, self.fields)

    def _discount_words(self, pct: int) -> None:
        self.discount_words.setText("= " + formats.discount(pct))

    def _colour_changed(self, text: str) -> None:
        self.colour_button.setIcon(swatch(text, 18))

    def _pick_colour(self) -> None:
        dialog = QColorDialog(QColor(self.colour.text()), self)
        dialog.setObjectName("tierColourDialog")
        dialog.colorSelected.connect(lambda c: self.colour.setText(c.name().upper()))
        dialog.open()

    def changes(self) -> dict[str, object] | None:
        """The fields that differ from the stored tier; None (with the field marked) when one can't be read."""
        assert self.tier is not None
        clear_error(self.error, self.fields)
        values: dict[str, object] = {
            "name_zh": self.name_zh.text().strip(), "name_en": self.name_en.text().strip(),
            "discount_pct": self.discount.value(), "multiplier_permille": formats.permille(self.multiplier.value()),
            "monthly_events": self.events.value(), "colour": self.colour.text().strip(),
            "benefits_zh": self.benefits_zh.text().strip(), "benefits_en": self.benefits_en.text().strip(),
        }
        for name, edit in (("threshold", self.threshold), ("retention", self.retention)):
            value = edit.value()
            if value is None:
                self.error.setText(self.tr("Enter an amount like 1000 or 1000.50.") if edit.basis == "spend"
                                   else self.tr("Enter a whole number of points."))
                mark_invalid(edit, True)
                edit.setFocus()
                return None
            values[name] = value
        return {k: v for k, v in values.items() if getattr(self.tier, k) != v}

    @asyncSlot()
    async def save(self) -> None:
        if self.tier is None or not self.save_button.isEnabled():
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
            view = await ops.update_tier(self.ctx, self.tier.code, **changes)
        except Exception as exc:  # the core's refusal is shown beside the form
            show_error(self.error, exc, self.fields)
            return
        finally:
            self.save_button.setEnabled(True)
        self.tier = view
        self.done.setText(self.tr("Saved."))
        self.saved.emit(view)


def _add(grid: QGridLayout, item: QWidget | QHBoxLayout, row: int, column: int) -> None:
    if isinstance(item, QWidget):
        grid.addWidget(item, row, column)
    else:
        grid.addLayout(item, row, column)
