"""The voice clip slot: a waveform with the part a trim keeps, the clip's length, playback.

QtMultimedia is imported only when the clip is played (app.ui.multimedia).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from app.ui.icons import icon
from app.ui.media_slot import MediaSlot, human_size, media_checks
from app.ui.waveform import WaveformView, clock


class AudioSlot(MediaSlot):
    """The voice clip: waveform with 5/10/15 s marks, its length, and a play button."""

    kind = "audio"
    noun = "voice clip"
    title = "Voice clip"
    BUCKETS = 160

    def _make_preview(self) -> QWidget:
        box = QWidget()
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.play_button = QToolButton(icon=icon("play"))
        self.play_button.setAccessibleName("Play the voice clip")
        self.play_button.setToolTip("Play the voice clip")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._play_toggled)
        self.waveform = WaveformView()
        lay.addWidget(self.play_button, 0, Qt.AlignmentFlag.AlignVCenter)
        lay.addWidget(self.waveform, 1)
        self._player = None
        self._audio_out = None
        self._present_empty()
        return box

    @property
    def seconds(self) -> float | None:
        return getattr(self.info, "seconds", None)

    def _inspect(self, path: str):
        m = media_checks()
        info = m.inspect_audio(path)
        return info, m.waveform(path, self.BUCKETS)

    def _present(self, result) -> None:
        self.info, peaks = result
        self.waveform.set_peaks(peaks, self.info.seconds)
        self._update_play()

    def _present_empty(self) -> None:
        self._stop()
        self.waveform.clear()
        self._update_play()

    def _describe(self) -> str:
        i = self.info
        parts = [Path(self.value).name]
        if i is not None:
            parts.append(clock(i.seconds))
            rate = getattr(i, "sample_rate", None)
            if rate:
                parts.append(f"{rate / 1000:g} kHz")
            ch = getattr(i, "channels", None)
            if ch:
                parts.append({1: "mono", 2: "stereo"}.get(ch, f"{ch} channels"))
            parts.append(human_size(getattr(i, "size_bytes", None)))
        return " · ".join(p for p in parts if p)

    # -- playback (QtMultimedia imported only when needed) ----------------------
    def _update_play(self) -> None:
        local = bool(self.value) and "://" not in self.value and self.info is not None
        ok = multimedia_available() if local else False
        self.play_button.setEnabled(ok)
        if local and not ok:
            from app.ui import multimedia

            self.play_button.setToolTip(
                multimedia.unavailable_reason() or "Playback is unavailable here."
            )
        else:
            self.play_button.setToolTip("Play the voice clip" if local else "No clip to play")

    def _play_toggled(self, on: bool) -> None:
        if not on:
            self._stop()
            return
        if not multimedia_available() or not self.value:
            self.play_button.setChecked(False)
            return
        from app.ui import multimedia

        mm = multimedia.load()
        if self._player is None:
            self._player = mm.QMediaPlayer(self)
            self._audio_out = mm.QAudioOutput(self)
            self._player.setAudioOutput(self._audio_out)
            self._player.positionChanged.connect(lambda ms: self.waveform.set_position(ms / 1000))
            self._player.playbackStateChanged.connect(self._state_changed)
        self._player.setSource(QUrl.fromLocalFile(self.value))
        self._player.play()
        self.play_button.setIcon(icon("pause"))

    def _state_changed(self, state) -> None:
        from app.ui import multimedia

        if state == multimedia.load().QMediaPlayer.PlaybackState.StoppedState:
            self.play_button.setChecked(False)

    def _stop(self) -> None:
        if getattr(self, "_player", None) is not None:
            self._player.stop()
            self._player.setSource(QUrl())  # release the file
        if hasattr(self, "waveform"):
            self.waveform.set_position(None)
        if hasattr(self, "play_button"):
            self.play_button.setIcon(icon("play"))
            if self.play_button.isChecked():
                self.play_button.blockSignals(True)
                self.play_button.setChecked(False)
                self.play_button.blockSignals(False)


def multimedia_available() -> bool:
    """Whether QtMultimedia loads here (see app.ui.multimedia: it needs libpulse on Linux)."""
    from app.ui import multimedia

    return multimedia.available()
