"""The voucher a redemption produced: its code in big type, its QR code, and the slip.

The code is shown in its display form (K7MQ-9XH2-TD4R) so the member can
read it out or photograph it; the slip can be previewed and printed on the
80 mm receipt printer or saved as a PDF.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget)

from pointsmall import vouchers
from pointsmall.members import mask_phone
from pointsmall.redemption import RedemptionResult

from .. import i18n
from ..context import AppContext
from ..printing import slip as slips


class VoucherDialog(QDialog):
    def __init__(self, ctx: AppContext, result: RedemptionResult, member_phone: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voucherDialog")
        self.setWindowTitle(self.tr("Voucher for {item}").format(item=result.item_name))
        self.setMinimumWidth(520)
        self.ctx, self.result = ctx, result
        qr = vouchers.qr_png(result.voucher_code, scale=8)
        self.slip = slips.slip_for(result, mask_phone(member_phone), ctx.actor.store_name, qr)
        self.preview: QDialog | None = None
        self.saved_to: Path | None = None

        self.done_label = QLabel(self.tr("Redeemed {item} × {n} for {name}").format(
            item=result.item_name, n=result.quantity, name=result.member_name), objectName="voucherTitle")
        self.done_label.setWordWrap(True)
        self.done_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption = QLabel(self.tr("Voucher code"), objectName="voucherCaption")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code = QLabel(result.voucher_display, objectName="voucherCode")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.qr = QLabel(objectName="voucherQr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pixmap = QPixmap()
        pixmap.loadFromData(qr, "PNG")
        self.qr.setPixmap(pixmap)
        self.expiry = QLabel(objectName="voucherExpiry")
        self.expiry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if result.voucher_expires_on is not None:
            self.expiry.setText(self.tr("Valid until {day}").format(day=i18n.day(result.voucher_expires_on)))
        self.expiry.setVisible(result.voucher_expires_on is not None)
        self.summary = QLabel(self._summary(), objectName="voucherSummary")
        self.summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary.setWordWrap(True)
        self.status = QLabel(objectName="voucherStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.status.hide()

        self.print_button = QPushButton(self.tr("Print slip…"), objectName="printSlip")
        self.pdf_button = QPushButton(self.tr("Save as PDF…"), objectName="saveSlipPdf")
        self.close_button = QPushButton(self.tr("Done"), objectName="voucherDone")
        self.print_button.setDefault(True)  # the member usually takes the slip: Enter prints, Escape closes
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 18)
        layout.setSpacing(8)
        layout.addWidget(self.done_label)
        layout.addSpacing(6)
        layout.addWidget(caption)
        layout.addWidget(self.code)
        layout.addWidget(self.qr)
        layout.addWidget(self.expiry)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.open_preview)
        self.pdf_button.clicked.connect(self.ask_pdf_path)
        self.close_button.clicked.connect(self.accept)

    def _summary(self) -> str:
        r = self.result
        text = self.tr("{points} points paid, balance {balance}").format(points=i18n.points(r.points),
                                                                        balance=i18n.points(r.balance))
        if r.cash_fen:
            text += " · " + self.tr("{cash} to pay at the till").format(cash=i18n.money(r.cash_fen))
        return text

    def open_preview(self) -> None:
        self.preview = slips.open_preview(self.slip, self)

    def ask_pdf_path(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = f"slip-{self.result.voucher_display}.pdf"
        dialog = QFileDialog(self, self.tr("Save the slip as PDF"), str(Path(folder) / name),
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
        except OSError as exc:  # a folder we may not write to, a full disk: said where the cashier looks
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
