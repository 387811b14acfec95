"""The dialog that shows a voucher's code in big type, its QR code and its slip, to print or save as PDF.

A redemption's voucher (``VoucherDialog``) and a wheel prize's voucher
(``PrizeVoucherDialog``) differ only in their title, caption, summary line
and the PDF's file name; the code, QR code, expiry, Print / Save as PDF /
Done and the saved-or-failed line under them are this one dialog.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .. import i18n
from ..printing import slip as slips


class VoucherSlipDialog(QDialog):
    """Subclasses set ``slip`` and call ``build`` from their ``__init__``."""

    slip: slips.Slip

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview: QDialog | None = None
        self.saved_to: Path | None = None
        self.pdf_name = "slip.pdf"

    def build(self, title: QLabel, caption_text: str, display: str, expires_on: date | None, summary: QLabel,
              *, title_gap: int = 0) -> None:
        """Lay out the title, the code, its QR code, the expiry, the summary and the buttons."""
        title.setWordWrap(True)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption = QLabel(caption_text, objectName="voucherCaption")
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code = QLabel(display, objectName="voucherCode")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.qr = QLabel(objectName="voucherQr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pixmap = QPixmap()
        pixmap.loadFromData(self.slip.qr_png, "PNG")
        self.qr.setPixmap(pixmap)
        self.expiry = QLabel(objectName="voucherExpiry")
        self.expiry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if expires_on is not None:
            self.expiry.setText(self.tr("Valid until {day}").format(day=i18n.day(expires_on)))
        self.expiry.setVisible(expires_on is not None)
        summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        summary.setWordWrap(True)
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
        layout.addWidget(title)
        if title_gap:
            layout.addSpacing(title_gap)
        for widget in (caption, self.code, self.qr, self.expiry, summary, self.status):
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
        dialog = QFileDialog(self, self.tr("Save the slip as PDF"), str(Path(folder) / self.pdf_name),
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
