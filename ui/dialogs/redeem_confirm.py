"""Confirming a redemption: the item, how many, what it costs, and the balance after.

The request id is made when the dialog opens, so pressing Confirm twice
(or a double click, or a retry after a lost answer) redeems once: the core
returns the first result for a request id it has seen. The quantity is
limited to what the member may take now (``redemption.quantity_limit``);
the core checks everything again when it redeems. A refusal is shown in the
dialog, and the dialog stays open.
"""
from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout,
                               QWidget)
from qasync import asyncSlot

from pointsmall.catalog import ItemView
from pointsmall.members import MemberView

from .. import i18n
from ..context import AppContext
from ..messages import error_text
from ..ops import mall as mall_ops
from ..tasks import Tasks


class RedeemDialog(QDialog):
    redeemed = Signal(object)  # RedemptionResult

    def __init__(self, ctx: AppContext, member: MemberView, item: ItemView, picture: QPixmap | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redeemDialog")
        self.setWindowTitle(self.tr("Redeem {item}").format(item=item.name))
        self.setMinimumWidth(500)
        self.ctx, self.member, self.item = ctx, member, item
        self.request_id = uuid.uuid4().hex  # one request per confirmation: never two redemptions for it
        self._busy = False
        self._max = 0
        self._tasks = Tasks(self)

        self.picture = QLabel(objectName="redeemPicture")
        self.picture.setFixedSize(112, 112)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if picture is not None and not picture.isNull():
            self.picture.setPixmap(picture.scaled(112, 112, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation))
        self.name = QLabel(item.name, objectName="redeemItemName")
        self.name.setWordWrap(True)
        self.for_member = QLabel(self.tr("For {name} ({phone})").format(name=member.name, phone=member.phone),
                                 objectName="redeemMember")
        self.unit = QLabel(self._unit_text(), objectName="redeemUnitPrice")
        self.unit.setProperty("hint", True)
        self.kind = QLabel(self._kind_text(), objectName="redeemKind")
        self.kind.setVisible(bool(self.kind.text()))

        self.quantity = QSpinBox(objectName="redeemQuantity")
        self.quantity.setRange(1, 1)
        self.quantity.setEnabled(False)
        self.quantity.setMinimumWidth(110)
        self.limit = QLabel(self.tr("Checking the limits…"), objectName="redeemLimit")
        self.limit.setProperty("hint", True)
        self.cost = QLabel(objectName="redeemCost")
        self.cash = QLabel(objectName="redeemCash")
        self.balance = QLabel(i18n.points(member.balance), objectName="redeemBalance")
        self.after = QLabel(objectName="redeemBalanceAfter")
        for value in (self.cost, self.cash, self.balance, self.after):
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.error = QLabel(objectName="redeemError")
        self.error.setProperty("error", True)
        self.error.setWordWrap(True)
        self.error.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.addButton(self.tr("Confirm redemption"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setObjectName("redeemConfirm")
        self.confirm.setDefault(True)
        self.confirm.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))

        self._build_layout()
        self.quantity.valueChanged.connect(self._show_cost)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._show_cost()
        self._tasks.start("limit", self._load_limit())

    def _build_layout(self) -> None:
        head_text = QVBoxLayout()
        head_text.setSpacing(4)
        head_text.addWidget(self.name)
        head_text.addWidget(self.unit)
        head_text.addWidget(self.kind)
        head_text.addWidget(self.for_member)
        head_text.addStretch(1)
        head = QHBoxLayout()
        head.setSpacing(16)
        head.addWidget(self.picture)
        head.addLayout(head_text, 1)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(8)
        quantity_label = QLabel(self.tr("Quantity"))
        quantity_label.setBuddy(self.quantity)
        grid.addWidget(quantity_label, 0, 0)
        spin_row = QHBoxLayout()
        spin_row.addWidget(self.limit, 1)
        spin_row.addWidget(self.quantity)
        grid.addLayout(spin_row, 0, 1)
        grid.addWidget(QLabel(self.tr("Points to pay")), 1, 0)
        grid.addWidget(self.cost, 1, 1)
        self.cash_label = QLabel(self.tr("Cash to pay at the till"))
        grid.addWidget(self.cash_label, 2, 0)
        grid.addWidget(self.cash, 2, 1)
        grid.addWidget(QLabel(self.tr("Balance now")), 3, 0)
        grid.addWidget(self.balance, 3, 1)
        grid.addWidget(QLabel(self.tr("Balance after")), 4, 0)
        grid.addWidget(self.after, 4, 1)
        grid.setColumnStretch(1, 1)
        self.cash_label.setVisible(bool(self.item.cash_fen))
        self.cash.setVisible(bool(self.item.cash_fen))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(16)
        layout.addLayout(head)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _unit_text(self) -> str:
        price = self.tr("{points} points each").format(points=i18n.points(self.item.price_points))
        if self.item.cash_fen:
            price += " + " + i18n.money(self.item.cash_fen)
        return price

    def _kind_text(self) -> str:
        item = self.item
        if item.kind == "coupon" and item.face_value_fen and item.validity_days:
            return self.tr("Coupon worth {value}, valid for {days} days").format(
                value=i18n.money_short(item.face_value_fen), days=item.validity_days)
        if item.kind == "service":
            return self.tr("Service")
        return ""

    async def _load_limit(self) -> None:
        try:
            limit = await mall_ops.quantity_limit(self.ctx, self.member.id, self.item.id)
        except Exception as exc:  # shown in the dialog, never swallowed
            self._show_error(error_text(exc))
            self.limit.clear()
            return
        if limit < 1:
            self.limit.setText(self.tr("Cannot be redeemed now"))
            self.confirm.setEnabled(False)
            return
        self._max = limit
        self.quantity.setRange(1, limit)
        self.quantity.setEnabled(True)
        self.limit.setText(self.tr("at most {n} now").format(n=i18n.points(limit)))
        self.confirm.setEnabled(True)
        self.confirm.setFocus()

    def _show_cost(self) -> None:
        n = self.quantity.value()
        cost = self.item.price_points * n
        self.cost.setText(i18n.points(cost))
        self.cash.setText(i18n.money(self.item.cash_fen * n))
        after = self.member.balance - cost
        self.after.setText(i18n.points(after))
        self.after.setProperty("negative", after < 0)
        self.after.style().unpolish(self.after)
        self.after.style().polish(self.after)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    @asyncSlot()
    async def submit(self) -> None:
        if self._busy or not self.confirm.isEnabled():
            return
        self._busy = True
        self.confirm.setEnabled(False)
        self.quantity.setEnabled(False)  # the request id stands for this quantity now
        self._show_error("")
        try:
            result = await mall_ops.redeem(self.ctx, self.member.id, self.item.id, self.quantity.value(),
                                           self.request_id)
        except Exception as exc:  # every refusal is shown here, the dialog stays open
            self._show_error(error_text(exc))
            self.confirm.setEnabled(True)
            # A refused request recorded nothing, so another quantity is a fresh request (the core
            # refuses to reuse a request id that was recorded for different values).
            self.quantity.setEnabled(self._max >= 1)
            return
        finally:
            self._busy = False
        self.redeemed.emit(result)
        self.accept()

    def done(self, result: int) -> None:
        if self._busy:
            return  # the redemption is on its way: wait for its answer rather than lose it
        self._tasks.cancel_all()
        super().done(result)
