"""The spin wheel (大转盘) drawn with QPainter: coloured segments, fitted labels, a pointer, a centre button.

The wheel itself (segments, labels, rim and its lights) is painted once into
a cached image, rebuilt only when the segments, the size or the screen's
pixel ratio change; a frame only rotates that image and puts the fixed
pointer and centre button (two more small cached images) on top. While the
wheel turns fast the rotation skips smoothing (nobody sees the edges of a
blur); slow and at rest it is smoothed.

Angles are degrees clockwise. Segment ``i`` covers ``[i, i + 1) × span``
measured clockwise from the top of the unrotated wheel; the pointer sits at
the top. ``spin_to`` animates an ease-out spin of several full turns that
stops inside the segment asked for (at a chosen or random point between
its edges, never on one), and says so with ``finished(index)``. The caller
decides the outcome first (the core commits the draw); the wheel only shows
it. ``segment_under_pointer`` reads where the wheel stands.

The operator's wheel editor can reuse it as a preview: ``set_segments`` with
(label, colour) pairs is all it needs.
"""
from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEasingCurve, QPointF, QRectF, QSize, Qt, QVariantAnimation, Signal
from PySide6.QtGui import (QBrush, QColor, QFont, QFontMetricsF, QImage, QKeyEvent, QMouseEvent, QPainter,
                           QPainterPath, QPaintEvent, QPen, QRadialGradient, QResizeEvent)
from PySide6.QtWidgets import QSizePolicy, QWidget

FAMILIES = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei",
            "sans-serif"]
SPIN_MS = 4500  # a few seconds: long enough to build suspense, short enough for a queue at the till
TURNS = 6  # full turns before the landing
FAST_DEGREES = 3.0  # per frame; faster than this the rotation is drawn without smoothing
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


class SpinWheel(QWidget):
    """A wheel of (label, colour) segments that spins to the segment it is told."""

    finished = Signal(int)  # the segment the spin stopped on
    spin_requested = Signal()  # the centre button was clicked (or Space/Enter with the focus on the wheel)
    angle_changed = Signal(float)
    segments_changed = Signal()
    centre_text_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spinWheel")
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setMouseTracking(True)
        self.duration_ms = SPIN_MS
        self._segments: list[tuple[str, str]] = []
        self._angle = 0.0
        self._painted_angle = 0.0
        self._target: int | None = None
        self._interactive = True
        self._pressed = False
        self._title = self.tr("Spin")
        self._detail = ""
        self._face: QImage | None = None
        self._pointer: tuple[QImage, QPointF] | None = None
        self._hub: QImage | None = None
        self._source: SpinWheel | None = None
        self._animation = QVariantAnimation(self)
        self._animation.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._animation.valueChanged.connect(self._animated)
        self._animation.finished.connect(self._landed)

    # -- what it shows ------------------------------------------------------------------------

    def set_segments(self, segments: Sequence[tuple[str, str]]) -> None:
        """(label, colour) for each segment, clockwise from the top."""
        self._segments = [(str(label), str(colour)) for label, colour in segments]
        self._face = None
        self.segments_changed.emit()
        self.update()

    def segments(self) -> list[tuple[str, str]]:
        return list(self._segments)

    def set_centre_text(self, title: str, detail: str = "") -> None:
        """The centre button's word (e.g. "Spin") and a small line under it (e.g. the cost)."""
        self._title, self._detail = title, detail
        self._hub = None
        self.centre_text_changed.emit()
        self.update()

    def centre_text(self) -> tuple[str, str]:
        return self._title, self._detail

    def set_interactive(self, interactive: bool) -> None:
        """Whether the centre button takes clicks (it also looks greyed when not)."""
        self._interactive = interactive
        self._pressed = False
        self._hub = None
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.update()

    def is_interactive(self) -> bool:
        return self._interactive

    # -- where it stands and spinning ---------------------------------------------------------

    def angle(self) -> float:
        return self._angle

    def set_angle(self, degrees: float) -> None:
        self._angle = degrees
        self.angle_changed.emit(degrees)
        self.update()

    def span(self) -> float:
        return 360 / len(self._segments) if self._segments else 360.0

    def segment_under_pointer(self) -> int:
        """The segment at the pointer for the current angle (-1 without segments)."""
        if not self._segments:
            return -1
        under = (-self._angle) % 360  # the wheel turned clockwise by the angle: the pointer sees the point behind it
        return min(int(under // self.span()), len(self._segments) - 1)

    def is_spinning(self) -> bool:
        if self._source is not None and self._source.is_spinning():
            return True
        return self._animation.state() == QVariantAnimation.State.Running

    def follow(self, source: SpinWheel) -> None:
        """Mirror ``source`` from now on: its segments, centre words and every frame of its spins (the
        customer's screen). ``finished`` is passed on when the source lands."""
        self._source = source  # from now on clicks and keys are ignored: the source is the one spun
        self.set_segments(source.segments())
        self.set_centre_text(*source.centre_text())
        self.set_angle(source.angle())
        source.segments_changed.connect(self._copy_segments)
        source.centre_text_changed.connect(self._copy_centre_text)
        source.angle_changed.connect(self.set_angle)
        source.finished.connect(self.finished)

    def _copy_segments(self) -> None:
        if self._source is not None:
            self.set_segments(self._source.segments())

    def _copy_centre_text(self) -> None:
        if self._source is not None:
            self.set_centre_text(*self._source.centre_text())

    def target(self) -> int | None:
        """The segment the running spin lands on."""
        return self._target if self.is_spinning() else None

    def spin_to(self, index: int, *, offset: float | None = None, turns: int = TURNS,
                duration_ms: int | None = None) -> None:
        """Spin ``turns`` full turns and then on to ``index``, stopping at ``offset`` (0-1) of its width.

        Without an offset a random point between 20% and 80% of the segment is
        taken, so the wheel does not always stop at the same place; a spin
        already running is cut short first.
        """
        if not 0 <= index < len(self._segments):
            raise IndexError(f"segment {index} of {len(self._segments)}")
        if self.is_spinning():
            self.finish_now()
        offset = random.uniform(0.2, 0.8) if offset is None else min(max(offset, 0.05), 0.95)
        wanted = (-(index + offset) * self.span()) % 360  # the angle that puts that point under the pointer
        start = self._angle
        travel = (wanted - start) % 360 + 360 * max(0, turns)
        self._target = index
        self._animation.stop()
        self._animation.setDuration(self.duration_ms if duration_ms is None else max(1, duration_ms))
        self._animation.setStartValue(start)
        self._animation.setEndValue(start + travel)
        self._animation.start()

    def finish_now(self) -> None:
        """Jump to the end of the running spin (it still reports ``finished``)."""
        if self.is_spinning():
            self._animation.setCurrentTime(self._animation.duration())

    def _animated(self, value: object) -> None:
        self._angle = float(value)  # type: ignore[arg-type]
        self.angle_changed.emit(self._angle)
        self.update()

    def _landed(self) -> None:
        self._angle %= 360  # keep the number small; the position is the same
        self.angle_changed.emit(self._angle)
        self.update()
        target, self._target = self._target, None
        self.finished.emit(target if target is not None else self.segment_under_pointer())

    # -- painting -----------------------------------------------------------------------------

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(520, 520)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False

    def wheel_geometry(self) -> Geometry:
        return geometry_for(self.width(), self.height())

    def invalidate(self) -> None:
        """Drop the cached images: the next frame paints them again."""
        self._face = self._pointer = self._hub = None

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.invalidate()

    def cached_face(self) -> QImage:
        """The painted face that frames rotate (painted now if it is not cached)."""
        return self._cached()[0]

    def _cached(self) -> tuple[QImage, tuple[QImage, QPointF], QImage]:
        geo = self.wheel_geometry()
        ratio = self.devicePixelRatioF()
        if self._face is None or self._face.devicePixelRatio() != ratio:
            self._face = paint_face(self._segments, geo.radius, ratio)
            self._pointer = None
            self._hub = None
        if self._pointer is None:
            self._pointer = paint_pointer(geo.radius, ratio)
        if self._hub is None:
            self._hub = paint_hub(geo.radius, ratio, self._title, self._detail, self._interactive, self._pressed)
        return self._face, self._pointer, self._hub

    def paint_frame(self, painter: QPainter) -> None:
        """One frame: the cached face rotated to the current angle, then the pointer and the hub."""
        face, (pointer, pointer_at), hub = self._cached()
        geo = self.wheel_geometry()
        fast = self.is_spinning() and abs(self._angle - self._painted_angle) > FAST_DEGREES
        self._painted_angle = self._angle
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not fast)
        painter.save()
        painter.translate(geo.centre)
        painter.rotate(self._angle)
        half = face.width() / face.devicePixelRatio() / 2
        painter.drawImage(QPointF(-half, -half), face)
        painter.restore()
        painter.drawImage(geo.centre + pointer_at, pointer)
        hub_half = hub.width() / hub.devicePixelRatio() / 2
        painter.drawImage(geo.centre - QPointF(hub_half, hub_half), hub)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        self.paint_frame(painter)
        painter.end()

    # -- the centre button --------------------------------------------------------------------

    def _takes_input(self) -> bool:
        return self._interactive and self._source is None and not self.is_spinning()

    def _on_hub(self, at: QPointF) -> bool:
        geo = self.wheel_geometry()
        d = at - geo.centre
        return math.hypot(d.x(), d.y()) <= geo.hub

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        over = self._takes_input() and self._on_hub(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton and self._takes_input() and self._on_hub(event.position()):
            self._pressed = True
            self._hub = None
            self.update()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self._pressed and event.button() == Qt.MouseButton.LeftButton:
            self._pressed = False
            self._hub = None
            self.update()
            if self._takes_input() and self._on_hub(event.position()):
                self.spin_requested.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            if self._takes_input():
                self.spin_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)
