"""The voucher for a wheel prize (goods, a service or a coupon): the code in big type, its QR code, the slip.

Won, not bought: the slip is the mall's 80 mm slip titled "Wheel prize
slip" (转盘奖品凭条), with the prize as the item, one of it, and the points
the spin cost (0 for a free spin). The
member shows the code or the slip when the prize is handed over.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pointsmall import vouchers
from pointsmall.members import mask_phone
from pointsmall.prizes import PrizeView
from pointsmall.wheel import SpinResult

from .. import i18n
from ..printing import slip as slips


def prize_slip(result: SpinResult, prize: PrizeView, masked_phone: str, store_name: str) -> slips.Slip:
    """The mall's slip layout, titled as a wheel prize slip (转盘奖品凭条), with the spin's cost."""
    return slips.Slip(store_name, result.occurred_at, result.member_name, masked_phone, prize.name, prize.kind, 1,
                      result.cost_points, 0, result.balance, prize.display, vouchers.qr_png(prize.code, scale=8),
                      prize.expires_on,
                      title=QCoreApplication.translate("PrizeSlip", "Wheel prize slip"),
                      points_caption=QCoreApplication.translate("PrizeSlip", "Spin cost"),
                      code_caption=QCoreApplication.translate("PrizeSlip", "Prize code"))


class PrizeVoucherDialog(QDialog):
    def __init__(self, result: SpinResult, prize: PrizeView, member_phone: str, store_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prizeVoucherDialog")
        self.setWindowTitle(self.tr("Prize voucher for {prize}").format(prize=prize.name))
        self.setMinimumWidth(500)
        self.result, self.prize = result, prize
        self.slip = prize_slip(result, prize, mask_phone(member_phone), store_name)
        self.preview: QDialog | None = None
        self.saved_to: Path | None = None

        title = QLabel(self.tr("{name} won {prize}").format(name=result.member_name, prize=prize.name),
                       objectName="voucherTitle")
        title.setWordWrap(True)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption = QLabel(self.tr("Prize code"), objectName="voucherCaption")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code = QLabel(prize.display, objectName="voucherCode")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.qr = QLabel(objectName="voucherQr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pixmap = QPixmap()
        pixmap.loadFromData(self.slip.qr_png, "PNG")
        self.qr.setPixmap(pixmap)
        self.expiry = QLabel(objectName="voucherExpiry")
        self.expiry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if prize.expires_on is not None:
            self.expiry.setText(self.tr("Valid until {day}").format(day=i18n.day(prize.expires_on)))
        self.expiry.setVisible(prize.expires_on is not None)
        note = QLabel(slips.note_for(self.slip), objectName="voucherSummary")
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = QLabel(objectName="voucherStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.status.hide()

        self.print_button = QPushButton(self.tr("Print slip…"), objectName="printSlip")
        self.pdf_button = QPushButton(self.tr("Save as PDF…"), objectName="saveSlipPdf")
        self.close_button = QPushButton(self.tr("Done"), objectName="voucherDone")
        self.print_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 18)
        layout.setSpacing(8)
        for widget in (title, caption, self.code, self.qr, self.expiry, note, self.status):
            layout.addWidget(widget)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.open_preview)
        self.pdf_button.clicked.connect(self.ask_pdf_path)
        self.close_button.clicked.connect(self.accept)

    def open_preview(self) -> None:
        self.preview = slips.open_preview(self.slip, self)

    def ask_pdf_path(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path = str(Path(folder) / f"prize-{self.prize.display}.pdf")
        dialog = QFileDialog(self, self.tr("Save the slip as PDF"), path,
                             self.tr("PDF files (*.pdf)"))
        dialog.setObjectName("slipPdfFile")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(self.save_pdf)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def save_pdf(self, path: str) -> None:
        try:
            self.saved_to = slips.export_pdf(self.slip, path)
        except OSError as exc:
            self._say(self.tr("The PDF could not be saved: {reason}").format(reason=str(exc)), error=True)
            return
        self._say(self.tr("Saved the slip to {path}").format(path=str(self.saved_to)), error=False)

    def _say(self, text: str, *, error: bool) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.setProperty("ok", not error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.show()
