"""Small pictures for the queue: portraits and the first frame of finished videos.

Decoded off the UI thread (one worker: the other core stays free), already scaled,
once per file, and shared between rows. Portraits are read with QImageReader; a video's
first frame with app.media.probe.first_frame, made into a QImage in the worker.
"""

from __future__ import annotations

import weakref
from collections import Counter
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from app.jobs.image_check import image_plugins_ready

IMAGE, VIDEO = "image", "video"


def decode_image(path: str, side: int) -> QImage | None:
    """A portrait scaled to fit a `side` x `side` box (runs on a worker thread)."""
    if "://" in path or not Path(path).is_file():
        return None
    image_plugins_ready()
    reader = QImageReader(path)
    reader.setDecideFormatFromContent(True)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(QSize(side, side), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


def decode_video(path: str, side: int) -> QImage | None:
    """The first frame of a finished video as an image (runs on a worker thread)."""
    if not path or not Path(path).is_file():
        return None
    from app.media.files import MediaError
    from app.media.probe import first_frame

    try:
        pic = first_frame(path, side)
    except (MediaError, OSError):
        return None
    image_plugins_ready()
    image = QImage(pic.rgb, pic.width, pic.height, pic.bytes_per_line, QImage.Format.Format_RGB888)
    return image.copy()


_DECODERS = {IMAGE: decode_image, VIDEO: decode_video}


class _Decoder(QObject):
    """One worker thread for thumbnails, shared by every cache and never deleted, so a
    decode that finishes after its model has gone has somewhere safe to report to."""

    decoded = Signal(str, str, object)  # kind, path, QImage | None (queued to the UI thread)

    def __init__(self) -> None:
        super().__init__()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)
        # One connection, to this immortal object; results go to the caches still alive
        # (queued calls aimed at a deleted cache crashed the tests now and then).
        self.caches: weakref.WeakSet = weakref.WeakSet()
        self.decoded.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def _deliver(self, kind: str, path: str, image) -> None:
        for cache in list(self.caches):
            if shiboken6.isValid(cache):
                cache._store(kind, path, image)

    def start(self, kind: str, path: str, side: int) -> None:
        decode = _DECODERS[kind]
        self.pool.start(lambda: self.decoded.emit(kind, path, decode(path, side)))


_decoder: _Decoder | None = None


def the_decoder() -> _Decoder:
    global _decoder
    if _decoder is None:
        _decoder = _Decoder()
    return _decoder


class ThumbnailCache(QObject):
    """Pre-scaled pictures by (kind, path): decoded once on the worker, then shared.

    `get` never blocks: it answers PENDING until the decode is done, then `ready(kind,
    path)` fires on the UI thread and later calls answer the pixmap, or None if unreadable.
    """

    ready = Signal(str, str)
    PENDING = object()

    def __init__(self, side: int, ratio: float = 2.0, parent=None) -> None:
        super().__init__(parent)
        self.side, self.ratio = side, ratio
        self._pixmaps: dict[tuple[str, str], QPixmap | None] = {}
        self._pending: set[tuple[str, str]] = set()
        self.decoded: Counter[str] = Counter()  # decodes done, by kind
        self._decoder = the_decoder()
        self._decoder.caches.add(self)

    def get(self, path: str | None, kind: str = IMAGE):
        """The picture, None (nothing to show: online, missing, unreadable) or PENDING."""
        if not path:
            return None
        key = (kind, path)
        if key in self._pixmaps:
            return self._pixmaps[key]
        if "://" in path:
            self._pixmaps[key] = None
            return None
        if key not in self._pending:
            self._pending.add(key)
            self._decoder.start(kind, path, int(self.side * self.ratio))
        return self.PENDING

    def forget(self, path: str, kind: str = IMAGE) -> None:
        """Decode again on the next `get` (the file changed or appeared)."""
        self._pixmaps.pop((kind, path), None)

    def _store(self, kind: str, path: str, image: QImage | None) -> None:
        key = (kind, path)
        if key not in self._pending:  # another cache's picture
            return
        self._pending.discard(key)
        self.decoded[kind] += 1
        pix = None
        if image is not None:
            pix = QPixmap.fromImage(image)
            pix.setDevicePixelRatio(self.ratio)
        self._pixmaps[key] = pix
        self.ready.emit(kind, path)

    @property
    def decodes(self) -> int:
        return sum(self.decoded.values())

    def wait(self, msecs: int = 5000) -> bool:
        """Block until queued decodes are done (tests); results still arrive queued."""
        return self._decoder.pool.waitForDone(msecs)
