"""Encodes result videos (H.264 + AAC in MP4, as the real service sends) with PyAV.

HTTP threads call `VideoMaker.order(...)`; one encoder thread works through the queue, one
video at a time, cached by (image, audio, duration). Frames are painted with QPainter on
QImage (needs the process's QGuiApplication for fonts); only the caption band changes
between frames, so only that band is converted to YUV per frame.
"""

from __future__ import annotations

import hashlib
import os
import queue
import shutil
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import av
from PySide6.QtGui import QImage

from app.sim.media import FramePainter, Soundtrack, load_picture, load_soundtrack
from app.sim.state import VideoOrder

AUDIO_CHUNK_FRAMES = 1024  # AAC's frame size
X264_OPTIONS = {"preset": "ultrafast", "crf": "26", "threads": "1"}  # fastest measured on 2 cores
AAC_OPTIONS = {"aac_coder": "fast"}  # the default coder takes twice as long


@dataclass
class _Work:
    key: str
    image: bytes | None
    audio: bytes | None
    seconds: int
    waiters: list[tuple[VideoOrder, int]] = field(default_factory=list)


def digest(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()


def pad_with_free_box(path: Path, target: int) -> None:
    """Grow an MP4 to `target` bytes with a trailing `free` box (players skip it)."""
    size = path.stat().st_size
    extra = target - size
    if extra < 8:
        return
    with path.open("ab") as f:
        f.write(struct.pack(">I4s", extra, b"free"))
        left, zeros = extra - 8, bytes(1 << 20)
        while left > 0:
            n = min(left, len(zeros))
            f.write(zeros[:n])
            left -= n


def _rgba_frame(image: QImage) -> av.VideoFrame:
    w, h = image.width(), image.height()
    frame = av.VideoFrame(w, h, "rgba")
    if frame.planes[0].line_size == image.bytesPerLine():
        frame.planes[0].update(image.constBits())
        return frame
    return av.VideoFrame.from_bytes(bytes(image.constBits()), w, h, format="rgba")


def _yuv_frames(painter: FramePainter, fps: int):
    """The frames as yuv420p: the still top converted once, the changing band per frame."""
    w, h, top = painter.base.width(), painter.base.height(), painter.strip_top
    still = _rgba_frame(painter.base).reformat(format="yuv420p")
    heads = [
        bytes(p)[: p.line_size * (top if i == 0 else top // 2)] for i, p in enumerate(still.planes)
    ]
    for i in range(fps * painter.seconds):
        band = _rgba_frame(painter.strip(i / fps)).reformat(format="yuv420p")
        frame = av.VideoFrame(w, h, "yuv420p")
        if [p.line_size for p in frame.planes] == [p.line_size for p in band.planes]:
            for plane, head, part in zip(frame.planes, heads, band.planes, strict=True):
                plane.update(head + bytes(part))
        else:  # rows padded differently: convert the whole frame
            frame = _rgba_frame(painter.frame(i / fps)).reformat(format="yuv420p")
        frame.pts = i
        yield frame


def encode_mp4(path: Path, painter: FramePainter, sound: Soundtrack, fps: int) -> None:
    """Write an H.264 + AAC MP4 of `painter.seconds` seconds to `path`."""
    layout = "stereo" if sound.channels == 2 else "mono"
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height = painter.base.width(), painter.base.height()
        video.pix_fmt = "yuv420p"
        video.options = dict(X264_OPTIONS)
        audio = out.add_stream("aac", rate=sound.rate, layout=layout)
        audio.options = dict(AAC_OPTIONS)
        for frame in _yuv_frames(painter, fps):
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        step = 2 * sound.channels
        total = len(sound.pcm) // step
        for pos in range(0, total, AUDIO_CHUNK_FRAMES):
            n = min(AUDIO_CHUNK_FRAMES, total - pos)
            chunk = av.AudioFrame(format="s16", layout=layout, samples=n)
            chunk.planes[0].update(sound.pcm[pos * step : (pos + n) * step])
            chunk.sample_rate, chunk.pts = sound.rate, pos
            out.mux(audio.encode(chunk))
        out.mux(audio.encode(None))


class VideoMaker:
    """Makes (and caches) the simulator's result videos; `order` is thread-safe."""

    def __init__(self, workdir: Path, fps: int = 10):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.fps = fps
        self.timings: list[tuple[int, float]] = []  # (seconds of video, seconds to encode)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, int], VideoOrder] = {}
        self._pending: dict[str, _Work] = {}
        self._queue: queue.Queue[_Work | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="encoder", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the encoder thread once the current video is done."""
        self._queue.put(None)
        self._thread.join(30)

    def order(self, image: bytes | None, audio: bytes | None, seconds: int, pad_to: int = 0):
        """A VideoOrder for this input (shared when the same video was asked for before)."""
        key = f"{digest(image)[:16]}-{digest(audio)[:16]}-{seconds}s"
        with self._lock:
            cached = self._cache.get((key, pad_to))
            if cached is not None and not cached.error:
                return cached
            order = VideoOrder(key=f"{key}-{pad_to}" if pad_to else key)
            self._cache[(key, pad_to)] = order
            work = self._pending.get(key)
            base = self._cache.get((key, 0))
            if pad_to and base is not None and base.done.is_set() and base.path:
                # encoded already: only the padding is missing
                work = _Work(key, None, None, seconds, [(order, pad_to)])
                self._queue.put(work)
                return order
            if work is None:
                work = _Work(key, image, audio, seconds)
                self._pending[key] = work
                self._queue.put(work)
            work.waiters.append((order, pad_to))
            return order

    def _run(self) -> None:
        while (work := self._queue.get()) is not None:
            path = self.workdir / f"{work.key}.mp4"
            error = None
            if not path.exists():
                started = time.monotonic()
                error = self._encode(work, path)
                self.timings.append((work.seconds, time.monotonic() - started))
            self._finish(work, path, error)

    def _encode(self, work: _Work, path: Path) -> str | None:
        partial = path.with_suffix(".part.mp4")
        try:
            painter = FramePainter(load_picture(work.image), work.seconds)
            encode_mp4(partial, painter, load_soundtrack(work.audio, work.seconds), self.fps)
            os.replace(partial, path)
            return None
        except Exception as e:  # noqa: BLE001 - a failed encoding fails the job, not the server
            partial.unlink(missing_ok=True)
            return f"encoder error: {e}"

    def _finish(self, work: _Work, path: Path, error: str | None) -> None:
        with self._lock:
            self._pending.pop(work.key, None)
            waiters = list(work.waiters)
        for order, pad_to in waiters:
            if error is None and pad_to:
                padded = self.workdir / f"{work.key}-{pad_to}.mp4"
                if not padded.exists():
                    shutil.copyfile(path, padded)
                    pad_with_free_box(padded, pad_to)
                _fill(order, padded, None)
            else:
                _fill(order, path, error)


def _fill(order: VideoOrder, path: Path, error: str | None) -> None:
    if error is None and path.exists() and path.stat().st_size > 0:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        order.path, order.sha256, order.size = str(path), h.hexdigest(), path.stat().st_size
    else:
        order.error = error or "the encoder wrote no file"
    order.done.set()
