"""One tile of the takes view: a take's video, its label (take N, seed) and its Keep star.

Each tile has its own QMediaPlayer feeding a QVideoSink; the frames are drawn by the
app's VideoView (as in the preview: visible offscreen and in screenshots, no native video
window). The tile also keeps the clock the takes view syncs on: the start time of the
last frame it was given and when it came (`FrameClock`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from app.ui.desktop import open_path
from app.ui.icons import icon
from app.ui.thumbnails import VIDEO, ThumbnailCache
from app.ui.video_view import VideoView

MAX_LEAD_MS = 250.0
STALE_MS = 400  # a clock whose last frame is older than this (while playing) is not trusted


@dataclass(frozen=True)
class Take:
    """What the view shows of one take (plain data: the view never sees the engine)."""

    job_id: str
    label: str  # "Take 2"
    seed: int
    path: str  # the video file (may be missing)
    kept: bool = False


def wrap(delta_ms: float, period_ms: float) -> float:
    """A difference of positions in a looping clip, brought into (-period/2, period/2]."""
    if period_ms <= 0:
        return delta_ms
    return (delta_ms + period_ms / 2) % period_ms - period_ms / 2


@dataclass
class FrameClock:
    """Where a player is, from its frames: the last frame's start time and its arrival."""

    frame_ms: float | None = None
    arrived: float = 0.0  # time.monotonic() of the last frame
    frames: int = 0  # frames seen since the view opened
    drifts: list[float] = field(default_factory=list)  # ms ahead of the master, per frame
    corrections: int = 0
    lead_ms: float = 0.0  # how far past the master a correction aims (learned, see landed)
    landing: bool = False  # a correction was made: its first drift tells how it landed
    quiet_until: float = 0.0  # after a seek: ignore this clock until then

    def reset(self, quiet_s: float = 0.0) -> None:
        self.frame_ms = None
        self.quiet_until = time.monotonic() + quiet_s

    def tick(self, start_us: int, now: float) -> None:
        self.frames += 1
        if now >= self.quiet_until:
            self.frame_ms, self.arrived = start_us / 1000.0, now

    def landed(self, drift_ms: float) -> None:
        """The first drift after a correction: aim that much further next time (a seek
        lands a little behind where it was aimed: the master moves on meanwhile)."""
        self.landing = False
        self.lead_ms = min(max(self.lead_ms - drift_ms, 0.0), MAX_LEAD_MS)

    def at(self, now: float) -> float | None:
        """The media time now (ms), extrapolated from the last frame; None if unknown."""
        if self.frame_ms is None or now < self.quiet_until:
            return None
        elapsed = (now - self.arrived) * 1000.0
        return None if elapsed > STALE_MS else self.frame_ms + elapsed


class TakeTile(QFrame):
    """A take: its label, its Keep star and its video (or why there is none)."""

    keep_toggled = Signal(str, bool)  # job_id, kept

    def __init__(self, take: Take, mm, stills: ThumbnailCache, parent: QWidget | None = None):
        super().__init__(parent)
        self.take = take
        self.mm = mm
        self.clock = FrameClock()
        # QtMultimedia is loaded lazily (app.ui.multimedia): its classes are untyped here
        self.player: Any = None
        self.sink: Any = None
        self.audio_output: Any = None
        self.released = False
        # called with the tile after each frame (the view's sync)
        self.on_frame: Callable[[TakeTile], None] | None = None
        self.missing = not Path(take.path).is_file()
        self.stills = stills
        self.setObjectName("take")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        words = f"{take.label} · seed {take.seed}" if take.label else f"seed {take.seed}"
        self.title = QLabel(words)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setToolTip(take.path)
        self.keep = QToolButton()
        self.keep.setCheckable(True)
        self.keep.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.keep.setAccessibleName(f"Keep {words}")
        self.keep.setToolTip("Mark this take as the one to keep (a star in the queue)")
        self.keep.toggled.connect(self._keep_clicked)
        self.video = VideoView()
        self.video.setMinimumSize(120, 90)
        self.video.setAccessibleName(f"Video of {words}")

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title, 1)
        self.open_button = None
        if mm is None and not self.missing:  # no playback here: the system player can
            self.open_button = QToolButton()
            self.open_button.setIcon(icon("video"))
            self.open_button.setToolTip("Open this take in your system's player")
            self.open_button.setAccessibleName("Open in system player")
            self.open_button.clicked.connect(lambda: open_path(take.path, parent=self))
            head.addWidget(self.open_button)
        head.addWidget(self.keep)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        lay.addLayout(head)
        lay.addWidget(self.video, 1)
        self.set_kept(take.kept)
        if self.missing:
            self.video.set_still(None, f"Video missing\n{take.path}")
        else:
            self.show_still()

    # the player ------------------------------------------------------------------
    def attach_player(self, with_sound: bool) -> None:
        """Make the tile's player (only for a file that exists, with QtMultimedia loaded).

        Sound only when asked (the master tile) and when the machine has an output device:
        an audio output with no device under Qt's FFmpeg backend is a suspect of a crash.
        """
        if self.mm is None or self.missing:
            return
        mm = self.mm
        self.player = mm.QMediaPlayer(self)
        if with_sound and mm.QMediaDevices.audioOutputs():
            self.audio_output = mm.QAudioOutput(self)
            self.player.setAudioOutput(self.audio_output)
        self.sink = mm.QVideoSink(self)
        self.player.setVideoOutput(self.sink)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(self._on_error)
        self.player.setSource(QUrl.fromLocalFile(self.take.path))

    def playable(self) -> bool:
        return self.player is not None and not self.released

    def playing(self) -> bool:
        return self.playable() and (
            self.player.playbackState() == self.mm.QMediaPlayer.PlaybackState.PlayingState
        )

    def position(self) -> int:
        return self.player.position() if self.playable() else 0

    def release(self) -> None:
        """Stop, let go of the file (so it can be moved or deleted) and take the signals away."""
        if self.player is None or self.released:
            return
        self.released = True
        self.player.stop()
        self.player.setSource(QUrl())
        for signal in (self.player.mediaStatusChanged, self.player.errorOccurred):
            signal.disconnect()
        self.sink.videoFrameChanged.disconnect()
        self.video.set_frame(None)

    # keep --------------------------------------------------------------------------
    def set_kept(self, kept: bool) -> None:
        self.keep.blockSignals(True)
        self.keep.setChecked(kept)
        self.keep.blockSignals(False)
        self.keep.setText("★ Kept" if kept else "☆ Keep")
        self.setProperty("kept", kept)
        self.setLineWidth(2 if kept else 1)
        self.setStyleSheet(
            "QFrame#take { border: 2px solid palette(highlight); border-radius: 4px; }"
            if kept
            else ""
        )

    def kept(self) -> bool:
        return self.keep.isChecked()

    def _keep_clicked(self, on: bool) -> None:
        self.set_kept(on)
        self.keep_toggled.emit(self.take.job_id, on)

    # pictures ----------------------------------------------------------------------
    def show_still(self) -> None:
        if self.missing:
            return
        still = self.stills.get(self.take.path, VIDEO)
        still = still if isinstance(still, QPixmap) else None  # PENDING: not decoded yet
        self.video.set_still(still, "" if still is not None else "Loading the video…")

    def _on_frame(self, frame) -> None:
        if not frame.isValid() or self.released:
            return
        self.clock.tick(frame.startTime(), time.monotonic())
        if self.on_frame is not None:
            self.on_frame(self)
        self.video.set_frame(frame.toImage())

    def _on_status(self, status) -> None:
        st = self.mm.QMediaPlayer.MediaStatus
        if status == st.InvalidMedia:
            self.video.set_frame(None)
            self.video.set_still(None, f"This video cannot be played here\n{self.take.path}")

    def _on_error(self, _error, text: str) -> None:
        if text:
            self.video.set_frame(None)
            self.video.set_still(None, f"{text}\n{self.take.path}")
