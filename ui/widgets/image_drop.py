"""An item's picture: shows the current image and takes a new one dropped onto it.

Any single local file is accepted for dropping; whether it is an image we
take (JPEG, PNG, WebP, BMP, GIF, not damaged, not too big) is the core's
decision, made by whoever listens to ``file_dropped``. The area only shows
a frame while something is dragged over it.
"""
from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


def dropped_path(mime: QMimeData) -> str | None:
    """The one local file being dragged, or None (several files, a web link, text)."""
    if not mime.hasUrls():
        return None
    urls = [url for url in mime.urls() if url.isLocalFile()]
    return urls[0].toLocalFile() if len(urls) == 1 and len(mime.urls()) == 1 else None


class ImageDropArea(QFrame):
    file_dropped = Signal(str)  # a local path, not yet checked

    def __init__(self, parent: QWidget | None = None, size: QSize = QSize(260, 260)) -> None:
        super().__init__(parent)
        self.setObjectName("imageDropArea")
        self.setAcceptDrops(True)
        self.setFixedSize(size)
        self.setProperty("dragging", False)
        self._pixmap = QPixmap()
        self.picture = QLabel(objectName="imagePreview")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder = QLabel(self.tr("No picture yet.\nDrop an image here."), objectName="imagePlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.placeholder, 1)
        self.picture.hide()

    def set_image(self, data: bytes | None) -> bool:
        """Show an encoded image (or the placeholder for None); False when Qt cannot decode it."""
        pixmap = QPixmap()
        if data is not None and not pixmap.loadFromData(data):
            return False
        self._pixmap = pixmap
        self._show()
        return True

    def has_image(self) -> bool:
        return not self._pixmap.isNull()

    def _show(self) -> None:
        if self._pixmap.isNull():
            self.picture.clear()
            self.picture.hide()
            self.placeholder.show()
            return
        room = self.contentsRect().size() - QSize(16, 16)
        self.picture.setPixmap(self._pixmap.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                                   Qt.TransformationMode.SmoothTransformation))
        self.placeholder.hide()
        self.picture.show()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._show()

    # -- dropping ---------------------------------------------------------------

    def _highlight(self, on: bool) -> None:
        self.setProperty("dragging", on)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
            self._highlight(True)
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self._highlight(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self._highlight(False)
        path = dropped_path(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.file_dropped.emit(path)
