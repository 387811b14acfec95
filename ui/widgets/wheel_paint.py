"""Painting the spin wheel's parts: the face (segments, fitted labels, rim), the pointer, the centre button.

Plain functions that paint into images, used by ``wheel_view.SpinWheel``
to fill its caches (and by the benchmark). Labels stand across their
segment near the rim, in the largest font at which they fit on one line,
else two lines broken where Chinese or a space allows (never inside a
number or a common word such as 积分), else elided.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QRadialGradient

FAMILIES = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei",
            "sans-serif"]
RIM = 0.075  # the rim's width, of the radius
HUB = 0.22  # the centre button's radius, of the radius
LIGHTS = 24  # lamps on the rim
NO_BREAK_BEFORE = set("，。、！？：；）》」』】,.!?:;)%")
KEEP_TOGETHER = ("积分", "谢谢", "参与", "优惠", "大奖", "礼盒", "礼品", "红包", "免费", "再来", "一次", "一份", "服务")


@dataclass(frozen=True)
class Geometry:
    """Where things are, in widget pixels."""

    centre: QPointF
    radius: float  # to the rim's outer edge

    @property
    def face(self) -> float:
        """The radius of the coloured face inside the rim."""
        return self.radius * (1 - RIM)

    @property
    def hub(self) -> float:
        return self.radius * HUB


def geometry_for(width: int, height: int) -> Geometry:
    side = min(width, height)
    margin = max(6.0, side * 0.045)  # room for the pointer above the rim
    return Geometry(QPointF(width / 2, height / 2 + margin * 0.25), max(10.0, side / 2 - margin))


def text_colour(fill: QColor) -> QColor:
    """Dark text on light segments, white on dark ones."""
    luminance = 0.299 * fill.red() + 0.587 * fill.green() + 0.114 * fill.blue()
    return QColor("#3A2414") if luminance > 170 else QColor("#FFFFFF")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def break_points(text: str) -> list[tuple[int, int]]:
    """Where ``text`` may be split into two lines, each with a rank (lower is better): at a space (0),
    between a number or Latin word and Chinese (1), between two Chinese characters (2). Never inside a
    number or a Latin word, before closing punctuation, or inside a common word such as 积分."""
    inside = {start + k for word in KEEP_TOGETHER for start in _found(text, word) for k in range(1, len(word))}
    points = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after in NO_BREAK_BEFORE or i in inside:
            continue
        if before == " " or after == " ":
            points.append((i, 0))
        elif _wide(before) != _wide(after):
            points.append((i, 1))
        elif _wide(before):
            points.append((i, 2))
    return points


def _found(text: str, word: str) -> list[int]:
    starts, at = [], text.find(word)
    while at >= 0:
        starts.append(at)
        at = text.find(word, at + 1)
    return starts


def two_lines(text: str, metrics: QFontMetricsF) -> list[str] | None:
    """A split of ``text`` into two lines: nearly the most even one, at the best kind of break."""
    candidates = []
    for i, rank in break_points(text):
        lines = [text[:i].strip(), text[i:].strip()]
        if all(lines):
            candidates.append((max(metrics.horizontalAdvance(line) for line in lines), rank, lines))
    if not candidates:
        return None
    evenest = min(widest for widest, _, _ in candidates)
    near = [c for c in candidates if c[0] <= evenest * 1.35]
    return min(near, key=lambda c: (c[1], c[0]))[2]


@dataclass(frozen=True)
class FittedLabel:
    font: QFont
    lines: tuple[str, ...]
    outer: float  # distance from the centre to the top of the first line


def label_font(pixels: float) -> QFont:
    font = QFont()
    font.setFamilies(FAMILIES)
    font.setPixelSize(max(1, round(pixels)))
    font.setBold(True)
    return font


def fit_label(text: str, face: float, span_degrees: float) -> FittedLabel:
    """The largest font (one line, else two) at which ``text`` fits in its segment near the rim.

    The text stands across the segment (tangential), its top close to the rim;
    a line may be as wide as the segment is at the line's inner edge. When even
    the smallest font does not fit, the second line is elided.
    """
    half = math.radians(min(span_degrees, 120.0) / 2)
    outer = face * 0.90
    largest, smallest = face * 0.105, max(9.0, face * 0.045)

    def width_at(inner: float) -> float:
        by_angle = 2 * inner * math.tan(half) * 0.86
        by_rim = 2 * math.sqrt(max(0.0, face ** 2 - outer ** 2)) * 0.95
        return min(by_angle, by_rim, face * 1.1)

    def fits(lines: list[str], metrics: QFontMetricsF) -> bool:
        inner = outer - metrics.height() * len(lines)
        return inner > face * HUB * 1.35 and all(metrics.horizontalAdvance(line) <= width_at(inner)
                                                 for line in lines)

    sizes = []
    pixels = largest
    while pixels > smallest:
        sizes.append(pixels)
        pixels *= 0.93
    sizes.append(smallest)
    one = next((p for p in sizes if fits([text], QFontMetricsF(label_font(p)))), None)
    for p in sizes:
        if one is not None and p <= one * 1.2:
            break  # one line at nearly the same size reads better than two
        metrics = QFontMetricsF(label_font(p))
        split = two_lines(text, metrics)
        if split is not None and fits(split, metrics):
            return FittedLabel(label_font(p), tuple(split), outer)
    if one is not None:
        return FittedLabel(label_font(one), (text,), outer)
    font = label_font(smallest)
    metrics = QFontMetricsF(font)
    lines = two_lines(text, metrics) or [text]
    room = width_at(outer - metrics.height() * len(lines))
    return FittedLabel(font, tuple(metrics.elidedText(line, Qt.TextElideMode.ElideRight, room) for line in lines),
                       outer)


def paint_face(segments: Sequence[tuple[str, str]], radius: float, ratio: float) -> QImage:
    """The rotating part: rim, lamps, segments and labels, centred in a square image."""
    side = math.ceil(2 * radius * ratio) + 2
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    half = side / ratio / 2
    painter.translate(half, half)
    face = radius * (1 - RIM)
    rim = QRadialGradient(QPointF(0, 0), radius)
    rim.setColorAt(0.90, QColor("#E0A526"))
    rim.setColorAt(0.96, QColor("#B45309"))
    rim.setColorAt(1.0, QColor("#7C2D12"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(rim))
    painter.drawEllipse(QPointF(0, 0), radius, radius)
    lamp = radius * RIM * 0.28
    for i in range(LIGHTS):
        a = math.radians(i * 360 / LIGHTS)
        at = QPointF(math.sin(a) * (radius - radius * RIM / 2), -math.cos(a) * (radius - radius * RIM / 2))
        painter.setBrush(QColor("#FFF7D6") if i % 2 == 0 else QColor("#FDE68A"))
        painter.drawEllipse(at, lamp, lamp)
    box = QRectF(-face, -face, 2 * face, 2 * face)
    if not segments:
        painter.setBrush(QColor("#E2E8F0"))
        painter.drawEllipse(box)
        painter.end()
        return image
    span = 360 / len(segments)
    for i, (_, colour) in enumerate(segments):
        # drawPie counts counter-clockwise from three o'clock in 1/16 degrees
        start = 90 - (i + 1) * span
        painter.setBrush(QColor(colour))
        painter.setPen(QPen(QColor(255, 255, 255, 230), max(1.0, radius * 0.006)))
        painter.drawPie(box, round(start * 16), round(span * 16))
    for i, (label, colour) in enumerate(segments):
        fitted = fit_label(label, face, span)
        metrics = QFontMetricsF(fitted.font)
        painter.save()
        painter.rotate((i + 0.5) * span)
        painter.setFont(fitted.font)
        painter.setPen(text_colour(QColor(colour)))
        top = -fitted.outer
        for line in fitted.lines:
            width = metrics.horizontalAdvance(line)
            painter.drawText(QPointF(-width / 2, top + metrics.ascent()), line)
            top += metrics.height()
        painter.restore()
    painter.end()
    return image


def paint_pointer(radius: float, ratio: float) -> tuple[QImage, QPointF]:
    """The fixed pointer at the top, pointing down into the wheel; and where its image's origin goes
    relative to the wheel's centre."""
    width, height = radius * 0.16, radius * 0.2
    image = QImage(math.ceil(width * ratio) + 4, math.ceil(height * ratio) + 4,
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.moveTo(1, 1)
    path.lineTo(width + 1, 1)
    path.lineTo(width / 2 + 1, height + 1)
    path.closeSubpath()
    painter.setPen(QPen(QColor("#FFFFFF"), max(1.0, radius * 0.008)))
    painter.setBrush(QColor("#DC2626"))
    painter.drawPath(path)
    painter.end()
    return image, QPointF(-width / 2 - 1, -radius - height * 0.25)


def paint_hub(radius: float, ratio: float, title: str, detail: str, enabled: bool, pressed: bool) -> QImage:
    """The centre button: a round button with its word and, below it, what a spin costs."""
    hub = radius * HUB
    side = math.ceil(2 * hub * ratio) + 4
    image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    c = side / ratio / 2
    shade = QRadialGradient(QPointF(c, c - hub * 0.3), hub * 1.2)
    if enabled:
        shade.setColorAt(0, QColor("#FF6B5B" if not pressed else "#D9382B"))
        shade.setColorAt(1, QColor("#C81E1E" if not pressed else "#9B1C1C"))
    else:
        shade.setColorAt(0, QColor("#B8BFCB"))
        shade.setColorAt(1, QColor("#8A93A3"))
    painter.setPen(QPen(QColor("#FDE68A"), max(1.0, hub * 0.07)))
    painter.setBrush(QBrush(shade))
    painter.drawEllipse(QPointF(c, c), hub * 0.95, hub * 0.95)
    painter.setPen(QColor("#FFFFFF"))
    big = label_font(hub * 0.42)
    metrics = QFontMetricsF(big)
    room = hub * 1.55
    while metrics.horizontalAdvance(title) > room and big.pixelSize() > 8:
        big.setPixelSize(big.pixelSize() - 1)
        metrics = QFontMetricsF(big)
    small = label_font(hub * 0.2)
    small.setBold(False)
    small_metrics = QFontMetricsF(small)
    detail = small_metrics.elidedText(detail, Qt.TextElideMode.ElideRight, room * 0.9)
    block = metrics.height() + (small_metrics.height() if detail else 0)
    top = c - block / 2
    painter.setFont(big)
    painter.drawText(QPointF(c - metrics.horizontalAdvance(title) / 2, top + metrics.ascent()), title)
    if detail:
        painter.setFont(small)
        painter.drawText(QPointF(c - small_metrics.horizontalAdvance(detail) / 2,
                                 top + metrics.height() + small_metrics.ascent()), detail)
    painter.end()
    return image
