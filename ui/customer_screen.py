"""The screen facing the customer: the wheel as it spins at the counter, and the prize in large type.

Opened from the games page. With a second monitor it fills that monitor
without a frame; with one monitor it is an ordinary window the cashier can
place. It never takes input that matters: the wheel mirrors every frame of
the counter's wheel (``SpinWheel.follow``), the words are set by the games
page, and Escape or the games page's button closes it. It shows no phone
number or balance, since other customers can see it.
"""
from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Protocol

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .widgets.wheel_view import SpinWheel


class _Screen(Protocol):
    def geometry(self) -> QRect: ...


def customer_side(screens: Sequence[_Screen], primary: _Screen | None) -> _Screen | None:
    """The monitor facing the customer: the first one that is not the cashier's (primary), if any."""
    if len(screens) < 2:
        return None
    return next((screen for screen in screens if screen is not primary), None)


class CustomerScreen(QWidget):
    closed = Signal()

    def __init__(self, source: SpinWheel, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("customerScreen")
        self.setWindowTitle(self.tr("Spin the wheel"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        qss = resources.files("assets") / "games.qss"
        if qss.is_file():
            self.setStyleSheet(qss.read_text(encoding="utf-8"))
        self.title = QLabel(objectName="customerTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.wheel = SpinWheel()
        self.wheel.setObjectName("customerWheel")
        self.wheel.follow(source)
        self.wheel.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.result = QLabel(objectName="customerResult")
        self.result.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result.setWordWrap(True)
        self.result.setMinimumHeight(90)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 28)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.wheel, 1)
        layout.addWidget(self.result)
        self.fullscreen = False
        self.show_waiting()

    # -- where it opens -------------------------------------------------------------------------

    def open_on_customer_side(self) -> None:
        """Full screen without a frame on the second monitor, else a normal window."""
        target = customer_side(QGuiApplication.screens(), QGuiApplication.primaryScreen())
        if isinstance(target, QScreen):
            self.fullscreen = True
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            self.setScreen(target)
            self.setGeometry(target.geometry())
            self.showFullScreen()
        else:
            self.fullscreen = False
            self.resize(820, 900)
            self.show()
        self.raise_()

    # -- what it says ---------------------------------------------------------------------------

    def show_title(self, text: str) -> None:
        self.title.setText(text)

    def show_waiting(self) -> None:
        self.show_result(self.tr("Good luck!"), "waiting")

    def show_result(self, text: str, kind: str) -> None:
        """``kind``: waiting, spinning, win, nothing."""
        self.result.setText(text)
        self.result.setProperty("kind", kind)
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.closed.emit()
        super().closeEvent(event)
