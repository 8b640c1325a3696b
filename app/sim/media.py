"""What goes into a simulated result: the picture, the soundtrack and the frames."""

from __future__ import annotations

import io
import wave
from array import array
from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QLinearGradient, QPainter

MAX_SIDE = 512
MIN_SIDE = 128
MIN_TEXT_PX = 7
CAPTION = "SIMULATED - not lip-synced"
SHORT_CAPTION = "SIMULATED"


@dataclass
class Soundtrack:
    """Interleaved little-endian Int16 PCM."""

    pcm: bytes
    rate: int
    channels: int


def is_wav(data: bytes) -> bool:
    return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE"


def load_soundtrack(data: bytes | None, seconds: int) -> Soundtrack:
    """The audio cut or padded with silence to `seconds`; silence if it cannot be read."""
    rate, channels, pcm = 16000, 1, b""
    if data:
        try:
            with wave.open(io.BytesIO(data)) as w:
                rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
                pcm = w.readframes(w.getnframes())
            pcm = to_int16(pcm, width)
            if channels > 2:  # keep the first channel
                samples = array("h")
                samples.frombytes(pcm[: len(pcm) // (2 * channels) * 2 * channels])
                pcm, channels = samples[::channels].tobytes(), 1
        except (wave.Error, EOFError, ValueError):
            rate, channels, pcm = 16000, 1, b""
    frame = 2 * channels
    want = rate * seconds * frame
    pcm = pcm[:want] + bytes(max(0, want - len(pcm)))
    return Soundtrack(pcm, rate, channels)


def to_int16(pcm: bytes, width: int) -> bytes:
    """Little-endian PCM of 1-4 bytes per sample as Int16 (keeps the top bits)."""
    if width == 2:
        return pcm
    n = len(pcm) // width
    out = bytearray(2 * n)
    if width == 1:  # unsigned 8-bit
        out[1::2] = pcm[:n].translate(bytes(i ^ 0x80 for i in range(256)))
    elif width in (3, 4):
        out[0::2] = pcm[width - 2 : n * width : width]
        out[1::2] = pcm[width - 1 : n * width : width]
    else:
        raise ValueError(f"unsupported sample width {width}")
    return bytes(out)


def load_picture(data: bytes | None) -> QImage:
    """The portrait scaled to fit 512x512 (even sides, at least 128), or a placeholder card.

    A very narrow or flat picture is centred on a dark canvas so that the caption still fits.
    """
    image = QImage.fromData(data) if data else QImage()
    if image.isNull():
        return placeholder_card()
    image = image.scaled(
        MAX_SIDE,
        MAX_SIDE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    ).convertToFormat(QImage.Format.Format_RGBA8888)
    w = max(MIN_SIDE, image.width() // 2 * 2)
    h = max(MIN_SIDE, image.height() // 2 * 2)
    canvas = QImage(w, h, QImage.Format.Format_RGBA8888)
    canvas.fill(QColor("#1b2631"))
    p = QPainter(canvas)
    p.drawImage((w - image.width()) // 2, (h - image.height()) // 2, image)
    p.end()
    return canvas


def placeholder_card() -> QImage:
    image = QImage(MAX_SIDE, MAX_SIDE, QImage.Format.Format_RGBA8888)
    p = QPainter(image)
    g = QLinearGradient(0, 0, 0, MAX_SIDE)
    g.setColorAt(0, QColor("#34495e"))
    g.setColorAt(1, QColor("#1b2631"))
    p.fillRect(image.rect(), g)
    p.setPen(QColor("white"))
    font = QFont("Sans")
    font.setPixelSize(30)
    p.setFont(font)
    p.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, "Speech2Video\nsimulator")
    p.end()
    return image


def fitted_font(family: str, bold: bool, texts: list[str], width: int, largest: int):
    """The first text (and a font for it) that fits `width` px, at most `largest` px high.

    Sizes are in pixels, so a picture's own DPI (PNG metadata) never blows the text up.
    """
    font = QFont(family)
    font.setBold(bold)
    for i, text in enumerate(texts):
        size = max(MIN_TEXT_PX, largest)
        # a longer text only while it stays readable; then the shorter one, larger
        smallest = MIN_TEXT_PX if i == len(texts) - 1 else max(MIN_TEXT_PX, largest * 2 // 3)
        while size >= smallest:
            font.setPixelSize(size)
            if QFontMetrics(font).horizontalAdvance(text) <= width:
                return font, text
            size -= 1
    font.setPixelSize(MIN_TEXT_PX)
    return font, texts[-1]


class FramePainter:
    """Draws each frame: the picture, a caption bar and the running timecode.

    Only the bar (and the marker just above it) changes from frame to frame: `strip(t)` is
    that band alone, rows `strip_top` to the bottom, so an encoder can convert just it.
    """

    def __init__(self, picture: QImage, seconds: int):
        self.seconds = seconds
        self.base = picture.convertToFormat(QImage.Format.Format_RGBA8888)
        w, h = self.base.width(), self.base.height()
        bar_h = min(max(20, round(max(w, h) * 0.09)), 64, h * 2 // 5)
        self.bar = QRect(0, h - bar_h, w, bar_h)
        self.margin = max(3, bar_h // 6)
        self.marker_h = max(2, bar_h // 11)
        self.strip_top = max(0, (self.bar.top() - self.marker_h) // 2 * 2)
        room = w - 2 * self.margin
        line = bar_h // 2
        self.caption_font, self.caption = fitted_font(
            "Sans", True, [CAPTION, SHORT_CAPTION], room, round(line * 0.8)
        )
        self.total = f"{seconds // 60:02d}:{seconds % 60:02d}"
        self.time_font, sample = fitted_font(
            "Monospace", False, [f"00:00.0 / {self.total}", "00:00.0"], room, round(line * 0.7)
        )
        self.full_time = "/" in sample
        p = QPainter(self.base)
        p.fillRect(self.bar, QColor(0, 0, 0, 170))
        p.setPen(QColor("#ffd54f"))
        p.setFont(self.caption_font)
        top_line = QRect(self.margin, self.bar.top(), room, line)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.drawText(top_line, align, self.caption)
        p.end()
        self.base_strip = self.base.copy(0, self.strip_top, w, h - self.strip_top)

    def _draw(self, image: QImage, t: float, dy: int) -> None:
        p = QPainter(image)
        p.translate(0, -dy)
        p.setPen(QColor("white"))
        p.setFont(self.time_font)
        text = f"{int(t // 60):02d}:{t % 60:04.1f}"
        if self.full_time:
            text += f" / {self.total}"
        line = self.bar.height() // 2
        lower = QRect(self.margin, self.bar.top() + line, self.bar.width() - 2 * self.margin, line)
        p.drawText(lower, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        # a moving marker so consecutive frames always differ
        x = int((image.width() - 12) * (t / max(self.seconds, 1)))
        p.fillRect(x, self.bar.top() - self.marker_h, 12, self.marker_h, QColor("#ffd54f"))
        p.end()

    def frame(self, t: float) -> QImage:
        """The whole frame at `t` seconds."""
        image = self.base.copy()
        self._draw(image, t, 0)
        return image

    def strip(self, t: float) -> QImage:
        """Rows `strip_top`.. of the frame at `t` (the only ones that change)."""
        image = self.base_strip.copy()
        self._draw(image, t, self.strip_top)
        return image
