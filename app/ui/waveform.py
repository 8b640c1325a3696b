"""The voice clip drawn as a waveform: the part a trim keeps, marks and cuts, a playhead.

The kept part is a window the creator drags (mouse, or the arrow keys when focused); the
rest is dimmed and hatched, so the choice does not rest on colour alone. The long-video
work draws its planned cuts on the same widget (`set_cuts`, `set_markers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MARKS = (5, 10, 15)
STEP, BIG_STEP = 0.1, 1.0


@dataclass(frozen=True)
class Marker:
    """A labelled point on the clip (a planned cut, a chapter...)."""

    seconds: float
    label: str = ""


def clock(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60)
    return f"{int(m)}:{s:04.1f}"


class WaveformView(QWidget):
    """Peaks (0..1) over the clip's length; with a window, the part outside it is dimmed.

    `windowMoved(start)` fires while the window is dragged (seconds from the clip's start).
    """

    windowMoved = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._peaks: list[float] = []
        self._seconds = 0.0
        self._length: float | None = None  # the kept part's length; None: all of it
        self._start = 0.0
        self._position: float | None = None
        self._markers: list[Marker] = []
        self._cuts: list[float] = []
        self._grab: float | None = None  # where in the window the mouse holds it
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(56)
        self.setAccessibleName("Waveform of the voice clip")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrow keys move the trim window

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(240, 64)

    @property
    def peaks(self) -> list[float]:
        return list(self._peaks)

    @property
    def window_start(self) -> float:
        return self._start

    def set_peaks(self, peaks: list[float], seconds: float) -> None:
        self._peaks = [max(0.0, min(1.0, float(p))) for p in peaks]
        self._seconds = max(0.0, float(seconds))
        self._start = self._clamp(self._start)
        self.setToolTip(f"{self._seconds:.1f} s of audio" if peaks else "")
        self._describe()
        self.update()

    def set_window(self, length: float | None, start: float = 0.0) -> None:
        """Keep `length` seconds from `start` (None: no window, the whole clip)."""
        self._length = length if length and length < self._seconds else None
        self._start = self._clamp(start)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if self._length else Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.SizeHorCursor if self._length else Qt.CursorShape.ArrowCursor)
        self._describe()
        self.update()

    def set_limit(self, seconds: float | None) -> None:
        """Dim the audio beyond `seconds` (a trim that keeps the start)."""
        self.set_window(seconds, 0.0)

    def set_position(self, seconds: float | None) -> None:
        """Draw a playhead while the clip plays."""
        self._position = seconds
        self.update()

    def set_markers(self, markers: list[Marker]) -> None:
        self._markers = list(markers)
        self.update()

    def set_cuts(self, seconds: list[float]) -> None:
        """Where a long clip will be cut into parts (drawn as scissor lines)."""
        self._cuts = sorted(seconds)
        self.update()

    def clear(self) -> None:
        self._peaks, self._seconds, self._length, self._position = [], 0.0, None, None
        self._start, self._markers, self._cuts = 0.0, [], []
        self._describe()
        self.update()

    # -- moving the window --------------------------------------------------------
    def move_window(self, start: float) -> None:
        new = self._clamp(start)
        if abs(new - self._start) < 1e-9:
            return
        self._start = new
        self._describe()
        self.update()
        self.windowMoved.emit(new)

    def _clamp(self, start: float) -> float:
        if not self._length:
            return 0.0
        top = max(0.0, self._seconds - self._length)
        return round(min(max(0.0, start), top) / STEP) * STEP

    def _describe(self) -> None:
        if self._length:
            end = self._start + self._length
            text = f"Keeps {clock(self._start)} to {clock(end)} of {clock(self._seconds)}"
            self.setAccessibleDescription(text + "; arrow keys move it.")
        else:
            self.setAccessibleDescription(f"{clock(self._seconds)} of audio" if self._peaks else "")

    def _rect(self) -> QRectF:
        return QRectF(self.rect()).adjusted(1, 1, -1, -14)  # room for the labels

    def _x(self, seconds: float) -> float:
        r = self._rect()
        return r.left() + seconds / max(self._seconds, 1e-6) * r.width()

    def _seconds_at(self, x: float) -> float:
        r = self._rect()
        return (x - r.left()) / max(r.width(), 1.0) * self._seconds

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self._length or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        at = self._seconds_at(event.position().x())
        inside = self._start <= at <= self._start + self._length
        self._grab = at - self._start if inside else self._length / 2
        self.move_window(at - self._grab)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._grab is not None:
            self.move_window(self._seconds_at(event.position().x()) - self._grab)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._grab = None

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        step = BIG_STEP if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else STEP
        moves = {
            Qt.Key.Key_Left: self._start - step,
            Qt.Key.Key_Right: self._start + step,
            Qt.Key.Key_Home: 0.0,
            Qt.Key.Key_End: self._seconds,
        }
        if self._length and event.key() in moves:
            self.move_window(moves[event.key()])
            return
        super().keyPressEvent(event)

    # -- drawing ------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        rect = self._rect()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if not self._peaks:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No voice clip")
            return
        strong = pal.color(QPalette.ColorRole.Highlight)
        weak = pal.color(QPalette.ColorRole.Mid)
        kept = (self._start, self._start + self._length) if self._length else None
        bar = rect.width() / len(self._peaks)
        mid = rect.center().y()
        p.setPen(Qt.PenStyle.NoPen)
        for i, peak in enumerate(self._peaks):
            x = rect.left() + i * bar
            t = self._seconds_at(x + bar / 2)
            inside = kept is None or kept[0] <= t <= kept[1]
            h = max(1.0, peak * rect.height())
            p.setBrush(strong if inside else weak)
            p.drawRect(QRectF(x, mid - h / 2, max(1.0, bar * 0.7), h))
        font = p.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        p.setFont(font)
        text = pal.color(QPalette.ColorRole.Text)
        if kept:
            self._draw_window(p, rect, kept, text)
        elif not self._cuts:  # a long video's cuts replace the 5/10/15 s marks
            for mark in MARKS:
                if mark > self._seconds:
                    break
                self._tick(p, rect, mark, f"{mark} s", text)
        cut_colour = pal.color(QPalette.ColorRole.Highlight)  # visible on either scheme
        for cut in self._cuts:
            self._tick(p, rect, cut, f"✂ {cut:.1f} s", cut_colour, dash=True)
        for m in self._markers:
            self._tick(p, rect, m.seconds, m.label, text)
        if self._position is not None:
            x = self._x(self._position)
            p.setPen(QPen(pal.color(QPalette.ColorRole.Text), 1.5))
            p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))

    def _draw_window(self, p: QPainter, rect: QRectF, kept, text: QColor) -> None:
        left, right = self._x(kept[0]), self._x(kept[1])
        shade = QColor(self.palette().color(QPalette.ColorRole.Window))
        shade.setAlphaF(0.55)
        hatch = QBrush(self.palette().color(QPalette.ColorRole.Mid), Qt.BrushStyle.BDiagPattern)
        for a, b in ((rect.left(), left), (right, rect.right())):
            if b > a:
                outside = QRectF(a, rect.top(), b - a, rect.height())
                p.fillRect(outside, shade)
                p.fillRect(outside, hatch)
        p.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
        if self.hasFocus():
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawRoundedRect(QRectF(left, rect.top(), right - left, rect.height()), 3, 3)
        p.setPen(text)
        for x, label in ((left, clock(kept[0])), (right, clock(kept[1]))):
            p.drawText(QRectF(x - 30, rect.bottom(), 60, 13), Qt.AlignmentFlag.AlignCenter, label)

    def _tick(self, p: QPainter, rect: QRectF, seconds: float, label: str, color, dash=False):
        x = self._x(seconds)
        pen = QPen(color, 2 if dash else 1, Qt.PenStyle.DashLine if dash else Qt.PenStyle.SolidLine)
        p.setPen(pen)
        p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        if label:
            p.drawText(QRectF(x - 30, rect.bottom(), 60, 13), Qt.AlignmentFlag.AlignCenter, label)
