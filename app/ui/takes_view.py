"""The takes of one pair side by side (2-6 tiles), playing in sync under one transport.

The first playable tile is the master: the transport drives every player, and a timer
moves a follower (setPosition) when its frames drift more than DRIFT_MS from the
master's. Drift is measured on the video sinks: each follower frame's start time against
the master's media time at that moment (its last frame's start time plus the time since
it came). Keep marks a take (`keep_requested`); "Discard others…" asks first, then
emits `discard_requested`. The view takes plain `Take`s, never the engine.
"""

from __future__ import annotations

import math
import time

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import multimedia
from app.ui.confirm import ask
from app.ui.icons import icon
from app.ui.takes_tile import Take, TakeTile, wrap
from app.ui.thumbnails import VIDEO, ThumbnailCache

__all__ = ["DRIFT_MS", "MAX_TILES", "Take", "TakesView"]

DRIFT_MS = 40  # a follower further than this from the master is moved
CHECK_MS = 100  # how often the followers are checked
QUIET_S = 0.35  # after a seek, a tile's frames settle for this long before they count
MAX_TILES = 6


def _clock(ms: int) -> str:
    s = max(0, ms) // 1000
    return f"{s // 60}:{s % 60:02d}"


def grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns for n tiles: 1x2, 2x2, 2x3."""
    cols = 1 if n <= 1 else 2 if n <= 4 else 3
    return math.ceil(max(n, 1) / cols), cols


class TakesView(QDialog):
    """Compare the takes of one pair: play/pause, seek and loop all of them together."""

    keep_requested = Signal(str, bool)  # job_id, kept
    discard_requested = Signal(str, bool)  # keep_job_id, delete_files

    def __init__(self, takes: list[Take], parent: QWidget | None = None, title: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title or "Compare takes")
        self.setModal(False)
        self._mm = multimedia.load()
        self._dialogs: dict = {}
        self._closed = False
        self.stills = ThumbnailCache(240, parent=self)
        self.stills.ready.connect(self._still_ready)
        self.tiles = [TakeTile(t, self._mm, self.stills) for t in takes[:MAX_TILES]]
        for tile in self.tiles:
            tile.keep_toggled.connect(self._keep_toggled)

        grid = QGridLayout()
        grid.setSpacing(8)
        rows, cols = grid_shape(len(self.tiles))
        for i, tile in enumerate(self.tiles):
            grid.addWidget(tile, i // cols, i % cols)
        for r in range(rows):
            grid.setRowStretch(r, 1)
        for c in range(cols):
            grid.setColumnStretch(c, 1)

        self.message = QLabel(wordWrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.hide()  # shown with something to say
        self.play_button = QToolButton()
        self.play_button.setIcon(icon("play"))
        self.play_button.setToolTip("Play / pause all takes (Space)")
        self.play_button.setAccessibleName("Play / pause")
        self.play_button.setAutoRaise(True)
        self.play_button.clicked.connect(self.toggle_play)
        self.time_label = QLabel("0:00 / 0:00")
        self.seek_slider = QSlider(Qt.Orientation.Horizontal)
        self.seek_slider.setToolTip("Seek all takes")
        self.seek_slider.setAccessibleName("Position in the takes")
        self.seek_slider.setMinimumWidth(120)
        self.seek_slider.sliderMoved.connect(self.seek)
        self.seek_slider.actionTriggered.connect(self._slider_action)
        self.loop = QToolButton()
        self.loop.setIcon(icon("loop"))
        self.loop.setText("Loop")
        self.loop.setCheckable(True)
        self.loop.setChecked(True)
        self.loop.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.loop.setAutoRaise(True)
        self.loop.setToolTip("Play the takes over and over")
        self.loop.toggled.connect(self.set_loop)
        transport = QHBoxLayout()
        for w in (self.play_button, self.seek_slider, self.time_label, self.loop):
            transport.addWidget(w, 1 if w is self.seek_slider else 0)

        self.delete_files = QCheckBox("also delete their files")
        self.delete_files.setToolTip("Unticked, the other takes' videos stay on disk")
        self.discard_button = QPushButton(icon("remove"), "Discard others…")
        self.discard_button.setToolTip("Take the other takes off the list (keep one first)")
        self.discard_button.clicked.connect(self.ask_discard)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.delete_files)
        bottom.addStretch(1)
        bottom.addWidget(close)

        lay = QVBoxLayout(self)
        lay.addLayout(grid, 1)
        lay.addWidget(self.message)
        lay.addLayout(transport)
        lay.addLayout(bottom)
        self.resize(960, 640)
        self.setMinimumSize(480, 360)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle_play)

        self.sync_timer = QTimer(self, interval=CHECK_MS)
        self.sync_timer.timeout.connect(self.check_sync)
        self.master: TakeTile | None = None
        self._start_players()
        self._update_discard()

    # construction ------------------------------------------------------------------
    def _start_players(self) -> None:
        if self._mm is None:
            self._say(
                (multimedia.unavailable_reason() or "Video playback is not available.")
                + " The first frames are shown; Keep and Discard still work."
            )
            self._enable_transport(False)
            return
        for tile in self.tiles:
            tile.attach_player(with_sound=self.master is None)
            if tile.player is not None and self.master is None:
                self.master = tile
        if self.master is None:
            self._say("None of these videos can be played: their files are missing.")
            self._enable_transport(False)
            return
        for tile in self.tiles:
            if tile.player is not None:
                tile.on_frame = self._frame_seen
                tile.player.playbackStateChanged.connect(self._on_state)
        player = self.master.player
        player.durationChanged.connect(self._on_duration)
        player.positionChanged.connect(self._on_position)
        self.set_loop(self.loop.isChecked())
        missing = sum(t.missing for t in self.tiles)
        if missing:
            verb = "is" if missing == 1 else "are"
            self._say(f"{missing} of the {len(self.tiles)} takes' videos {verb} missing.")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _enable_transport(self, on: bool) -> None:
        for w in (self.play_button, self.seek_slider, self.loop):
            w.setEnabled(on)

    # the transport -----------------------------------------------------------------
    def players(self) -> list[TakeTile]:
        """The tiles that play (a file on disk, QtMultimedia loaded, not closed)."""
        return [t for t in self.tiles if t.playable()]

    def followers(self) -> list[TakeTile]:
        return [t for t in self.players() if t is not self.master]

    def is_playing(self) -> bool:
        return self.master is not None and self.master.playing()

    def play(self) -> None:
        for tile in self.players():
            tile.clock.reset(QUIET_S)
            tile.player.play()
        if self.players():
            self.sync_timer.start()

    def pause(self) -> None:
        self.sync_timer.stop()
        for tile in self.players():
            tile.player.pause()
        if self.master is not None and self.master.playable():
            # paused, every tile shows the master's moment
            at = self.master.position()
            for tile in self.followers():
                tile.player.setPosition(at)

    def toggle_play(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def seek(self, ms: int) -> None:
        for tile in self.players():
            tile.clock.reset(QUIET_S)
            tile.player.setPosition(int(ms))

    def set_loop(self, on: bool) -> None:
        if self._mm is None:
            return
        loops = self._mm.QMediaPlayer.Loops
        for tile in self.players():
            tile.player.setLoops(loops.Infinite.value if on else loops.Once.value)

    def _slider_action(self, _action: int) -> None:
        # a click or key on the slider (not a drag): seek to where it is going
        if not self.seek_slider.isSliderDown():
            self.seek(self.seek_slider.sliderPosition())

    # sync ----------------------------------------------------------------------------
    def period_ms(self) -> float:
        return float(self.master.player.duration()) if self.master is not None else 0.0

    def _frame_seen(self, tile: TakeTile) -> None:
        """A follower's frame: how far it is from the master's media time right now."""
        if tile is self.master or self.master is None or not self.is_playing():
            return
        now = time.monotonic()
        master_at = self.master.clock.at(now)
        frame_ms = tile.clock.frame_ms
        if master_at is None or frame_ms is None or tile.clock.at(now) is None:
            return
        drift = wrap(frame_ms - master_at, self.period_ms())
        tile.clock.drifts.append(drift)
        if tile.clock.landing:
            tile.clock.landed(drift)

    def check_sync(self) -> None:
        """Move the followers that drifted more than DRIFT_MS (on the timer, while playing)."""
        if self.master is None or not self.is_playing():
            return
        now = time.monotonic()
        master_at = self.master.clock.at(now)
        if master_at is None:
            return
        period = self.period_ms()
        for tile in self.followers():
            at = tile.clock.at(now)
            if at is None:
                continue
            if abs(wrap(at - master_at, period)) > DRIFT_MS:
                tile.clock.corrections += 1
                tile.clock.reset(QUIET_S)
                tile.clock.landing = True
                target = master_at + tile.clock.lead_ms
                tile.player.setPosition(int(target % period if period > 0 else target))

    # keep and discard ----------------------------------------------------------------
    def kept_ids(self) -> list[str]:
        return [t.take.job_id for t in self.tiles if t.kept()]

    def set_kept(self, job_id: str, kept: bool) -> None:
        """Show a keep mark the engine made (or refused)."""
        for tile in self.tiles:
            if tile.take.job_id == job_id:
                tile.set_kept(kept)
        self._update_discard()

    def _keep_toggled(self, job_id: str, kept: bool) -> None:
        self._update_discard()
        self.keep_requested.emit(job_id, kept)

    def _update_discard(self) -> None:
        one = len(self.kept_ids()) == 1 and len(self.tiles) > 1
        self.discard_button.setEnabled(one)
        self.discard_button.setToolTip(
            "Take the other takes off the list"
            if one
            else "Keep exactly one take first; the others are then taken off the list"
        )

    def ask_discard(self) -> None:
        """Ask before taking the other takes off the list (and their files, if ticked)."""
        kept = self.kept_ids()
        if len(kept) != 1:
            return
        keep_id, delete = kept[0], self.delete_files.isChecked()
        keeper = next(t for t in self.tiles if t.take.job_id == keep_id)
        others = len(self.tiles) - 1
        what = "and delete their video files" if delete else "(their video files stay on disk)"
        ask(
            self,
            "Discard the other takes",
            f"Keep {keeper.title.text()} and take the other {others} takes off the list {what}?",
            info="Deleted files cannot be brought back." if delete else None,
            accept=(
                "Discard and delete" if delete else "Discard others",
                lambda: self.discard_requested.emit(keep_id, delete),
            ),
            warning=delete,
            registry=self._dialogs,
            key="discard",
        )

    # pictures and labels --------------------------------------------------------------
    def _still_ready(self, kind: str, path: str) -> None:
        if kind == VIDEO:
            for tile in self.tiles:
                if tile.take.path == path and not tile.video.showing_frames():
                    tile.show_still()

    def _on_duration(self, ms: int) -> None:
        self.seek_slider.setRange(0, max(0, ms))
        self._on_position(self.master.position() if self.master else 0)

    def _on_position(self, ms: int) -> None:
        total = self.master.player.duration() if self.master and self.master.playable() else 0
        self.time_label.setText(f"{_clock(ms)} / {_clock(total)}")
        if not self.seek_slider.isSliderDown():
            self.seek_slider.blockSignals(True)
            self.seek_slider.setValue(ms)
            self.seek_slider.blockSignals(False)

    def _on_state(self, _state) -> None:
        self.play_button.setIcon(icon("pause" if self.is_playing() else "play"))

    # closing -----------------------------------------------------------------------------
    def release(self) -> None:
        """Stop every player and let go of the files (they can be moved or deleted)."""
        if self._closed or not shiboken6.isValid(self):
            return
        self._closed = True
        self.sync_timer.stop()
        if self.master is not None and self.master.player is not None:
            self.master.player.durationChanged.disconnect(self._on_duration)
            self.master.player.positionChanged.disconnect(self._on_position)
        for tile in self.tiles:
            if tile.player is not None and not tile.released:
                tile.player.playbackStateChanged.disconnect(self._on_state)
            tile.on_frame = None
            tile.release()
            tile.show_still()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.release()
        super().closeEvent(event)

    def done(self, result: int) -> None:  # Esc and the Close button end here too
        self.release()
        super().done(result)
