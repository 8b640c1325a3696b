"""What goes into a simulated result: the picture, the soundtrack and the frames."""

from __future__ import annotations

import io
import wave
from array import array
from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QLinearGradient, QPainter

MAX_SIDE = 512
CAPTION = "SIMULATED - not lip-synced"


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
    """The portrait scaled to fit 512x512 (even sides), or a placeholder card."""
    image = QImage.fromData(data) if data else QImage()
    if image.isNull():
        return placeholder_card()
    image = image.scaled(
        MAX_SIDE,
        MAX_SIDE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    w, h = max(2, image.width() // 2 * 2), max(2, image.height() // 2 * 2)
    return image.copy(0, 0, w, h).convertToFormat(QImage.Format.Format_ARGB32)


def placeholder_card() -> QImage:
    image = QImage(MAX_SIDE, MAX_SIDE, QImage.Format.Format_ARGB32)
    p = QPainter(image)
    g = QLinearGradient(0, 0, 0, MAX_SIDE)
    g.setColorAt(0, QColor("#34495e"))
    g.setColorAt(1, QColor("#1b2631"))
    p.fillRect(image.rect(), g)
    p.setPen(QColor("white"))
    p.setFont(QFont("Sans", 22))
    p.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, "Speech2Video\nsimulator")
    p.end()
    return image


class FramePainter:
    """Draws each frame: the picture, a caption bar and the running timecode."""

    def __init__(self, picture: QImage, seconds: int):
        self.seconds = seconds
        self.base = picture.copy()
        self.bar = QRect(0, self.base.height() - 44, self.base.width(), 44)
        p = QPainter(self.base)
        p.fillRect(self.bar, QColor(0, 0, 0, 170))
        p.setPen(QColor("#ffd54f"))
        p.setFont(QFont("Sans", 11, QFont.Weight.Bold))
        p.drawText(self.bar.adjusted(8, 2, -8, -22), Qt.AlignmentFlag.AlignLeft, CAPTION)
        p.end()
        self.font = QFont("Monospace", 10)

    def frame(self, t: float) -> QImage:
        image = self.base.copy()
        p = QPainter(image)
        p.setPen(QColor("white"))
        p.setFont(self.font)
        total = f"{self.seconds // 60:02d}:{self.seconds % 60:02d}"
        text = f"{int(t // 60):02d}:{t % 60:04.1f} / {total}"
        p.drawText(self.bar.adjusted(8, 22, -8, 0), Qt.AlignmentFlag.AlignLeft, text)
        # a moving marker so consecutive frames always differ
        x = int((image.width() - 12) * (t / max(self.seconds, 1)))
        p.fillRect(x, self.bar.top() - 4, 12, 4, QColor("#ffd54f"))
        p.end()
        return image
