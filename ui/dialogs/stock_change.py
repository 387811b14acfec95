"""Recording a stock change for one item: a restock, a write-off or a count correction.

Each is a stock entry with a reason (``catalog.record_stock``), like a
ledger entry for points. The dialog reads the number of pieces and the
reason and shows the stock the change will leave; whether the change is
allowed (a reason given, never below zero) is the core's decision, shown
next to the field it is about. The dialog closes only when the change was
recorded.
"""
from __future__ import annotations

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from qasync import asyncSlot

from pointsmall.catalog import ItemView, StockKind
from pointsmall.errors import ValidationError

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..ops import catalog as catalog_ops
from .catalog_numbers import NotANumber, parse_whole
from .catalog_style import catalog_style_sheet
from .fields import FieldGrid

FIELDS = ("quantity", "reason")


class StockChangeDialog(QDialog):
    recorded = Signal(object)  # ItemView after the change

    def __init__(self, ctx: AppContext, item: ItemView, kind: StockKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stockChangeDialog")
        self.ctx = ctx
        self.item = item
        self.kind = kind
        self.setStyleSheet(catalog_style_sheet())
        self.setMinimumWidth(480)
        titles = {
            StockKind.RESTOCK: self.tr("Restock — {name}"),
            StockKind.WRITE_OFF: self.tr("Write off — {name}"),
            StockKind.CORRECTION: self.tr("Count correction — {name}"),
        }
        self.setWindowTitle(titles[kind].format(name=item.name))
        explanations = {
            StockKind.RESTOCK: self.tr("Pieces received into stock."),
            StockKind.WRITE_OFF: self.tr("Pieces taken out of stock: damaged, lost or expired."),
            StockKind.CORRECTION: self.tr("After counting the shelf: the difference found, e.g. 3 more or -2 "
                                          "fewer than the system shows."),
        }
        heading = QLabel(titles[kind].format(name=item.name), objectName="stockChangeTitle")
        heading.setProperty("heading", True)
        heading.setWordWrap(True)
        explanation = QLabel(explanations[kind], objectName="stockChangeExplanation")
        explanation.setProperty("hint", True)
        explanation.setWordWrap(True)
        self.quantity = QLineEdit(objectName="stockQuantity")
        self.quantity.setMaxLength(10)
        self.quantity.setPlaceholderText(self.tr("e.g. -2 or 3") if kind is StockKind.CORRECTION
                                         else self.tr("e.g. 10"))
        self.preview = QLabel(objectName="stockPreview")
        self.preview.setProperty("hint", True)
        self.reason = QLineEdit(objectName="stockReason")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText({
            StockKind.RESTOCK: self.tr("e.g. delivery note 2024-118"),
            StockKind.WRITE_OFF: self.tr("e.g. packaging damaged"),
            StockKind.CORRECTION: self.tr("e.g. monthly count"),
        }[kind])
        self.errors = {f: self._error_label(f) for f in FIELDS}
        self.general = self._error_label("general")

        form = FieldGrid()
        form.add_field(self.tr("Pieces"), self.quantity, self.preview, self.errors["quantity"])
        form.add_field(self.tr("Reason"), self.reason, self.errors["reason"])
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        labels = {StockKind.RESTOCK: self.tr("Restock"), StockKind.WRITE_OFF: self.tr("Write off"),
                  StockKind.CORRECTION: self.tr("Correct stock")}
        self.ok = self.buttons.addButton(labels[kind], QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("stockSave")
        self.ok.setDefault(True)
        if kind is StockKind.WRITE_OFF:
            self.ok.setProperty("danger", True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(explanation)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addStretch()
        layout.addWidget(self.buttons)
        self.setTabOrder(self.quantity, self.reason)
        self.setTabOrder(self.reason, self.ok)

        self.quantity.textChanged.connect(self._quantity_changed)
        self.quantity.textEdited.connect(lambda _t: self._clear("quantity"))
        self.reason.textEdited.connect(lambda _t: self._clear("reason"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._quantity_changed()
        self.quantity.setFocus()

    def _error_label(self, field: str) -> QLabel:
        label = QLabel(objectName=f"stockError_{field}")
        label.setProperty("error", True)
        label.setWordWrap(True)
        label.hide()
        return label

    def _clear(self, field: str) -> None:
        self.errors[field].hide()
        self.general.hide()

    def signed_quantity(self) -> int | None:
        """The change as the core will record it (a write-off takes away); None when not a number."""
        try:
            value = parse_whole(self.quantity.text(), signed=self.kind is StockKind.CORRECTION)
        except NotANumber:
            return None
        if value is None:
            return None
        return -abs(value) if self.kind is StockKind.WRITE_OFF else value

    def _quantity_changed(self) -> None:
        change = self.signed_quantity()
        now = i18n.points(self.item.stock)
        if change is None or change == 0:
            self.preview.setText(self.tr("In stock now: {now}").format(now=now))
        else:
            self.preview.setText(self.tr("In stock now: {now} → after this change: {after}").format(
                now=now, after=i18n.points(self.item.stock + change)))

    @asyncSlot()
    async def submit(self) -> None:
        for label in (*self.errors.values(), self.general):
            label.hide()
        try:
            quantity = parse_whole(self.quantity.text(), signed=self.kind is StockKind.CORRECTION)
        except NotANumber:
            self._show("quantity", self.tr("Type a whole number of pieces, like 10."))
            return
        self.ok.setEnabled(False)
        try:
            view = await catalog_ops.record_stock(self.ctx, self.item.id, self.kind, quantity or 0,
                                                  self.reason.text())
        except Exception as exc:  # a refusal next to its field, anything else below the form; never swallowed
            if shiboken6.isValid(self):
                self.ok.setEnabled(True)
                field = exc.field if isinstance(exc, ValidationError) and exc.field in FIELDS else "general"
                self._show(field, error_text(exc))
            return
        if not shiboken6.isValid(self):
            return  # closed meanwhile; the change is announced by catalog_changed all the same
        self.ok.setEnabled(True)
        self.recorded.emit(view)
        self.accept()

    def _show(self, field: str, text: str) -> None:
        label = self.general if field == "general" else self.errors[field]
        label.setText(text)
        label.show()
        if field in FIELDS:
            (self.quantity if field == "quantity" else self.reason).setFocus()
