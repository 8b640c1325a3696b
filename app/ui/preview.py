"""The preview pane: the selected job's video (or its first frame, or its portrait), the
player's controls, and the job's details under them.

QtMultimedia is loaded lazily (app.ui.multimedia); where it cannot load, the pane says why
and offers to open the video in the system player instead.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs.model import Job, JobState
from app.ui import multimedia
from app.ui import queue_text as words
from app.ui.desktop import open_path
from app.ui.icons import icon
from app.ui.job_details import SIMULATED_BADGE, History, JobDetails  # noqa: F401 - re-exported
from app.ui.thumbnails import IMAGE, VIDEO, ThumbnailCache
from app.ui.video_view import VideoView

STILL_SIDE = 360  # stills decoded at up to 720 px (2x): sharp in a wide pane


def _clock(ms: int) -> str:
    s = max(0, ms) // 1000
    return f"{s // 60}:{s % 60:02d}"


def _tool(name: str, tip: str) -> QToolButton:
    b = QToolButton(icon=icon(name))
    b.setToolTip(tip)
    b.setAccessibleName(tip.split(" (")[0])
    b.setAutoRaise(True)
    return b


class PreviewPlayer(QWidget):
    """Plays a finished video: play/pause, seek, volume, loop, full screen.

    `show_job(job)` shows a job's picture and details; `clear()` releases the file so it
    can be moved or deleted. Space plays/pauses, F toggles full screen, Esc leaves it.
    """

    openedExternally = Signal(str)  # path handed to the system player

    def __init__(self, parent: QWidget | None = None, history: History | None = None) -> None:
        super().__init__(parent)
        self._mm = multimedia.load()
        self._path: str | None = None
        self._job: Job | None = None
        self.stills = ThumbnailCache(STILL_SIDE, parent=self)
        self.stills.ready.connect(self._still_ready)
        self.details = JobDetails(history=history)
        self.video = VideoView()
        self.video.installEventFilter(self)
        self.message = QLabel(wordWrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_external = QPushButton(icon("video"), "Open in system player")
        self.open_external.setEnabled(False)
        self.open_external.clicked.connect(self.open_in_system_player)

        stage = QVBoxLayout()
        stage.setContentsMargins(0, 0, 0, 0)
        stage.addWidget(self.video, 3)
        if self._mm is None:
            self.player = self.audio_output = self.sink = None
            self.message.setText(multimedia.unavailable_reason() or "")
        else:
            self._build_player(stage)
        stage.addWidget(self.message)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.details)
        self.details_scroll = scroll
        # side by side: the pane is wide and short, the queue above takes the height
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(stage, 3)
        lay.addWidget(scroll, 2)
        self.setMinimumWidth(240)
        self.clear()

    # construction ------------------------------------------------------------
    def _build_player(self, stage: QVBoxLayout) -> None:
        mm = self._mm
        self.player = mm.QMediaPlayer(self)
        self.audio_output = mm.QAudioOutput(self)
        # no sound device (a server, a container): play the picture only; an audio output
        # with no device under Qt's FFmpeg backend is a suspect of a rare crash
        if mm is not None and mm.QMediaDevices.audioOutputs():
            self.player.setAudioOutput(self.audio_output)
        self.sink = mm.QVideoSink(self)
        self.player.setVideoOutput(self.sink)
        self.sink.videoFrameChanged.connect(self._on_frame)

        self.play_button = _tool("play", "Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.position_label = QLabel("0:00")
        self.length_label = QLabel("0:00")
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setToolTip("Seek")
        self.seek.setAccessibleName("Position in the video")
        self.seek.sliderMoved.connect(self.player.setPosition)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(90)
        self.volume.setToolTip("Volume")
        self.volume.setAccessibleName("Volume")
        self.volume.valueChanged.connect(lambda v: self.audio_output.setVolume(v / 100))
        self.audio_output.setVolume(0.8)
        self.loop = _tool("loop", "Loop")
        self.loop.setCheckable(True)
        self.loop.setText("Loop")
        self.loop.toggled.connect(self._set_loop)
        self.fullscreen_button = _tool("fullscreen", "Full screen (F; Esc leaves)")
        self.fullscreen_button.clicked.connect(lambda: self.set_full_screen(True))

        self.volume.setMaximumWidth(60)
        self.seek.setMinimumWidth(120)  # the seek bar is the last thing to shrink
        self.open_external.setText("")
        self.open_external.setToolTip("Open the video in your system's player")
        self.open_external.setAccessibleName("Open in system player")
        bar = QHBoxLayout()  # one row: the pane stays short, the queue above keeps its rows
        for w in (self.play_button, self.position_label, self.seek, self.length_label):
            bar.addWidget(w, 1 if w is self.seek else 0)
        for w in (self.volume, self.loop, self.fullscreen_button, self.open_external):
            bar.addWidget(w)
        stage.addLayout(bar)

        self.player.durationChanged.connect(self._on_duration)
        self.player.positionChanged.connect(self._on_position)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(self._on_error)
        for key, slot in (
            (Qt.Key.Key_Space, self.toggle_play),
            (Qt.Key.Key_F, self.toggle_full_screen),
        ):
            QShortcut(QKeySequence(key), self, slot).setContext(
                Qt.ShortcutContext.WidgetWithChildrenShortcut
            )

    # public API ----------------------------------------------------------------
    def multimedia_available(self) -> bool:
        return self._mm is not None

    def video_sink(self):
        """The QVideoSink frames arrive on (None without QtMultimedia)."""
        return self.sink

    def current_path(self) -> str | None:
        """The video file being shown (None when none)."""
        return self._path

    def current_job(self) -> Job | None:
        """The job being shown (None after clear())."""
        return self._job

    def show_job(self, job: Job | None, autoplay: bool = False) -> None:
        """Show a job's details and picture and, when it has one on disk, its video."""
        same = job is not None and self._job is not None and job.id == self._job.id
        self._job = job
        portrait = self.stills.get(job.image, IMAGE) if job else None
        self.details.show_job(job, portrait if portrait is not ThumbnailCache.PENDING else None)
        path = job.output_path if job else None
        if path and Path(path).is_file():
            if not (same and self._path == path):
                self.set_source(path, autoplay=autoplay)
        else:
            self._release()
            self._path = None
            self.open_external.setEnabled(False)
        self._show_still()

    def set_source(self, path: str, autoplay: bool = False) -> None:
        """Load a video file (ranges are set once it has loaded)."""
        self._path = str(path)
        self.open_external.setEnabled(True)
        self._show_still()
        if self.player is None:
            return
        self.message.setText("")
        self.seek.setEnabled(False)
        self.player.setSource(QUrl.fromLocalFile(self._path))
        if autoplay:
            self.player.play()

    def clear(self) -> None:
        """Forget the job and release the file (so it can be moved or deleted)."""
        if not shiboken6.isValid(self):  # already destroyed with its window: nothing to hold
            return
        self._job = None
        self._path = None
        self.details.show_job(None)
        self.open_external.setEnabled(False)
        self._release()
        self._show_still()

    def shutdown(self) -> None:
        """Before the widget goes (the window quits): stop the player, release the file and
        take its signals away, so no frame or state change reaches Python while Qt deletes it."""
        if not shiboken6.isValid(self) or self.player is None:
            return
        self.clear()
        player, self.player = self.player, None
        for signal in (
            player.durationChanged,
            player.positionChanged,
            player.mediaStatusChanged,
            player.playbackStateChanged,
            player.errorOccurred,
        ):
            signal.disconnect()
        if self.sink is not None:
            self.sink.videoFrameChanged.disconnect()
        self.stills.ready.disconnect()

    def play(self) -> None:
        if self.player is not None and self._path:
            self.player.play()

    def pause(self) -> None:
        if self.player is not None:
            self.player.pause()

    def toggle_play(self) -> None:
        if self.player is None:
            return
        if self.player.playbackState() == self._mm.QMediaPlayer.PlaybackState.PlayingState:
            self.pause()
        else:
            self.play()

    def is_full_screen(self) -> bool:
        return self.video.isFullScreen()

    def set_full_screen(self, on: bool) -> None:
        if self._path or not on:
            self.video.set_full_screen(on)

    def toggle_full_screen(self) -> None:
        self.set_full_screen(not self.is_full_screen())

    def open_in_system_player(self) -> None:
        if self._path and open_path(self._path, parent=self):
            self.openedExternally.emit(self._path)

    # the still: first frame, or the portrait with a caption -----------------------
    def _show_still(self) -> None:
        job = self._job
        if job is None:
            self.video.set_still(None, "Select a job to see it here.")
            return
        if self._path:
            frame = self.stills.get(self._path, VIDEO)
            if frame is ThumbnailCache.PENDING:
                frame = None
            self.video.set_still(frame, "" if frame is not None else "Loading the video…")
            return
        portrait = self.stills.get(job.image, IMAGE)
        if portrait is ThumbnailCache.PENDING:
            portrait = None
        if job.state == JobState.completed:
            caption = "The video file is missing: it was moved or deleted."
        elif job.state.finished:
            caption = f"No video: {words.state_word(job).lower()}."
        else:
            caption = f"No video yet: {words.state_word(job).lower()}."
        self.video.set_still(portrait, caption, dim=True)

    def _still_ready(self, kind: str, path: str) -> None:
        job = self._job
        if job is None or path not in (job.image, self._path):
            return
        if kind == IMAGE:
            portrait = self.stills.get(job.image, IMAGE)
            self.details.show_job(job, portrait)
        self._show_still()

    # internals -----------------------------------------------------------------
    def _release(self) -> None:
        self.video.set_frame(None)
        if self.player is None:
            return
        self.set_full_screen(False)
        self.player.stop()
        self.player.setSource(QUrl())
        self.seek.setRange(0, 0)
        self.seek.setEnabled(False)
        self.play_button.setEnabled(False)
        self.fullscreen_button.setEnabled(False)
        self.position_label.setText("0:00")
        self.length_label.setText("0:00")

    def _playing_or_paused(self) -> bool:
        return self.player.playbackState() != self._mm.QMediaPlayer.PlaybackState.StoppedState

    def _on_frame(self, frame) -> None:
        if frame.isValid() and self._path and self._playing_or_paused():
            self.video.set_frame(frame.toImage())

    def _set_loop(self, on: bool) -> None:
        if self.player is None:  # shut down
            return
        loops = self._mm.QMediaPlayer.Loops
        self.player.setLoops(loops.Infinite.value if on else loops.Once.value)

    def _on_status(self, status) -> None:
        st = self._mm.QMediaPlayer.MediaStatus
        if status in (st.LoadedMedia, st.BufferedMedia):
            # ranges only once the media is loaded: before that duration() is 0
            self.seek.setRange(0, max(0, self.player.duration()))
            self.seek.setEnabled(True)
            self.play_button.setEnabled(True)
            self.fullscreen_button.setEnabled(True)
        elif status == st.EndOfMedia:
            self.video.set_frame(None)  # back to the first frame, not a black box
        elif status == st.InvalidMedia:
            self.message.setText("This video cannot be played here; try the system player.")

    def _on_duration(self, ms: int) -> None:
        self.length_label.setText(_clock(ms))
        if ms > 0 and self.seek.isEnabled():
            self.seek.setRange(0, ms)

    def _on_position(self, ms: int) -> None:
        self.position_label.setText(_clock(ms))
        if not self.seek.isSliderDown():
            self.seek.setValue(ms)

    def _on_state(self, state) -> None:
        playing = state == self._mm.QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setIcon(icon("pause" if playing else "play"))
        if state == self._mm.QMediaPlayer.PlaybackState.StoppedState:
            self.video.set_frame(None)

    def _on_error(self, error, text: str) -> None:
        if text:
            self.message.setText(f"{text} — try the system player.")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # In full screen the video is its own window: the pane's shortcuts do not reach it.
        if obj is self.video and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_Escape and self.is_full_screen():
                self.set_full_screen(False)
                return True
            if key == Qt.Key.Key_F:
                self.toggle_full_screen()
                return True
            if key == Qt.Key.Key_Space:
                self.toggle_play()
                return True
        return super().eventFilter(obj, event)
