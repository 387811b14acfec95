"""The tier-up celebration: fireworks and the new badge over the page for ~2 s.

An overlay that covers its parent, paints particle bursts and a banner
("Upgraded to Gold!") with QPainter, driven by one QPropertyAnimation. It
lets every click and key through and takes no focus, so the till is never
blocked while it plays; it hides itself when done.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PySide6.QtCore import (Property, QEasingCurve, QEvent, QLineF, QObject, QPointF, QPropertyAnimation, QRectF, Qt,
                            Signal)
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from pointsmall.tiers import TierView

from .. import icons
from .tier_badge import paint_medal, tier_colour

DURATION_MS = 2200
FESTIVE = ["#FFD54F", "#FF7043", "#EF5350", "#AB47BC", "#42A5F5", "#66BB6A", "#FFFFFF"]


@dataclass(frozen=True)
class Particle:
    angle: float
    speed: float  # in fractions of the overlay's height per unit of burst time
    colour: QColor


@dataclass(frozen=True)
class Burst:
    x: float  # 0..1 of the width
    y: float  # 0..1 of the height
    start: float  # 0..1 of the animation
    particles: tuple[Particle, ...]


def make_bursts(tier_colour_: QColor, rng: random.Random, count: int = 8) -> list[Burst]:
    colours = [tier_colour_, tier_colour_.lighter(140)] + [QColor(c) for c in FESTIVE]
    bursts = []
    for i in range(count):
        start = 0.55 * i / max(1, count - 1) + rng.uniform(-0.03, 0.03)
        particles = tuple(
            Particle(angle=2 * math.pi * k / 48 + rng.uniform(-0.06, 0.06), speed=rng.uniform(0.16, 0.30),
                     colour=rng.choice(colours))
            for k in range(48))
        bursts.append(Burst(rng.uniform(0.12, 0.88), rng.uniform(0.15, 0.55), max(0.0, start), particles))
    return bursts


class Celebration(QWidget):
    finished = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("celebration")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._phase = 0.0
        self._tier: TierView | None = None
        self._text = ""
        self._subtitle = ""
        self._bursts: list[Burst] = []
        self._rng = random.Random()  # decoration only; nothing depends on it
        self._animation = QPropertyAnimation(self, b"phase", self)
        self._animation.setDuration(DURATION_MS)
        self._animation.setStartValue(0.0)
        self._animation.setEndValue(1.0)
        self._animation.setEasingCurve(QEasingCurve.Type.Linear)
        self._animation.finished.connect(self._done)
        parent.installEventFilter(self)
        self.hide()

    @property
    def text(self) -> str:
        return self._text

    def celebrate(self, tier: TierView, text: str, subtitle: str = "") -> None:
        self._tier, self._text, self._subtitle = tier, text, subtitle
        self._bursts = make_bursts(tier_colour(tier), self._rng)
        self.setGeometry(self.parentWidget().rect())
        self._animation.stop()
        self._phase = 0.0
        self.show()
        self.raise_()
        self._animation.start()

    def is_running(self) -> bool:
        return self._animation.state() == QPropertyAnimation.State.Running

    def _done(self) -> None:
        self.hide()
        self.finished.emit()

    def _get_phase(self) -> float:
        return self._phase

    def _set_phase(self, value: float) -> None:
        self._phase = value
        self.update()

    phase = Property(float, _get_phase, _set_phase)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    # -- painting ------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        if self._tier is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        t = self._phase
        presence = min(1.0, t / 0.08, (1.0 - t) / 0.15) if t < 1.0 else 0.0
        painter.fillRect(self.rect(), QColor(15, 20, 35, int(110 * presence)))
        for burst in self._bursts:
            self._paint_burst(painter, burst, t)
        self._paint_banner(painter, t, presence)
        painter.end()

    def _paint_burst(self, painter: QPainter, burst: Burst, t: float) -> None:
        life = (t - burst.start) / 0.45
        if not 0.0 < life < 1.0:
            return
        w, h = self.width(), self.height()
        origin = QPointF(burst.x * w, burst.y * h)
        alpha = 1.0 - life ** 2
        spread = 1.0 - (1.0 - life) ** 3  # fast out, slowing down
        gravity = 0.12 * h * life ** 2
        trails: dict[int, tuple[QColor, list[QLineF]]] = {}
        for p in burst.particles:
            r = p.speed * h * spread
            head = QPointF(origin.x() + r * math.cos(p.angle), origin.y() + r * math.sin(p.angle) + gravity)
            tail_r = r * 0.82
            tail = QPointF(origin.x() + tail_r * math.cos(p.angle),
                           origin.y() + tail_r * math.sin(p.angle) + gravity * 0.9)
            trails.setdefault(p.colour.rgb(), (p.colour, []))[1].append(QLineF(tail, head))
        # One call per colour, not per particle: a burst is a few hundred segments each frame.
        pen = QPen()
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        for colour, lines in trails.values():
            faded = QColor(colour)
            faded.setAlphaF(max(0.0, alpha))
            pen.setColor(faded)
            pen.setWidthF(2.5)
            painter.setPen(pen)
            painter.drawLines(lines)
            heads = [line.p2() for line in lines]
            halo = QColor(faded)
            halo.setAlphaF(max(0.0, alpha) * 0.25)
            pen.setColor(halo)
            pen.setWidthF(14.0)
            painter.setPen(pen)
            painter.drawPoints(heads)
            pen.setColor(faded)
            pen.setWidthF(6.0)
            painter.setPen(pen)
            painter.drawPoints(heads)

    def _paint_banner(self, painter: QPainter, t: float, presence: float) -> None:
        assert self._tier is not None
        colour = tier_colour(self._tier)
        w, h = self.width(), self.height()
        pop = 1.0 + 0.12 * math.sin(min(1.0, t / 0.12) * math.pi)  # the banner pops in
        bw, bh = min(600.0, w - 60.0) * pop, (270.0 if self._subtitle else 220.0) * pop
        banner = QRectF((w - bw) / 2, (h - bh) / 2, bw, bh)
        painter.setOpacity(presence)
        gradient = QLinearGradient(banner.topLeft(), banner.bottomRight())
        gradient.setColorAt(0.0, colour.lighter(125))
        gradient.setColorAt(1.0, colour.darker(135))
        painter.setPen(QPen(QColor(255, 255, 255, 200), 3))
        painter.setBrush(gradient)
        painter.drawRoundedRect(banner, 24, 24)
        flash = 0.5 + 0.5 * math.sin(t * math.pi * 8)  # the badge flashes
        size = 88.0 * (1.0 + 0.08 * flash)
        medal = QRectF(banner.center().x() - size / 2, banner.top() + 22, size, size)
        glow = QColor(255, 255, 255, int(150 * flash))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(glow)
        painter.drawEllipse(medal.adjusted(-10, -10, 10, 10))
        pixmap = icons.badge(self._tier.badge, int(size))
        if not pixmap.isNull():
            painter.drawPixmap(medal.toRect(), pixmap)
        else:
            paint_medal(painter, medal, colour, self._tier.rank)
        font = QFont(self.font())
        font.setPixelSize(34)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        text_rect = QRectF(banner.left() + 16, medal.bottom() + 12, banner.width() - 32, 56)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, self._text)
        if self._subtitle:
            font.setPixelSize(17)
            font.setBold(False)
            painter.setFont(font)
            painter.setPen(QColor(255, 255, 255, 230))
            sub_rect = QRectF(banner.left() + 24, text_rect.bottom() + 2, banner.width() - 48, 44)
            painter.drawText(sub_rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._subtitle)
        painter.setOpacity(1.0)
