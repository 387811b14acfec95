"""The voucher for a wheel prize (goods, a service or a coupon): the code in big type, its QR code, the slip.

Won, not bought: the slip is the mall's 80 mm slip titled "Wheel prize
slip" (转盘奖品凭条), with the prize as the item, one of it, and the points
the spin cost (0 for a free spin). The
member shows the code or the slip when the prize is handed over.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from pointsmall import vouchers
from pointsmall.members import mask_phone
from pointsmall.prizes import PrizeView
from pointsmall.wheel import SpinResult

from ..dialogs.voucher_slip import VoucherSlipDialog
from ..printing import slip as slips


def prize_slip(result: SpinResult, prize: PrizeView, masked_phone: str, store_name: str) -> slips.Slip:
    """The mall's slip layout, titled as a wheel prize slip (转盘奖品凭条), with the spin's cost."""
    return slips.Slip(store_name, result.occurred_at, result.member_name, masked_phone, prize.name, prize.kind, 1,
                      result.cost_points, 0, result.balance, prize.display, vouchers.qr_png(prize.code, scale=8),
                      prize.expires_on,
                      title=QCoreApplication.translate("PrizeSlip", "Wheel prize slip"),
                      points_caption=QCoreApplication.translate("PrizeSlip", "Spin cost"),
                      code_caption=QCoreApplication.translate("PrizeSlip", "Prize code"))


class PrizeVoucherDialog(VoucherSlipDialog):
    def __init__(self, result: SpinResult, prize: PrizeView, member_phone: str, store_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prizeVoucherDialog")
        self.setWindowTitle(self.tr("Prize voucher for {prize}").format(prize=prize.name))
        self.setMinimumWidth(500)
        self.result, self.prize = result, prize
        self.slip = prize_slip(result, prize, mask_phone(member_phone), store_name)
        self.pdf_name = f"prize-{prize.display}.pdf"
        title = QLabel(self.tr("{name} won {prize}").format(name=result.member_name, prize=prize.name),
                       objectName="voucherTitle")
        note = QLabel(slips.note_for(self.slip), objectName="voucherSummary")
        self.build(title, self.tr("Prize code"), prize.display, prize.expires_on, note)
