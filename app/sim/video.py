"""Encodes result videos with QtMultimedia on the Qt thread, cached by (image, audio, duration).

HTTP threads call `VideoMaker.order(...)`; the Qt thread picks the work up from a queue
(polled by a timer) and encodes one video at a time with QMediaCaptureSession +
QVideoFrameInput + QAudioBufferInput -> QMediaRecorder (MPEG-4 Part 2 + AAC).
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

from PySide6.QtCore import QObject, QSize, QTimer, QUrl
from PySide6.QtMultimedia import (
    QAudioBuffer,
    QAudioBufferInput,
    QAudioFormat,
    QMediaCaptureSession,
    QMediaFormat,
    QMediaRecorder,
    QVideoFrame,
    QVideoFrameFormat,
    QVideoFrameInput,
)

from app.sim.media import FramePainter, Soundtrack, load_picture, load_soundtrack
from app.sim.state import VideoOrder

ENCODE_TIMEOUT_S = 120.0
AUDIO_CHUNK_FRAMES = 4096


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


class VideoMaker(QObject):
    """Makes (and caches) the simulator's result videos; `order` is thread-safe."""

    def __init__(self, workdir: Path, fps: int = 10):
        super().__init__()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.fps = fps
        self.timings: list[tuple[int, float]] = []  # (seconds of video, seconds to encode)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, int], VideoOrder] = {}
        self._pending: dict[str, _Work] = {}
        self._queue: queue.Queue[_Work] = queue.Queue()
        self._busy: _Encoding | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(10)
        self._poll.timeout.connect(self._next)
        self._poll.start()

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

    def _next(self) -> None:
        if self._busy is not None:
            if self._busy.overdue():
                self._busy.abort("encoding timed out")
            return
        try:
            work = self._queue.get_nowait()
        except queue.Empty:
            return
        path = self.workdir / f"{work.key}.mp4"
        if path.exists():
            self._finish(work, path, None)
            return
        self._busy = _Encoding(work, path, self.fps, self._done)
        self._busy.start()

    def _done(self, encoding: _Encoding, error: str | None) -> None:
        self._busy = None
        self.timings.append((encoding.work.seconds, time.monotonic() - encoding.started))
        self._finish(encoding.work, encoding.path, error)

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


class _Encoding(QObject):
    """One run of the Qt recorder, fed on its readyToSend signals."""

    def __init__(self, work: _Work, path: Path, fps: int, on_done):
        super().__init__()
        self.work, self.path, self.fps, self.on_done = work, path, fps, on_done
        self.partial = path.with_suffix(".part.mp4")
        self.painter = FramePainter(load_picture(work.image), work.seconds)
        self.sound: Soundtrack = load_soundtrack(work.audio, work.seconds)
        self.frames_total = fps * work.seconds
        self.frames_sent = 0
        self.video_ended = False
        self.audio_pos = 0
        self.audio_ended = False
        self.finished = False
        self.started = time.monotonic()

        size = self.painter.base.size()
        self.session = QMediaCaptureSession()
        frame_format = QVideoFrameFormat(QSize(size), QVideoFrameFormat.PixelFormat.Format_BGRA8888)
        frame_format.setStreamFrameRate(fps)
        self.video_in = QVideoFrameInput(frame_format)
        self.session.setVideoFrameInput(self.video_in)
        self.audio_format = QAudioFormat()
        self.audio_format.setSampleRate(self.sound.rate)
        self.audio_format.setChannelCount(self.sound.channels)
        self.audio_format.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self.audio_in = QAudioBufferInput(self.audio_format)
        self.session.setAudioBufferInput(self.audio_in)
        self.recorder = QMediaRecorder()
        self.session.setRecorder(self.recorder)
        fmt = QMediaFormat(QMediaFormat.FileFormat.MPEG4)
        fmt.setVideoCodec(QMediaFormat.VideoCodec.MPEG4)
        fmt.setAudioCodec(QMediaFormat.AudioCodec.AAC)
        self.recorder.setMediaFormat(fmt)
        self.recorder.setVideoResolution(size)
        self.recorder.setVideoFrameRate(fps)
        self.recorder.setQuality(QMediaRecorder.Quality.NormalQuality)
        self.recorder.setOutputLocation(QUrl.fromLocalFile(str(self.partial)))
        self.recorder.setAutoStop(True)
        self.video_in.readyToSendVideoFrame.connect(self._send_video)
        self.audio_in.readyToSendAudioBuffer.connect(self._send_audio)
        self.recorder.errorOccurred.connect(self._on_error)
        self.recorder.recorderStateChanged.connect(self._on_state)

    def start(self) -> None:
        if self.partial.exists():
            self.partial.unlink()
        self.recorder.record()

    def overdue(self) -> bool:
        return time.monotonic() - self.started > ENCODE_TIMEOUT_S

    def abort(self, why: str) -> None:
        self.recorder.stop()
        self._end(why)

    def _send_video(self) -> None:
        while self.frames_sent < self.frames_total:
            i = self.frames_sent
            frame = QVideoFrame(self.painter.frame(i / self.fps))
            frame.setStartTime(int(i * 1e6 / self.fps))
            frame.setEndTime(int((i + 1) * 1e6 / self.fps))
            if not self.video_in.sendVideoFrame(frame):
                return  # queue full: readyToSendVideoFrame comes again
            self.frames_sent += 1
        # the end-of-stream frame can be refused too; without it auto-stop never fires
        if not self.video_ended and self.video_in.sendVideoFrame(QVideoFrame()):
            self.video_ended = True

    def _send_audio(self) -> None:
        s = self.sound
        frame_bytes = 2 * s.channels
        total = len(s.pcm) // frame_bytes
        while self.audio_pos < total:
            n = min(AUDIO_CHUNK_FRAMES, total - self.audio_pos)
            chunk = s.pcm[self.audio_pos * frame_bytes : (self.audio_pos + n) * frame_bytes]
            start_us = int(self.audio_pos * 1e6 / s.rate)
            if not self.audio_in.sendAudioBuffer(QAudioBuffer(chunk, self.audio_format, start_us)):
                return
            self.audio_pos += n
        if not self.audio_ended and self.audio_in.sendAudioBuffer(QAudioBuffer()):
            self.audio_ended = True

    def _on_error(self, error, text: str) -> None:
        self._end(f"recorder error: {text or error}")

    def _on_state(self, state) -> None:
        if state == QMediaRecorder.RecorderState.StoppedState:
            self._end(None)

    def _end(self, error: str | None) -> None:
        if self.finished:
            return
        self.finished = True
        if error is None:
            actual = self.recorder.actualLocation().toLocalFile() or str(self.partial)
            if os.path.exists(actual) and os.path.getsize(actual) > 0:
                os.replace(actual, self.path)
            else:
                error = "the encoder wrote no file"
        # let Qt unwind its signal emission before the objects go away
        QTimer.singleShot(0, lambda: self.on_done(self, error))
