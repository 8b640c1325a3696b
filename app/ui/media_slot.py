"""The portrait slot and what every input slot does: drop a file, paste an https URL, browse.

A wrong file is refused while it is dragged (extension and magic bytes only, no decode,
from app.media.formats); the full check (app.jobs.media) runs on a worker thread through the
bridge once the file is taken. The voice clip slot is app.ui.audio_slot.
"""

from __future__ import annotations

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

from app.media import formats
from app.ui.bridge import EngineBridge
from app.ui.icons import icon

THUMB = 128


def quick_check(path: str, kind: str) -> str | None:
    """Why `path` cannot be a portrait (kind "image") or a voice clip ("audio"); None if it may.

    Fast enough for dragEnterEvent: the extension and the first 64 bytes, by the one
    formats table (app.media.formats) that the checks in app.jobs use too.
    """
    p = Path(path)
    name = p.name
    exts = formats.extensions(kind)
    what = f"{'an image' if kind == 'image' else 'a sound file'} ({formats.names(kind)})"
    if p.is_dir():
        return f"{name} is a folder: drop {what}."
    if p.suffix.lower() not in exts:
        return f"{name} is not {what}."
    try:
        with p.open("rb") as f:
            head = f.read(64)
    except OSError as exc:
        return f"{name} cannot be read ({exc.strerror or exc})."
    if not head:
        return f"{name} is empty."
    if not formats.looks_like(head, kind):
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


class MediaSlot(QFrame):
    """One input: empty, checking, taken (with a preview) or refused (with the reason).

    `value` is a local path or an https URL. `changed` fires when it (or its info) changes.
    """

    changed = Signal()
    kind = "image"
    title = ""
    hint = ""
    file_filter = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        names = formats.names(cls.kind)  # one formats table: what is offered is what is taken
        cls.hint = f"Drop a {cls.noun} here ({names}), paste a link, or browse."
        cls.file_filter = formats.file_filter(cls.kind)

    def __init__(self, parent: QWidget | None = None, bridge: EngineBridge | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge or EngineBridge(None, self)
        self.value: str | None = None
        self.info = None
        self.error: str | None = None
        self.loading = False
        self._generation = 0
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
        self.browse_button.setAccessibleName(f"Browse for a {self.noun}")
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
        self.bridge.in_thread(self._run_inspect, value, done=lambda r: self._finish(gen, *r))

    def _run_inspect(self, path: str):
        """(result, None) or (None, why): never raises (it runs on a worker thread)."""
        try:
            return self._inspect(path), None
        except Exception as exc:  # noqa: BLE001 - SegmindError(invalid_input) or a decoder's error
            return None, getattr(exc, "message", None) or str(exc)

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


def media_checks():
    from app.jobs import media

    return media


class ImageSlot(MediaSlot):
    """The portrait: a thumbnail, its pixel size and file size."""

    kind = "image"
    noun = "portrait"
    title = "Portrait"

    def _make_preview(self) -> QWidget:
        self.thumb = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.thumb.setMinimumSize(QSize(THUMB, THUMB))
        self.thumb.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.thumb.setAccessibleName("Portrait thumbnail")
        self._present_empty()
        return self.thumb

    def _inspect(self, path: str):
        info = media_checks().inspect_image(path)
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
