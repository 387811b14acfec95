"""A tier's badge: its image (or a medal drawn in the tier's colour) and its name.

Tier names and benefits are operator data in two languages (``name_zh`` and
``name_en``), chosen by the client's language, not translated by Qt.
"""
from __future__ import annotations

from math import cos, pi, sin

from PySide6.QtCore import Property, QEasingCurve, QPointF, QPropertyAnimation, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QRadialGradient
from PySide6.QtWidgets import QWidget

from pointsmall.tiers import TierView

from .. import icons


def tier_name(tier: TierView, language: str) -> str:
    return tier.name_zh if language.startswith("zh") else tier.name_en


def tier_benefits(tier: TierView, language: str) -> str:
    return tier.benefits_zh if language.startswith("zh") else tier.benefits_en


def tier_colour(tier: TierView | None) -> QColor:
    colour = QColor(tier.colour) if tier is not None else QColor()
    return colour if colour.isValid() else QColor("#8C8C8C")


def paint_medal(painter: QPainter, rect: QRectF, colour: QColor, rank: int) -> None:
    """A round medal with stars for the rank, for tiers without badge art."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    gradient = QRadialGradient(rect.center() - QPointF(rect.width() * 0.15, rect.height() * 0.2), rect.width() * 0.7)
    gradient.setColorAt(0.0, colour.lighter(150))
    gradient.setColorAt(1.0, colour.darker(115))
    painter.setBrush(gradient)
    painter.setPen(QPen(colour.darker(140), max(1.0, rect.width() / 24)))
    painter.drawEllipse(rect.adjusted(1, 1, -1, -1))
    stars = max(1, rank + 1)
    gap = rect.width() * 0.66 / stars
    radius = rect.width() * 0.27 if stars == 1 else gap * 0.56
    start = rect.center().x() - gap * (stars - 1) / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, 235))
    for i in range(stars):
        painter.drawPath(_star(QPointF(start + i * gap, rect.center().y()), radius))
    painter.restore()


def _star(centre: QPointF, radius: float) -> QPainterPath:
    path = QPainterPath()
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.45
        angle = -pi / 2 + i * pi / 5
        point = QPointF(centre.x() + r * cos(angle), centre.y() + r * sin(angle))
        path.moveTo(point) if i == 0 else path.lineTo(point)
    path.closeSubpath()
    return path


class TierBadge(QWidget):
    """The tier's badge image, or a painted medal; ``flash()`` makes it glow for a moment."""

    def __init__(self, size: int = 56, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tierBadge")
        self._size = size
        self._tier: TierView | None = None
        self._glow = 0.0
        self.setFixedSize(QSize(size + 16, size + 16))
        self._flash = QPropertyAnimation(self, b"glow", self)
        self._flash.setDuration(1800)
        self._flash.setKeyValues([(0.0, 0.0), (0.15, 1.0), (0.3, 0.2), (0.45, 1.0), (0.6, 0.2),
                                  (0.75, 1.0), (1.0, 0.0)])
        self._flash.setEasingCurve(QEasingCurve.Type.Linear)

    def set_tier(self, tier: TierView | None) -> None:
        self._tier = tier
        self.setToolTip(tier.code if tier else "")
        self.update()

    def flash(self) -> None:
        self._flash.stop()
        self._flash.start()

    def is_flashing(self) -> bool:
        return self._flash.state() == QPropertyAnimation.State.Running

    def _get_glow(self) -> float:
        return self._glow

    def _set_glow(self, value: float) -> None:
        self._glow = value
        self.update()

    glow = Property(float, _get_glow, _set_glow)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        if self._tier is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = tier_colour(self._tier)
        rect = QRectF(8, 8, self._size, self._size)
        if self._glow > 0:
            halo = QRadialGradient(rect.center(), self._size * 0.5 + 8)
            glow = QColor(colour)
            glow.setAlphaF(0.85 * self._glow)
            halo.setColorAt(0.6, glow)
            halo.setColorAt(1.0, QColor(0, 0, 0, 0))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            painter.drawEllipse(rect.adjusted(-8, -8, 8, 8))
        pixmap = icons.badge(self._tier.badge, self._size)
        if not pixmap.isNull():
            painter.drawPixmap(rect.toRect(), pixmap)
        else:
            paint_medal(painter, rect, colour, self._tier.rank)
        painter.end()

