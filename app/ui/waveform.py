"""The voice clip drawn as a waveform, with the 5/10/15 s marks the model's durations allow."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

MARKS = (5, 10, 15)


class WaveformView(QWidget):
    """Peaks (0..1) over the clip's length; the part past the chosen duration is dimmed.

    Colours come from the palette, so light and dark themes both read well.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._peaks: list[float] = []
        self._seconds = 0.0
        self._limit: float | None = None
        self._position: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(56)
        self.setAccessibleName("Waveform of the voice clip")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(240, 64)

    @property
    def peaks(self) -> list[float]:
        return list(self._peaks)

    def set_peaks(self, peaks: list[float], seconds: float) -> None:
        self._peaks = [max(0.0, min(1.0, float(p))) for p in peaks]
        self._seconds = max(0.0, float(seconds))
        self.setToolTip(f"{self._seconds:.1f} s of audio" if peaks else "")
        self.update()

    def set_limit(self, seconds: float | None) -> None:
        """Dim the audio beyond `seconds` (what a trim would cut)."""
        self._limit = seconds
        self.update()

    def set_position(self, seconds: float | None) -> None:
        """Draw a playhead while the clip plays."""
        self._position = seconds
        self.update()

    def clear(self) -> None:
        self._peaks, self._seconds, self._limit, self._position = [], 0.0, None, None
        self.update()

    def _x(self, seconds: float, width: float) -> float:
        span = max(self._seconds, 1e-6)
        return seconds / span * width

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -14)  # room for the mark labels
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if not self._peaks:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No voice clip")
            return
        w, mid = rect.width(), rect.center().y()
        n = len(self._peaks)
        bar = w / n
        strong = pal.color(QPalette.ColorRole.Highlight)
        weak = pal.color(QPalette.ColorRole.Mid)
        limit_x = self._x(self._limit, w) if self._limit is not None else None
        p.setPen(Qt.PenStyle.NoPen)
        for i, peak in enumerate(self._peaks):
            x = rect.left() + i * bar
            h = max(1.0, peak * rect.height())
            past = limit_x is not None and x - rect.left() >= limit_x
            p.setBrush(weak if past else strong)
            p.drawRect(QRectF(x, mid - h / 2, max(1.0, bar * 0.7), h))
        text = pal.color(QPalette.ColorRole.Text)
        font = p.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        p.setFont(font)
        for mark in MARKS:
            if mark > self._seconds:
                break
            x = rect.left() + self._x(mark, w)
            p.setPen(text)
            p.drawLine(int(x), int(rect.top()), int(x), int(rect.bottom()))
            p.drawText(
                QRectF(x - 20, rect.bottom(), 40, 13), Qt.AlignmentFlag.AlignCenter, f"{mark} s"
            )
        if self._position is not None:
            x = rect.left() + self._x(self._position, w)
            p.setPen(pal.color(QPalette.ColorRole.HighlightedText))
            p.drawLine(int(x), int(rect.top()), int(x), int(rect.bottom()))
