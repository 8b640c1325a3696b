"""The portrait and voice clip slots: drop a file, paste an https URL, or browse.

A wrong file is refused while it is dragged (extension and magic bytes only, no decode);
the full check (app.jobs.media) runs off the UI thread once the file is taken.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlparse

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import icon
from app.ui.waveform import WaveformView

IMAGE_EXT = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
AUDIO_EXT = {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".flac"}
THUMB = 128


def _image_magic(head: bytes) -> bool:
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith(b"\xff\xd8\xff")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[:4] in (b"GIF8", b"II*\x00", b"MM\x00*")
        or head[:2] == b"BM"
    )


def _audio_magic(head: bytes) -> bool:
    return (
        (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
        or head[:3] == b"ID3"
        or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)  # MPEG/AAC frame
        or head[4:8] == b"ftyp"
        or head[:4] in (b"OggS", b"fLaC")
    )


def quick_check(path: str, kind: str) -> str | None:
    """Why `path` cannot be a portrait (kind "image") or a voice clip ("audio"); None if it may.

    Fast enough for dragEnterEvent: the extension and the first 16 bytes.
    """
    p = Path(path)
    name = p.name
    exts, magic, what = (
        (IMAGE_EXT, _image_magic, "an image (PNG, JPEG, WebP...)")
        if kind == "image"
        else (AUDIO_EXT, _audio_magic, "a sound file (WAV, MP3, M4A, OGG, FLAC)")
    )
    if p.is_dir():
        return f"{name} is a folder: drop {what}."
    if p.suffix.lower() not in exts:
        return f"{name} is not {what}."
    try:
        with p.open("rb") as f:
            head = f.read(16)
    except OSError as exc:
        return f"{name} cannot be read ({exc.strerror or exc})."
    if not head:
        return f"{name} is empty."
    if not magic(head):
        return f"{name} does not look like {what}: its content does not match its name."
    return None


def check_url(text: str) -> str | None:
    """Why `text` is not a usable remote file URL; None if it is one."""
    u = urlparse(text.strip())
    if u.scheme != "https" or not u.netloc:
        return "Paste an https:// link to the file (or drop a file from this computer)."
    return None


def human_size(n: int | None) -> str:
    if n is None:
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def clock(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60)
    return f"{int(m)}:{s:04.1f}"


class MediaSlot(QFrame):
    """One input: empty, checking, taken (with a preview) or refused (with the reason).

    `value` is a local path or an https URL. `changed` fires when it (or its info) changes.
    """

    changed = Signal()
    kind = "image"
    title = ""
    hint = ""
    file_filter = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value: str | None = None
        self.info = None
        self.error: str | None = None
        self.loading = False
        self.load_seconds: float | None = None
        self._generation = 0
        self._task: asyncio.Future | None = None
        self._dialog: QFileDialog | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(self.title)
        self._restore = QTimer(self, singleShot=True, interval=4000)
        self._restore.timeout.connect(self._show_state)

        head = QHBoxLayout()
        self.title_label = QLabel(f"<b>{self.title}</b>")
        self.clear_button = QToolButton(icon=icon("clear"), text="Clear")
        self.clear_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.clear_button.setToolTip(f"Remove the {self.noun} (Delete)")
        self.clear_button.setAccessibleName(f"Clear {self.noun}")
        self.clear_button.clicked.connect(self.clear)
        head.addWidget(self.title_label)
        head.addStretch(1)
        head.addWidget(self.clear_button)

        self.preview = self._make_preview()
        self.info_label = QLabel(wordWrap=True)
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info_label.setAccessibleName(f"{self.title} details")

        row = QHBoxLayout()
        self.browse_button = QPushButton(icon("open"), "Browse…")
        self.browse_button.setToolTip(f"Choose a {self.noun} on this computer")
        self.browse_button.clicked.connect(self.browse)
        self.url_edit = QLineEdit(placeholderText="or paste an https:// link")
        self.url_edit.setAccessibleName(f"{self.title} link")
        self.url_edit.setClearButtonEnabled(True)
        self.url_edit.returnPressed.connect(lambda: self.take(self.url_edit.text()))
        row.addWidget(self.browse_button)
        row.addWidget(self.url_edit, 1)

        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addWidget(self.preview)
        lay.addWidget(self.info_label)
        lay.addLayout(row)
        self._show_state()

    # -- subclass hooks -------------------------------------------------------
    noun = "file"

    def _make_preview(self) -> QWidget:
        raise NotImplementedError

    def _inspect(self, path: str):
        """Full check and preview data; runs in a worker thread. Raises SegmindError."""
        raise NotImplementedError

    def _present(self, result) -> None:
        raise NotImplementedError

    def _present_empty(self) -> None:
        raise NotImplementedError

    def _describe(self) -> str:
        raise NotImplementedError

    # -- taking a file --------------------------------------------------------
    @property
    def ready(self) -> bool:
        return bool(self.value) and not self.loading and self.error is None

    def take(self, text: str) -> bool:
        """Use a local path, a file:// URL or an https URL. Returns False when refused."""
        text = (text or "").strip()
        if not text:
            return False
        url = QUrl(text)
        if url.isLocalFile():
            text = url.toLocalFile()
        if text.startswith(("http://", "https://")):
            reason = check_url(text)
            if reason:
                self._refuse(reason)
                return False
            self._set_value(text, remote=True)
            return True
        reason = quick_check(text, self.kind)
        if reason:
            self._refuse(reason)
            return False
        self._set_value(str(Path(text).absolute()), remote=False)
        return True

    def clear(self) -> None:
        self._generation += 1
        self.value, self.info, self.error, self.loading = None, None, None, False
        self.url_edit.clear()
        self._present_empty()
        self._show_state()
        self.changed.emit()

    def browse(self) -> None:
        """A non-modal file dialog (never exec(): a coroutine may be running)."""
        start = str(Path(self.value).parent) if self.value and "://" not in self.value else ""
        self._dialog = QFileDialog(self, f"Choose a {self.noun}", start, self.file_filter)
        self._dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        self._dialog.fileSelected.connect(self.take)
        self._dialog.open()

    def _refuse(self, reason: str) -> None:
        self.info_label.setText(f"⚠ {reason}")
        self.info_label.setToolTip(reason)
        self._restore.start()

    def _set_value(self, value: str, *, remote: bool) -> None:
        self._generation += 1
        gen = self._generation
        self.value, self.info, self.error = value, None, None
        if remote:
            self.loading = False
            self._present_empty()
            self._show_state()
            self.changed.emit()
            return
        self.loading = True
        self._show_state()
        self.changed.emit()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self._finish(gen, *self._run_inspect(value))
        else:
            self._task = asyncio.ensure_future(self._load(gen, value))

    def _run_inspect(self, path: str):
        start = time.perf_counter()
        try:
            result, error = self._inspect(path), None
        except Exception as exc:  # noqa: BLE001 - SegmindError(invalid_input) or a decoder's error
            result, error = None, getattr(exc, "message", None) or str(exc)
        self.load_seconds = time.perf_counter() - start
        return result, error

    async def _load(self, gen: int, path: str) -> None:
        result, error = await asyncio.to_thread(self._run_inspect, path)
        self._finish(gen, result, error)

    def _finish(self, gen: int, result, error: str | None) -> None:
        if gen != self._generation:  # a newer file replaced this one: latest wins
            return
        self.loading = False
        if error:
            self.error = error
            self._present_empty()
        else:
            self._present(result)
        self._show_state()
        self.changed.emit()

    def _show_state(self) -> None:
        filled = bool(self.value)
        self.clear_button.setVisible(filled)
        self.browse_button.setText("Replace…" if filled else "Browse…")
        if self.loading:
            text = "Checking…"
        elif self.error:
            text = f"⚠ {self.error}"
        elif not filled:
            text = self.hint
        elif "://" in (self.value or ""):
            text = f"Link: {self.value}\n(the service checks this file itself)"
        else:
            text = self._describe()
        self.info_label.setText(text)
        self.info_label.setToolTip(self.value or "")

    # -- drag and drop, paste -------------------------------------------------
    def _candidate(self, mime) -> tuple[str | None, str | None]:
        urls = [u for u in mime.urls() if u.isValid()] if mime.hasUrls() else []
        if not urls and mime.hasText():
            urls = [QUrl(mime.text().strip())]
        if len(urls) != 1:
            return None, f"Drop one {self.noun} at a time." if urls else None
        u = urls[0]
        if u.isLocalFile():
            path = u.toLocalFile()
            return path, quick_check(path, self.kind)
        text = u.toString()
        return text, check_url(text)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        value, reason = self._candidate(event.mimeData())
        if value and not reason:
            event.acceptProposedAction()
            self.info_label.setText(f"Drop to use {Path(value).name}")
        else:
            event.ignore()
            if reason:
                self._refuse(reason)

    def dragMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        value, reason = self._candidate(event.mimeData())
        if value and not reason:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._show_state()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        value, reason = self._candidate(event.mimeData())
        if value and not reason and self.take(value):
            event.acceptProposedAction()
        else:
            event.ignore()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.matches(QKeySequence.StandardKey.Paste):
            mime = QGuiApplication.clipboard().mimeData()
            value, reason = self._candidate(mime) if mime else (None, None)
            if reason:
                self._refuse(reason)
            elif value:
                self.take(value)
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.value:
            self.clear()
            return
        super().keyPressEvent(event)


def _media():
    from app.jobs import media

    return media


class ImageSlot(MediaSlot):
    """The portrait: a thumbnail, its pixel size and file size."""

    kind = "image"
    noun = "portrait"
    title = "Portrait"
    hint = "Drop a portrait here (PNG, JPEG, WebP), paste a link, or browse."
    file_filter = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)"

    def _make_preview(self) -> QWidget:
        self.thumb = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.thumb.setMinimumSize(QSize(THUMB, THUMB))
        self.thumb.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.thumb.setAccessibleName("Portrait thumbnail")
        self._present_empty()
        return self.thumb

    def _inspect(self, path: str):
        info = _media().inspect_image(path)
        reader = QImageReader(path)
        reader.setDecideFormatFromContent(True)
        reader.setAutoTransform(True)
        size = reader.size()
        dpr = 2.0  # decode once at 2x so HiDPI screens stay sharp
        if size.isValid():
            reader.setScaledSize(
                size.scaled(
                    QSize(int(THUMB * dpr), int(THUMB * dpr)), Qt.AspectRatioMode.KeepAspectRatio
                )
            )
        image: QImage = reader.read()
        return info, image

    def _present(self, result) -> None:
        self.info, image = result
        pix = QPixmap.fromImage(image)
        ratio = self.devicePixelRatioF()
        pix = pix.scaled(
            QSize(int(THUMB * ratio), int(THUMB * ratio)),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        pix.setDevicePixelRatio(ratio)
        self.thumb.setPixmap(pix)

    def _present_empty(self) -> None:
        self.thumb.setPixmap(QPixmap())
        self.thumb.setText("No portrait" if not self.value else "Remote image (link)")

    def _describe(self) -> str:
        i = self.info
        parts = [Path(self.value).name]
        if i is not None:
            parts.append(f"{i.width} × {i.height}")
            fmt = getattr(i, "format", None)
            if fmt:
                parts.append(str(fmt).upper())
            parts.append(human_size(getattr(i, "size_bytes", None)))
        return " · ".join(p for p in parts if p)


class AudioSlot(MediaSlot):
    """The voice clip: waveform with 5/10/15 s marks, its length, and a play button."""

    kind = "audio"
    noun = "voice clip"
    title = "Voice clip"
    hint = "Drop a voice clip here (WAV, MP3, M4A, OGG, FLAC), paste a link, or browse."
    file_filter = "Sound (*.wav *.mp3 *.m4a *.aac *.ogg *.oga *.flac)"
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
        m = _media()
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
