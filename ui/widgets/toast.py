"""Instant feedback that fades: "Earned 50 points for this purchase, balance 1,200".

A label floating over its parent near the bottom, which stays a few seconds
and then fades out. It takes no focus and lets clicks through, so the
cashier can carry on typing while it is shown.
"""
from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QEvent, QObject, QPropertyAnimation, Qt, QTimer
from PySide6.QtWidgets import QGraphicsOpacityEffect, QLabel, QWidget

STYLES = {
    "success": "background: #1E8E5A; color: white;",
    "info": "background: #2F3A4A; color: white;",
    "warning": "background: #B7791F; color: white;",
}


class Toast(QLabel):
    def __init__(self, parent: QWidget, hold_ms: int = 3500, fade_ms: int = 700) -> None:
        super().__init__(parent)
        self._anchor: QWidget | None = None
        self.setObjectName("toast")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._kind = "success"
        self._effect = QGraphicsOpacityEffect(self)
        self._effect.setOpacity(1.0)
        self.setGraphicsEffect(self._effect)
        self._fade = QPropertyAnimation(self._effect, b"opacity", self)
        self._fade.setDuration(fade_ms)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setEasingCurve(QEasingCurve.Type.InQuad)
        self._fade.finished.connect(self.hide)
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(hold_ms)
        self._hold.timeout.connect(self._fade.start)
        parent.installEventFilter(self)
        self.hide()

    def show_message(self, text: str, kind: str = "success") -> None:
        self._kind = kind if kind in STYLES else "info"
        self.setProperty("kind", self._kind)
        self.setStyleSheet(
            f"QLabel#toast {{ {STYLES[self._kind]} border-radius: 14px; padding: 16px 28px;"
            " font-size: 20px; font-weight: 600; }")
        self.setText(text)
        self._fade.stop()
        self._effect.setOpacity(1.0)
        self._place()
        self.show()
        self.raise_()
        self._hold.start()

    def anchor_to(self, widget: QWidget) -> None:
        """Float over the bottom of ``widget`` (a descendant of the parent) instead of the parent's."""
        self._anchor = widget

    def dismiss(self) -> None:
        self._hold.stop()
        self._fade.stop()
        self.hide()

    def _place(self) -> None:
        parent = self.parentWidget()
        area = parent.rect()
        if self._anchor is not None and self._anchor.isVisible():
            area = self._anchor.geometry()
            area.moveTopLeft(self._anchor.mapTo(parent, self._anchor.rect().topLeft()))
        self.ensurePolished()
        natural = self.fontMetrics().horizontalAdvance(self.text()) + 80
        width = max(200, min(natural, area.width() - 40))
        self.setFixedWidth(width)
        self.adjustSize()
        self.move(area.left() + (area.width() - width) // 2, area.bottom() - self.height() - 28)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
