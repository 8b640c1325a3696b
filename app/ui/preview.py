"""The preview of a finished video, with the job's inputs and parameters beside it.

QtMultimedia is loaded lazily (app.ui.multimedia); where it cannot load, the preview
says why and offers to open the video in the system player instead.
"""

from __future__ import annotations

import html
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImageReader, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.jobs.model import Job
from app.ui import multimedia

SIMULATED_BADGE = "SIMULATED — not lip-synced"
THUMB_SIZE = 160


def _clock(ms: int) -> str:
    s = max(0, ms) // 1000
    return f"{s // 60}:{s % 60:02d}"


class JobDetails(QWidget):
    """The job's inputs (portrait thumbnail, audio name) and its parameters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.badge = QLabel(SIMULATED_BADGE)
        self.badge.setStyleSheet(
            "background:#b45309; color:white; font-weight:bold; padding:3px 6px; border-radius:3px"
        )
        self.badge.hide()
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(THUMB_SIZE, THUMB_SIZE)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.audio = QLabel()
        self.params = QLabel()
        self.params.setWordWrap(True)
        self.params.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # In a scroll area: a long prompt or a short window must not squeeze the
        # thumbnail into the labels below it.
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.badge, self.thumbnail, self.audio, self.params):
            lay.addWidget(w)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumWidth(THUMB_SIZE + 30)
        self.setFixedWidth(300)  # room for the parameters beside the thumbnail

    def show_job(self, job: Job | None) -> None:
        self.badge.setVisible(bool(job and job.demo))
        if job is None:
            self.thumbnail.clear()
            self.audio.clear()
            self.params.clear()
            return
        self._show_thumbnail(job.image)
        self.audio.setText(f"Voice: {Path(job.audio).name if job.audio else '—'}")
        rows = [
            ("Prompt", job.prompt),
            ("Duration", f"{job.duration} s"),
            ("Quality", job.quality),
            ("Seed", str(job.seed)),
            ("Enhance prompt", "yes" if job.enhance_prompt else "no"),
            ("Request id", job.request_id or "—"),
            ("Cost", f"${job.cost:.2f}" if job.cost is not None else "—"),
        ]
        self.params.setText(
            "<table>"
            + "".join(
                f"<tr><td><b>{html.escape(k)}</b>&nbsp;</td><td>{html.escape(v)}</td></tr>"
                for k, v in rows
            )
            + "</table>"
        )

    def _show_thumbnail(self, image: str) -> None:
        path = Path(image) if image and "://" not in image else None
        if path is None or not path.is_file():
            self.thumbnail.setText("Portrait\n(online)" if image else "")
            return
        reader = QImageReader(str(path))
        reader.setDecideFormatFromContent(True)
        reader.setAutoTransform(True)
        img = reader.read()
        if img.isNull():
            self.thumbnail.setText("Portrait\nunreadable")
            return
        pix = QPixmap.fromImage(img).scaled(
            THUMB_SIZE,
            THUMB_SIZE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.thumbnail.setPixmap(pix)


class PreviewPlayer(QWidget):
    """Plays a finished video: play/pause, seek, volume, loop, full screen.

    `show_job(job)` shows a job's video and details; `clear()` releases the file so
    it can be moved or deleted. Space plays/pauses, F toggles full screen, Esc leaves it.
    """

    openedExternally = Signal(str)  # path handed to the system player

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mm = multimedia.load()
        self._path: str | None = None
        self._job: Job | None = None
        self.details = JobDetails()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_external = QPushButton("Open in system player")
        self.open_external.setEnabled(False)
        self.open_external.clicked.connect(self.open_in_system_player)

        stage = QVBoxLayout()
        if self._mm is None:
            self.player = self.audio_output = self.video = None
            self.message.setText(multimedia.unavailable_reason() or "")
            stage.addStretch(1)
            stage.addWidget(self.message)
            stage.addStretch(1)
        else:
            self._build_player(stage)
        stage.addWidget(self.open_external, 0, Qt.AlignmentFlag.AlignRight)
        lay = QHBoxLayout(self)
        lay.addLayout(stage, 1)
        lay.addWidget(self.details)
        self.clear()

    # construction ------------------------------------------------------------
    def _build_player(self, stage: QVBoxLayout) -> None:
        mm = self._mm
        self.player = mm.QMediaPlayer(self)
        self.audio_output = mm.QAudioOutput(self)
        self.player.setAudioOutput(self.audio_output)
        self.video = mm.QVideoWidget()
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video.setMinimumSize(240, 180)
        self.video.installEventFilter(self)
        self.player.setVideoOutput(self.video)

        icon = self.style().standardIcon
        self.play_button = QPushButton(icon(QStyle.StandardPixmap.SP_MediaPlay), "")
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.position_label = QLabel("0:00")
        self.length_label = QLabel("0:00")
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setToolTip("Seek")
        self.seek.sliderMoved.connect(self.player.setPosition)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(90)
        self.volume.setToolTip("Volume")
        self.volume.valueChanged.connect(lambda v: self.audio_output.setVolume(v / 100))
        self.audio_output.setVolume(0.8)
        self.loop = QCheckBox("Loop")
        self.loop.toggled.connect(self._set_loop)
        self.fullscreen_button = QPushButton("Full screen")
        self.fullscreen_button.setToolTip("Full screen (F; Esc leaves)")
        self.fullscreen_button.clicked.connect(lambda: self.set_full_screen(True))

        bar = QHBoxLayout()
        for w in (self.play_button, self.position_label, self.seek, self.length_label):
            bar.addWidget(w, 1 if w is self.seek else 0)
        for w in (self.volume, self.loop, self.fullscreen_button):
            bar.addWidget(w)
        stage.addWidget(self.video, 1)
        stage.addWidget(self.message)
        stage.addLayout(bar)

        self.player.durationChanged.connect(self._on_duration)
        self.player.positionChanged.connect(self._on_position)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(self._on_error)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle_play).setContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        QShortcut(QKeySequence(Qt.Key.Key_F), self, self.toggle_full_screen).setContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

    # public API ----------------------------------------------------------------
    def multimedia_available(self) -> bool:
        return self._mm is not None

    def video_sink(self):
        """The QVideoSink frames arrive on (None without QtMultimedia)."""
        return self.player.videoSink() if self.player else None

    def current_path(self) -> str | None:
        """The video file being shown (None when none)."""
        return self._path

    def current_job(self) -> Job | None:
        """The job being shown (None after clear())."""
        return self._job

    def show_job(self, job: Job | None, autoplay: bool = False) -> None:
        """Show a job's details and, when it has one on disk, its video."""
        self._job = job
        self.details.show_job(job)
        path = job.output_path if job else None
        if path and Path(path).is_file():
            self.set_source(path, autoplay=autoplay)
        else:
            self._release()
            self._path = None
            self.open_external.setEnabled(False)
            if self._mm is not None:
                self.message.setText("No video yet." if job else "")

    def set_source(self, path: str, autoplay: bool = False) -> None:
        """Load a video file (ranges are set once it has loaded)."""
        self._path = str(path)
        self.open_external.setEnabled(True)
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
        return bool(self.video and self.video.isFullScreen())

    def set_full_screen(self, on: bool) -> None:
        if self.video is not None and self._path:
            self.video.setFullScreen(on)

    def toggle_full_screen(self) -> None:
        self.set_full_screen(not self.is_full_screen())

    def open_in_system_player(self) -> None:
        if self._path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self._path))
            self.openedExternally.emit(self._path)

    # internals -----------------------------------------------------------------
    def _release(self) -> None:
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

    def _set_loop(self, on: bool) -> None:
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
        pm = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(pm))

    def _on_error(self, error, text: str) -> None:
        if text:
            self.message.setText(f"{text} — try the system player.")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # In full screen the video widget is its own window: our shortcuts do not reach it.
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
