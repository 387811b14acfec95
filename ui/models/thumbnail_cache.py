"""Item thumbnails for the mall grid: loaded lazily off the GUI thread, kept in a bounded memory cache.

Painting a tile asks for its thumbnail; a miss paints a placeholder and
queues the image. Queued images are read in small batches on the worker
(disk cache first, the stored image otherwise: ``catalog.thumbnails``),
decoded there into QImages, and turned into QPixmaps on the GUI thread.
The most recently asked-for images load first, so the tiles on screen
come before the ones scrolled past.

Pixmaps are kept by image sha (the content's hash, so one image is the same
picture in any database) in one least-recently-used cache per process: a
page rebuilt after a language switch or opened again finds them warm.
"""
from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from ..tasks import Tasks

Loader = Callable[[dict[uuid.UUID, str]], Awaitable[dict[str, QImage]]]

CAPACITY = 600  # ~160x160 pixmaps: about 60 MB at most
BATCH = 24
MAX_QUEUED = 240


class PixmapLRU:
    """A bounded least-recently-used map from image sha to pixmap."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()

    def get(self, sha: str) -> QPixmap | None:
        pixmap = self._pixmaps.get(sha)
        if pixmap is not None:
            self._pixmaps.move_to_end(sha)
        return pixmap

    def put(self, sha: str, pixmap: QPixmap) -> None:
        self._pixmaps[sha] = pixmap
        self._pixmaps.move_to_end(sha)
        while len(self._pixmaps) > self.capacity:
            self._pixmaps.popitem(last=False)

    def __contains__(self, sha: object) -> bool:
        return sha in self._pixmaps

    def __len__(self) -> int:
        return len(self._pixmaps)

    def clear(self) -> None:
        self._pixmaps.clear()


SHARED = PixmapLRU()


class ThumbnailCache(QObject):
    loaded = Signal(list)  # image shas whose pixmaps just arrived
    failed = Signal(str)  # why a batch could not be read (shown, never swallowed)

    def __init__(self, loader: Loader, pixmaps: PixmapLRU = SHARED, parent: QObject | None = None, *,
                 batch: int = BATCH) -> None:
        super().__init__(parent)
        self._loader = loader
        self.pixmaps = pixmaps
        self.batch = batch
        self._queue: OrderedDict[str, uuid.UUID] = OrderedDict()  # sha -> image id, newest request last
        self._in_flight: set[str] = set()
        self._tasks = Tasks(self)  # the batch being read; cancelled with the cache
        self.requested = 0  # how many images were ever queued (tests and benchmarks read it)
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)  # after the paint that asked: one batch per paint, not one per tile
        self._flush.timeout.connect(self._start)

    def pixmap(self, image_id: uuid.UUID | None, sha: str | None) -> QPixmap | None:
        """The thumbnail if it is in memory; otherwise None, and it is queued to load."""
        if sha is None or image_id is None:
            return None
        pixmap = self.pixmaps.get(sha)
        if pixmap is None:
            self.request(image_id, sha)
        return pixmap

    def request(self, image_id: uuid.UUID, sha: str) -> None:
        if sha in self._in_flight or sha in self.pixmaps:
            return
        if sha in self._queue:
            self._queue.move_to_end(sha)
        else:
            self._queue[sha] = image_id
            self.requested += 1
            while len(self._queue) > MAX_QUEUED:  # scrolled far past: forget the oldest asks
                self._queue.popitem(last=False)
        if not self._tasks.running("load") and not self._flush.isActive():
            self._flush.start()

    def pending(self) -> int:
        return len(self._queue) + len(self._in_flight)

    def _start(self) -> None:
        if not self._tasks.running("load") and self._queue:
            self._tasks.start("load", self._load_batches())

    async def _load_batches(self) -> None:
        try:
            while self._queue:
                wanted: dict[uuid.UUID, str] = {}
                while self._queue and len(wanted) < self.batch:
                    sha, image_id = self._queue.popitem(last=True)
                    wanted[image_id] = sha
                self._in_flight = set(wanted.values())
                try:
                    images = await self._loader(wanted)
                except Exception as exc:  # noqa: BLE001 - reported through ``failed``; the tiles keep placeholders
                    self.failed.emit(f"{type(exc).__name__}: {exc}")
                    images = {}
                shas = []
                for sha, image in images.items():
                    if not image.isNull():
                        self.pixmaps.put(sha, QPixmap.fromImage(image))
                        shas.append(sha)
                self._in_flight = set()
                if shas:
                    self.loaded.emit(shas)
        finally:
            self._in_flight = set()

    def stop(self) -> None:
        self._flush.stop()
        self._queue.clear()
        self._tasks.cancel_all()
