"""The status bar's sync light: online or offline, entries waiting to sync, the last sync.

Shown only on an offline-capable store's desktop. A green dot and "Online"
when the last attempt reached HQ, red and "Offline" when it did not, grey
while the first attempt runs; then how many local entries are still waiting
for HQ and when the last sync finished, in the store's time. The tooltip
holds the last error in full, so a supervisor can read it out to HQ.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from .. import i18n

COLOURS = {"online": "#2E9E5B", "offline": "#D64545", "unknown": "#9AA5B1"}


@dataclass(frozen=True)
class SyncView:
    """What the status bar shows; the runner makes a new one after every attempt."""

    online: bool | None = None  # None: not tried since start
    syncing: bool = False
    pending: int = 0  # local entries HQ has not confirmed
    last_sync_at: datetime | None = None  # the last attempt that reached HQ
    last_error: str | None = None  # in words, already translated
    next_try_in_s: float | None = None  # after a failure: when the runner tries again

    @property
    def state(self) -> str:
        return "unknown" if self.online is None else "online" if self.online else "offline"


class SyncStatus(QWidget):
    clicked = Signal()  # "sync now"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.dot = QLabel("●", objectName="syncDot")
        self.text = QLabel(objectName="syncText")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.dot)
        layout.addWidget(self.text)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.view = SyncView()
        self.show_view(self.view)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)

    def show_view(self, view: SyncView) -> None:
        self.view = view
        self.dot.setStyleSheet(f"color: {COLOURS[view.state]}; font-size: 16px;")
        self.setProperty("syncState", view.state)
        self.text.setText(self.words(view))
        self.setToolTip(self.tooltip(view))

    def words(self, view: SyncView) -> str:
        if view.online is None:
            state = self.tr("Connecting to HQ…") if view.syncing else self.tr("Not synced yet")
        elif view.syncing:
            state = self.tr("Syncing…")
        else:
            state = self.tr("Online") if view.online else self.tr("Offline")
        parts = [state]
        if view.pending:
            parts.append(self.tr("{count} waiting to sync").format(count=i18n.points(view.pending)))
        elif view.online is not None:
            parts.append(self.tr("all synced"))
        if view.last_sync_at is not None:
            parts.append(self.tr("last sync {time}").format(time=i18n.moment(view.last_sync_at)))
        return " · ".join(parts)

    def tooltip(self, view: SyncView) -> str:
        lines = []
        if view.last_error:
            lines.append(self.tr("Last error: {error}").format(error=view.last_error))
        if view.next_try_in_s is not None and not view.online:
            lines.append(self.tr("Next try in {seconds} s").format(seconds=max(1, round(view.next_try_in_s))))
        if view.last_sync_at is None:
            lines.append(self.tr("This store has not synced with HQ yet."))
        if not lines:
            lines.append(self.tr("Sales and redemptions are sent to HQ in the background."))
        lines.append(self.tr("Click to sync now."))
        return "\n".join(lines)
