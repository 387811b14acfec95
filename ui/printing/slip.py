"""The redemption slip: an 80 mm receipt with the voucher code and its QR code.

A wheel prize prints on the same layout under its own title ("Wheel prize
slip", 转盘奖品凭条) with its own captions (``Slip.title`` and friends).

One layout paints on any device: a QPrinter (printing, the print preview,
PDF export) or a QImage (tests, screenshots). Layout is done in tenths of a
millimetre and the painter is scaled to the device's resolution, so the slip
is the same on a 203 dpi thermal printer, a 1200 dpi PDF and the screen.
The page is as long as the slip (a receipt roll has no page length): the
layout is measured once without painting, then painted.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter, QPen
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from pointsmall.redemption import RedemptionResult

from .. import i18n

PAPER_MM = 80
UNITS_PER_MM = 10  # layout unit: a tenth of a millimetre
WIDTH = PAPER_MM * UNITS_PER_MM
MARGIN = 40  # 4 mm each side: a thermal printer prints about 72 mm of its 80
CONTENT = WIDTH - 2 * MARGIN
QR_SIDE = 360
TEXT_FAMILIES = ["Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"]
CODE_FAMILIES = ["Consolas", "Menlo", "DejaVu Sans Mono", "WenQuanYi Micro Hei Mono"]


@dataclass(frozen=True)
class Slip:
    """Everything printed on one slip, already in words except numbers, money and dates."""

    store_name: str
    printed_at: datetime
    member_name: str
    member_phone: str  # masked: a slip leaves the store
    item_name: str
    item_kind: str
    quantity: int
    points: int
    cash_fen: int
    balance_after: int
    voucher_display: str
    qr_png: bytes
    expires_on: date | None
    # Words for a slip that is not a mall redemption (a wheel prize: "Wheel prize slip", "Spin cost",
    # "Prize code"); None prints the redemption slip's own words.
    title: str | None = None
    points_caption: str | None = None
    code_caption: str | None = None


def title_of(slip: Slip) -> str:
    return slip.title or QCoreApplication.translate("Slip", "Points redemption slip")


def slip_for(result: RedemptionResult, masked_phone: str, store_name: str, qr_png: bytes) -> Slip:
    return Slip(store_name, result.occurred_at, result.member_name, masked_phone, result.item_name, result.item_kind,
                result.quantity, result.points, result.cash_fen, result.balance, result.voucher_display, qr_png,
                result.voucher_expires_on)


def note_for(slip: Slip) -> str:
    if slip.item_kind == "coupon":
        return QCoreApplication.translate("Slip",
                                          "Show this code at the counter to use the coupon. It can be used once.")
    if slip.item_kind == "service":
        return QCoreApplication.translate("Slip", "Show this code when the service is provided. It can be used once.")
    return QCoreApplication.translate("Slip", "Collect the item at the counter with this slip. Keep it until then.")


def _font(families: list[str], size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(families)
    font.setPixelSize(size)  # layout units: the painter's scale turns them into millimetres
    font.setBold(bold)
    return font


class _Layout:
    """Walks down the slip; paints when given a painter, otherwise only measures."""

    def __init__(self, painter: QPainter | None) -> None:
        self.painter = painter
        self.y = float(MARGIN)
        self.title = _font(TEXT_FAMILIES, 50, bold=True)
        self.body = _font(TEXT_FAMILIES, 32)
        self.strong = _font(TEXT_FAMILIES, 36, bold=True)
        self.small = _font(TEXT_FAMILIES, 26)
        self.code = _font(CODE_FAMILIES, 52, bold=True)

    def text(self, text: str, font: QFont, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignHCenter,
             gap: float = 10) -> None:
        flags = int(align | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
        # a little slack: the printer's glyph widths may differ from the metrics' by a hair
        box = QFontMetricsF(font).boundingRect(QRectF(MARGIN, self.y, CONTENT - 8, 100_000), flags, text)
        if self.painter is not None:
            self.painter.setFont(font)
            self.painter.drawText(QRectF(MARGIN, self.y, CONTENT, box.height()), flags, text)
        self.y += box.height() + gap

    def pair(self, label: str, value: str, font: QFont | None = None, gap: float = 8) -> None:
        font = font or self.body
        metrics = QFontMetricsF(font)
        label_width = min(metrics.horizontalAdvance(label) + 20, CONTENT * 0.5)
        value = metrics.elidedText(value, Qt.TextElideMode.ElideMiddle, CONTENT - label_width)
        if self.painter is not None:
            self.painter.setFont(font)
            row = QRectF(MARGIN, self.y, CONTENT, metrics.height())
            self.painter.drawText(row, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), label)
            self.painter.drawText(row, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), value)
        self.y += metrics.height() + gap

    def rule(self) -> None:
        self.y += 8
        if self.painter is not None:
            pen = QPen(QColor("#000000"), 3, Qt.PenStyle.DashLine)
            self.painter.setPen(pen)
            self.painter.drawLine(QPointF(MARGIN, self.y), QPointF(WIDTH - MARGIN, self.y))
            self.painter.setPen(QColor("#000000"))
        self.y += 22

    def image(self, image: QImage, side: float) -> None:
        if self.painter is not None and not image.isNull():
            target = QRectF((WIDTH - side) / 2, self.y, side, side)
            self.painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp modules
            self.painter.drawImage(target, image)
        self.y += side + 10


def _walk(layout: _Layout, slip: Slip) -> float:
    layout.text(slip.store_name, layout.title, gap=4)
    layout.text(title_of(slip), layout.body, gap=4)
    layout.text(i18n.moment(slip.printed_at), layout.small, gap=0)
    layout.rule()
    layout.pair(QCoreApplication.translate("Slip", "Member"), slip.member_name)
    layout.pair(QCoreApplication.translate("Slip", "Phone"), slip.member_phone)
    layout.rule()
    layout.text(slip.item_name, layout.strong, Qt.AlignmentFlag.AlignLeft)
    layout.pair(QCoreApplication.translate("Slip", "Quantity"), f"× {slip.quantity}")
    layout.pair(slip.points_caption or QCoreApplication.translate("Slip", "Points"), i18n.points(slip.points))
    if slip.cash_fen:
        layout.pair(QCoreApplication.translate("Slip", "Cash to pay"), i18n.money(slip.cash_fen))
    layout.pair(QCoreApplication.translate("Slip", "Balance after"), i18n.points(slip.balance_after))
    layout.rule()
    layout.text(slip.code_caption or QCoreApplication.translate("Slip", "Voucher code"), layout.small, gap=2)
    layout.text(slip.voucher_display, layout.code, gap=12)
    layout.image(QImage.fromData(slip.qr_png), QR_SIDE)
    if slip.expires_on is not None:
        valid = QCoreApplication.translate("Slip", "Valid until {day}").format(day=i18n.day(slip.expires_on))
        layout.text(valid, layout.strong)
    layout.rule()
    layout.text(note_for(slip), layout.small, gap=0)
    return layout.y + MARGIN


def slip_height_mm(slip: Slip) -> float:
    return _walk(_Layout(None), slip) / UNITS_PER_MM


def paint_slip(painter: QPainter, slip: Slip, dots_per_mm: float) -> None:
    """Paint the slip with its top-left corner at the painter's origin."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.scale(dots_per_mm / UNITS_PER_MM, dots_per_mm / UNITS_PER_MM)
    painter.setPen(QColor("#000000"))
    _walk(_Layout(painter), slip)
    painter.restore()


def setup_printer(printer: QPrinter, slip: Slip) -> None:
    """An 80 mm page as long as the slip, no margins (the layout has its own)."""
    size = QPageSize(QSizeF(PAPER_MM, slip_height_mm(slip)), QPageSize.Unit.Millimeter,
                     QCoreApplication.translate("Slip", "80 mm receipt"), QPageSize.SizeMatchPolicy.ExactMatch)
    printer.setPageSize(size)
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    printer.setFullPage(True)
    if slip.title is None:
        name = QCoreApplication.translate("Slip", "Redemption slip {code}").format(code=slip.voucher_display)
    else:
        name = f"{slip.title} {slip.voucher_display}"
    printer.setDocName(name)


def print_slip(printer: QPrinter, slip: Slip) -> None:
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(QCoreApplication.translate("Slip", "The printer could not be started."))
    try:
        paint_slip(painter, slip, printer.resolution() / 25.4)
    finally:
        painter.end()


def export_pdf(slip: Slip, path: str | Path) -> Path:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    setup_printer(printer, slip)
    print_slip(printer, slip)
    return Path(path)


def render_image(slip: Slip, dpi: int = 203) -> QImage:
    """The slip as a thermal printer at ``dpi`` would print it (203 dpi is the common one)."""
    dots_per_mm = dpi / 25.4
    image = QImage(round(PAPER_MM * dots_per_mm), round(slip_height_mm(slip) * dots_per_mm),
                   QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(dots_per_mm * 1000))
    image.setDotsPerMeterY(round(dots_per_mm * 1000))
    image.fill(QColor("#FFFFFF"))
    painter = QPainter(image)
    paint_slip(painter, slip, dots_per_mm)
    painter.end()
    return image


def open_preview(slip: Slip, parent: QWidget | None = None,
                 on_finished: Callable[[int], None] | None = None) -> QPrintPreviewDialog:
    """The print preview (with its Print button), opened without blocking."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    setup_printer(printer, slip)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setObjectName("slipPreview")
    dialog.setWindowTitle(QCoreApplication.translate("Slip", "Print the redemption slip") if slip.title is None
                          else QCoreApplication.translate("Slip", "Print the slip: {title}").format(title=slip.title))
    dialog.resize(980, 780)
    dialog.printer_ref = printer  # type: ignore[attr-defined]  # the dialog does not own its printer
    dialog.paintRequested.connect(lambda target: print_slip(target, slip))
    if on_finished is not None:
        dialog.finished.connect(on_finished)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
