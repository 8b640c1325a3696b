"""Where the preview's picture is drawn: video frames while playing, a still otherwise.

Frames come from a QVideoSink (so the picture is ours to draw: no native video window
left painted when the pane collapses, and tests can look at it offscreen). Before play
and after the end it shows the video's first frame; for a job without a video, its
portrait, dimmed, with a caption. Never a black box.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget


class VideoView(QWidget):
    """Draws the current frame, or the still (`set_still`), scaled to fit, centred."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: QImage | None = None
        self._still: QPixmap | None = None
        self._dim = False
        self.caption = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 100)  # the queue above keeps its rows at 1024x680
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Video")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(320, 320)

    def showing_frames(self) -> bool:
        return self._frame is not None

    def set_frame(self, image: QImage | None) -> None:
        """A decoded video frame (None: back to the still)."""
        self._frame = image if image is not None and not image.isNull() else None
        self.update()

    def set_still(self, still: QPixmap | None, caption: str = "", dim: bool = False) -> None:
        """The picture shown when no frame plays: the first frame, or the portrait."""
        self._still, self.caption, self._dim = still, caption, dim
        self.setAccessibleDescription(caption)
        self.update()

    def still(self) -> QPixmap | None:
        return self._still

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        pal = self.palette()
        back = pal.color(QPalette.ColorRole.Base)
        if self.isFullScreen():
            back = QColor("#000000")  # a full-screen player is dark by convention
        p.fillRect(self.rect(), back)
        if self._frame is not None:
            target = self._fit(self._frame.size())
            p.drawImage(target, self._frame)
        elif self._still is not None and not self._still.isNull():
            target = self._fit(self._still.deviceIndependentSize().toSize())
            if self._dim:
                p.setOpacity(0.35)
            p.drawPixmap(target, self._still)
            p.setOpacity(1.0)
        if self._frame is None and self.caption:
            p.setPen(pal.color(QPalette.ColorRole.Text))
            font = p.font()
            font.setBold(True)
            p.setFont(font)
            box = self.rect().adjusted(12, 12, -12, -12)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.caption)

    def _fit(self, size: QSize) -> QRect:
        scaled = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(
            (self.width() - scaled.width()) // 2,
            (self.height() - scaled.height()) // 2,
            scaled.width(),
            scaled.height(),
        )

    def set_full_screen(self, on: bool) -> None:
        """Its own full-screen window, and back into the pane (as QVideoWidget does)."""
        if on == self.isFullScreen():
            return
        if on:
            self.setWindowFlag(Qt.WindowType.Window, True)
            self.showFullScreen()
        else:
            self.setWindowFlag(Qt.WindowType.Window, False)
            self.showNormal()
            self.show()
