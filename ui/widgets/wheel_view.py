"""The spin wheel (大转盘) drawn with QPainter: coloured segments, fitted labels, a pointer, a centre button.

The wheel itself (segments, labels, rim and its lights) is painted once into
a cached image, rebuilt only when the segments, the size or the screen's
pixel ratio change; a frame only rotates that image and puts the fixed
pointer and centre button (two more small cached images) on top. While the
wheel turns, the rotation is drawn without smoothing (in motion nobody sees
the difference, and smoothing costs more than the rest of the frame); the
wheel at rest is drawn smoothed.

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
from collections.abc import Sequence

from PySide6.QtCore import QEasingCurve, QPointF, QSize, Qt, QVariantAnimation, Signal
from PySide6.QtGui import QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from .wheel_paint import Geometry, geometry_for, paint_face, paint_hub, paint_pointer

SPIN_MS = 4500  # a few seconds: long enough to build suspense, short enough for a queue at the till
TURNS = 6  # full turns before the landing


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
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not self.is_spinning())
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
