"""Benchmark media: the largest inputs the app accepts, made once per run.

A portrait of random pixels stored as an uncompressed PNG just under the app's 50 MB
limit (random pixels defeat compression, so the bytes on the wire are real), and a
15 s WAV at 44.1 kHz stereo (the longest clip a video can take).
"""

from __future__ import annotations

import math
import os
import struct
import wave
from pathlib import Path

IMAGE_SIDE = 4000  # 4000 x 4000 RGB = 48 MB of pixels
WAV_SECONDS = 15
WAV_RATE = 44_100


def big_portrait(path: Path, side: int = IMAGE_SIDE) -> Path:
    from PySide6.QtGui import QImage

    if path.exists():
        return path
    raw = os.urandom(side * side * 3)
    image = QImage(raw, side, side, side * 3, QImage.Format.Format_RGB888).copy()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG", 100):  # quality 100: no zlib compression
        raise RuntimeError(f"could not write {path}")
    return path


def long_voice(path: Path, seconds: float = WAV_SECONDS, rate: int = WAV_RATE) -> Path:
    """A 15 s stereo tone with a slow warble (the app checks length and format, not speech)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for i in range(int(seconds * rate)):
        t = i / rate
        v = int(8000 * math.sin(2 * math.pi * (180 + 40 * math.sin(t * 3)) * t))
        frames += struct.pack("<hh", v, v)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


def largest_inputs(folder: Path) -> list[Path]:
    """[portrait, voice]: the biggest image and the longest clip the app accepts."""
    return [big_portrait(folder / "portrait-48MB.png"), long_voice(folder / "voice-15s.wav")]
