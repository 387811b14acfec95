"""The voucher a redemption produced: its code in big type, its QR code, and the slip.

The code is shown in its display form (K7MQ-9XH2-TD4R) so the member can
read it out or photograph it; the slip can be previewed and printed on the
80 mm receipt printer or saved as a PDF.
"""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from pointsmall import vouchers
from pointsmall.members import mask_phone
from pointsmall.redemption import RedemptionResult

from .. import i18n
from ..context import AppContext
from ..printing import slip as slips
from .voucher_slip import VoucherSlipDialog


class VoucherDialog(VoucherSlipDialog):
    def __init__(self, ctx: AppContext, result: RedemptionResult, member_phone: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voucherDialog")
        self.setWindowTitle(self.tr("Voucher for {item}").format(item=result.item_name))
        self.setMinimumWidth(520)
        self.ctx, self.result = ctx, result
        qr = vouchers.qr_png(result.voucher_code, scale=8)
        self.slip = slips.slip_for(result, mask_phone(member_phone), ctx.actor.store_name, qr)
        self.pdf_name = f"slip-{result.voucher_display}.pdf"
        self.done_label = QLabel(self.tr("Redeemed {item} × {n} for {name}").format(
            item=result.item_name, n=result.quantity, name=result.member_name), objectName="voucherTitle")
        self.summary = QLabel(self._summary(), objectName="voucherSummary")
        self.build(self.done_label, self.tr("Voucher code"), result.voucher_display, result.voucher_expires_on,
                   self.summary, title_gap=6)

    def _summary(self) -> str:
        r = self.result
        text = self.tr("{points} points paid, balance {balance}").format(points=i18n.points(r.points),
                                                                        balance=i18n.points(r.balance))
        if r.cash_fen:
            text += " · " + self.tr("{cash} to pay at the till").format(cash=i18n.money(r.cash_fen))
        return text
