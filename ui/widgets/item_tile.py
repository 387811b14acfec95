"""How one catalog item looks in the mall grid: picture, name, price, stock, and why not.

A delegate paints every tile (no widget per item), at one fixed size so the
view lays out 5,000 items without measuring them. An item the member
served cannot take is greyed and says why in red, in the member's words
("Not enough points: 320 more are needed"). A tile whose thumbnail has not
arrived yet shows a placeholder: the item's first character on a tint.
"""
from __future__ import annotations

import zlib

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from .. import i18n
from ..models.mall_grid import Tile, TileRole

TILE = QSize(208, 274)  # the grid cell, margins included
MARGIN = 6
PICTURE = 124
PAD = 12

INK = QColor("#111827")
MUTED = QColor("#64748B")
PRICE = QColor("#2A4BC7")
CASH = QColor("#B45309")
REFUSED = QColor("#C0392B")
BORDER = QColor("#E3E8F0")
SELECTED = QColor("#4F7CFF")
PLACEHOLDER_TINTS = ["#FDE2E4", "#E2ECFD", "#E3F6E8", "#FFF1D6", "#EDE4FB", "#DDF4F6"]


def tile_picture(image: QImage, scale: float = 1.0) -> QImage:
    """A thumbnail made ready for painting: fitted to the tile's picture, corners rounded.

    Runs on a reader thread (QPainter on a QImage is allowed there), so painting a tile
    copies pixels instead of scaling and clipping every frame. ``scale`` is the screen's
    device pixel ratio.
    """
    side = round(PICTURE * scale)
    fitted = image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    out = QImage(fitted.size(), QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(out.rect()), 10 * scale, 10 * scale)
    painter.setClipPath(path)
    painter.fillRect(out.rect(), QColor("#FFFFFF"))
    painter.drawImage(0, 0, fitted)
    painter.end()
    out.setDevicePixelRatio(scale)
    return out


def _font(base: QFont, pixels: int, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    font = QFont(base)
    font.setPixelSize(pixels)
    font.setWeight(weight)
    return font


class ItemTileDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        base = QFont(parent.font()) if parent is not None else QFont()
        self.name_font = _font(base, 15, QFont.Weight.DemiBold)
        self.price_font = _font(base, 16, QFont.Weight.Bold)
        self.small_font = _font(base, 12)
        self.cash_font = _font(base, 13, QFont.Weight.DemiBold)
        self.badge_font = _font(base, 11, QFont.Weight.DemiBold)
        self.initial_font = _font(base, 48, QFont.Weight.Bold)
        self.name_metrics = QFontMetrics(self.name_font)
        self.price_metrics = QFontMetrics(self.price_font)
        self.small_metrics = QFontMetrics(self.small_font)
        self.cash_metrics = QFontMetrics(self.cash_font)
        self.badge_metrics = QFontMetrics(self.badge_font)
        self.words = {
            "unlimited": self.tr("Unlimited"),
            "out": self.tr("Out of stock"),
            "coupon": self.tr("Coupon"),
            "service": self.tr("Service"),
        }
        self._points_template = self.tr("{points} points")
        self._left_template = self.tr("{n} left")

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        return TILE

    def price_text(self, points: int) -> str:
        return self._points_template.format(points=i18n.points(points))

    def stock_text(self, tile: Tile) -> str:
        item = tile.item
        if item.unlimited:
            return self.words["unlimited"]
        return self._left_template.format(n=i18n.points(item.stock)) if item.stock > 0 else self.words["out"]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        tile: Tile | None = index.data(TileRole.TILE)
        if tile is None:
            return
        item = tile.item
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        card = QRectF(option.rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(SELECTED if selected else QColor("#A9BDF5") if hovered else BORDER, 2 if selected else 1))
        painter.setBrush(QColor("#F5F8FF") if selected else QColor("#FFFFFF"))
        painter.drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), 12, 12)

        dim = not tile.allowed
        picture = QRect(int(card.center().x() - PICTURE / 2), int(card.top()) + PAD, PICTURE, PICTURE)
        if dim:
            painter.setOpacity(0.45)
        self._paint_picture(painter, picture, tile, index.data(Qt.ItemDataRole.DecorationRole))
        painter.setOpacity(1.0)
        self._paint_kind(painter, picture, item.kind)

        left = int(card.left()) + PAD
        width = int(card.width()) - 2 * PAD
        y = picture.bottom() + 10
        painter.setFont(self.name_font)
        painter.setPen(MUTED if dim else INK)
        name = self.name_metrics.elidedText(item.name, Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, y, width, 22), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)

        y += 24
        price = self.price_text(item.price_points)
        baseline = y + (22 + self.price_metrics.ascent() - self.price_metrics.descent()) // 2
        painter.setFont(self.price_font)
        painter.setPen(MUTED if dim else PRICE)
        painter.drawText(left, baseline, self.price_metrics.elidedText(price, Qt.TextElideMode.ElideRight, width))
        cash_below = False
        if item.cash_fen:
            cash = "+ " + i18n.money(item.cash_fen)
            used = self.price_metrics.horizontalAdvance(price) + 6
            cash_below = used + self.cash_metrics.horizontalAdvance(cash) > width
            if not cash_below:
                painter.setFont(self.cash_font)
                painter.setPen(MUTED if dim else CASH)
                painter.drawText(left + used, baseline, cash)  # on the price's baseline

        y += 24
        painter.setFont(self.small_font)
        painter.setPen(REFUSED if not item.unlimited and item.stock == 0 else MUTED)
        painter.drawText(QRect(left, y, width, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.stock_text(tile))
        if cash_below:  # a long price: the cash part goes to the right of the stock line
            painter.setFont(self.cash_font)
            painter.setPen(MUTED if dim else CASH)
            painter.drawText(QRect(left, y, width, 18), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             "+ " + i18n.money(item.cash_fen))

        reason = index.data(TileRole.REASON) if dim else ""
        if reason:
            y += 20
            painter.setFont(self.small_font)  # _fit measures with it (a long price left the cash font set)
            painter.setPen(REFUSED)
            box = QRect(left, y, width, int(card.bottom()) - y - 6)
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                             self._fit(reason, width, box.height()))
        painter.restore()

    def _paint_picture(self, painter: QPainter, rect: QRect, tile: Tile, pixmap: QPixmap | None) -> None:
        path = QPainterPath()
        path.addRoundedRect(QRectF(rect), 10, 10)
        if pixmap is None or pixmap.isNull():
            tint = PLACEHOLDER_TINTS[zlib.crc32(tile.item.category.encode()) % len(PLACEHOLDER_TINTS)]
            painter.fillPath(path, QColor(tint))
            painter.setFont(self.initial_font)
            painter.setPen(QColor(0, 0, 0, 70))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, tile.item.name[:1])
            return
        size = pixmap.deviceIndependentSize().toSize()
        if size.width() > rect.width() or size.height() > rect.height():  # not made by tile_picture
            size.scale(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(rect.center())
        painter.drawPixmap(target, pixmap)  # prepared off the GUI thread: no scaling, no clipping here

    def _paint_kind(self, painter: QPainter, picture: QRect, kind: str) -> None:
        word = self.words.get(kind) if kind in ("coupon", "service") else None
        if not word:
            return
        painter.setFont(self.badge_font)
        width = self.badge_metrics.horizontalAdvance(word) + 14
        pill = QRectF(picture.left() + 6, picture.top() + 6, width, 20)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#B45309") if kind == "coupon" else QColor("#0F766E"))
        painter.drawRoundedRect(pill, 10, 10)
        painter.setPen(QColor("#FFFFFF"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, word)

    def _fit(self, text: str, width: int, height: int) -> str:
        """The reason, cut with an ellipsis if it needs more lines than the tile has (the tooltip has it all)."""
        flags = Qt.TextFlag.TextWordWrap
        if self.small_metrics.boundingRect(QRect(0, 0, width, 10_000), flags, text).height() <= height:
            return text
        while text and self.small_metrics.boundingRect(QRect(0, 0, width, 10_000), flags, text + "…").height() > height:
            text = text[:-1]
        return text + "…"
