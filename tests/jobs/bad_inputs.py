"""A corpus of bad inputs: each case pairs one bad input with a good one from tests/data.

``make_bad_inputs(folder)`` writes the files and returns the cases; ``expect`` is a
fragment the refusal message must contain. Used by tests/jobs/test_media_bad.py and
by the command-line test (exit 2, no request sent). Also: ``write_wav`` and
``write_image`` make test media in Python, with no external tools.
"""

from __future__ import annotations

import array
import math
import os
import random
import shutil
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD_IMAGE = DATA / "portrait-astronaut.png"
GOOD_AUDIO = DATA / "voice-3s.wav"


@dataclass
class BadInput:
    """One bad case: the image and audio to give, and what the refusal must say."""

    name: str
    image: str
    audio: str
    expect: str
    side: str  # "image" or "audio": which of the two is bad
    duration: int | None = None  # pass this video length (else chosen from the clip)
    skip: str | None = None  # why this case cannot run here (then skip it)

    @property
    def bad(self) -> str:
        return self.image if self.side == "image" else self.audio


def write_wav(
    path: Path,
    seconds: float,
    rate: int = 16000,
    channels: int = 1,
    amplitude: float = 0.5,
    kind: str = "pcm16",
) -> Path:
    """A 220 Hz tone as WAV: kind "pcm16", "float" (format 3) or "extensible" (float)."""
    frames = int(seconds * rate)
    tone = [amplitude * math.sin(2 * math.pi * 220 * i / rate) for i in range(frames)]
    if kind == "pcm16":
        samples = array.array("h", (int(x * 32767) for x in tone for _ in range(channels)))
        fmt_tag, width = 1, 2
    else:
        samples = array.array("f", (x for x in tone for _ in range(channels)))
        fmt_tag, width = 3, 4
    data = samples.tobytes()  # little-endian on the machines we run on
    block = channels * width
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, width * 8)
    if kind == "extensible":
        float_guid = struct.pack("<IHH", 3, 0x0000, 0x0010) + bytes.fromhex("800000aa00389b71")
        fmt = struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * block, block, width * 8)
        fmt += struct.pack("<HHI", 22, width * 8, 0) + float_guid
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data))
    path.write_bytes(
        b"RIFF" + struct.pack("<I", 4 + len(chunks) + len(data)) + b"WAVE" + chunks + data
    )
    return path


def write_image(path: Path, width: int, height: int, fmt: str = "PNG") -> Path:
    """A real image of that size, saved by Qt."""
    from PySide6.QtGui import QColor, QImage

    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(120, 140, 200))
    if not image.save(str(path), fmt):
        raise RuntimeError(f"could not write {path}")
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_header(path: Path, width: int, height: int, with_data: bool = False) -> Path:
    """A PNG that claims ``width`` x ``height`` (optionally with a tiny, wrong IDAT)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
    if with_data:
        body += _png_chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + _png_chunk(b"IEND", b"")
    path.write_bytes(body)
    return path


def _half(src: Path, dest: Path) -> Path:
    data = src.read_bytes()
    dest.write_bytes(data[: len(data) // 2])
    return dest


def _sparse(src: Path, dest: Path, size: int) -> Path:
    shutil.copyfile(src, dest)
    with open(dest, "r+b") as f:
        f.truncate(size)  # a hole: no disk space used
    return dest


def _bogus_wav(path: Path, channels: int, rate: int) -> Path:
    good = GOOD_AUDIO.read_bytes()
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2, 2, 16)
    path.write_bytes(good[:20] + fmt + good[36:])
    return path


def _still_readable(path: Path) -> str | None:
    """Why a chmod 000 file cannot be a bad case here: root (with its read override) reads it."""
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        return None
    return "running as root: chmod 000 does not stop root from reading"


def make_bad_inputs(folder: Path) -> list[BadInput]:
    """Write the bad files into ``folder`` and return at least 30 cases."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    img, aud = str(GOOD_IMAGE), str(GOOD_AUDIO)
    cases: list[BadInput] = []

    def image(name: str, path, expect: str, **kw) -> None:
        cases.append(BadInput(f"image-{name}", str(path), aud, expect, "image", **kw))

    def audio(name: str, path, expect: str, **kw) -> None:
        cases.append(BadInput(f"audio-{name}", img, str(path), expect, "audio", **kw))

    # -- the portrait ---------------------------------------------------------------
    image("missing", d / "no-such-portrait.png", "was not found")
    (d / "a folder.png").mkdir(exist_ok=True)
    image("folder", d / "a folder.png", "is a folder")
    (d / "empty.png").write_bytes(b"")
    image("empty", d / "empty.png", "is empty")
    (d / "notes.png").write_text("this is a shopping list, not a photo\n")
    image("text-as-png", d / "notes.png", "is not an image")
    shutil.copyfile(GOOD_AUDIO, d / "voice-named.png")
    image("wav-as-png", d / "voice-named.png", "is not an image")
    image("truncated-png", _half(GOOD_IMAGE, d / "half.png"), "truncated")
    image("truncated-jpeg", _half(DATA / "portrait-astronaut.jpg", d / "half.jpg"), "truncated")
    (d / "no-end.png").write_bytes(GOOD_IMAGE.read_bytes()[:-12])
    image("png-without-end", d / "no-end.png", "truncated")
    image("huge-header", png_header(d / "huge.png", 20000, 20000), "20000x20000")
    image("too-wide", png_header(d / "wide.png", 8001, 300, with_data=True), "larger than 8000")
    image("over-50mb", _sparse(GOOD_IMAGE, d / "big.png", 51_000_000), "50 MB")
    image("1x1", write_image(d / "dot.png", 1, 1), "too small")
    image("255x1000", write_image(d / "narrow.png", 255, 1000), "too small")
    image("bmp", write_image(d / "portrait.bmp", 400, 400, "BMP"), "BMP image")
    (d / "signature-only.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    image("png-garbage", d / "signature-only.png", "damaged")
    os.symlink(d / "loop-b.png", d / "loop-a.png")
    os.symlink(d / "loop-a.png", d / "loop-b.png")
    image("symlink-loop", d / "loop-a.png", "link loop")
    os.symlink(d / "gone.png", d / "dangling.png")
    image("broken-link", d / "dangling.png", "broken link")
    locked = shutil.copyfile(GOOD_IMAGE, d / "locked.png")
    os.chmod(locked, 0)
    image(
        "unreadable",
        locked,
        "permission denied",
        skip=_still_readable(locked),
    )
    image("unicode-name", _half(GOOD_IMAGE, d / "portrait été 头像 copy.png"), "truncated")
    image("url-file", "file:///etc/passwd", "file://")
    image("url-javascript", "javascript:alert(1)", "javascript:")
    image("url-data", "data:image/png;base64,iVBORw0KGgo=", "data:")
    image("url-ftp", "ftp://example.com/portrait.png", "ftp:")
    image("url-http-remote", "http://example.com/portrait.png", "http://")

    # -- the voice clip ---------------------------------------------------------------
    audio("missing", d / "no-such-voice.wav", "was not found")
    (d / "voices.wav").mkdir(exist_ok=True)
    audio("folder", d / "voices.wav", "is a folder")
    (d / "empty.wav").write_bytes(b"")
    audio("empty", d / "empty.wav", "is empty")
    shutil.copyfile(GOOD_IMAGE, d / "photo-named.wav")
    audio("png-as-wav", d / "photo-named.wav", "PNG file, not audio")
    shutil.copyfile(DATA / "portrait-astronaut.jpg", d / "photo-named.m4a")
    audio("jpeg-as-m4a", d / "photo-named.m4a", "JPEG file, not audio")
    (d / "lyrics.mp3").write_text("la la la\n")
    audio("text-as-mp3", d / "lyrics.mp3", "not an audio file")
    shutil.copyfile(DATA / "result-h264-5s.mp4", d / "clip.mp3")
    audio("mp4-as-mp3", d / "clip.mp3", "is a video")
    audio("truncated-wav", _half(GOOD_AUDIO, d / "half.wav"), "truncated")
    audio("zero-channels", _bogus_wav(d / "zero-channels.wav", 0, 16000), "damaged WAV header")
    audio("zero-rate", _bogus_wav(d / "zero-rate.wav", 1, 0), "damaged WAV header")
    audio("silent", write_wav(d / "silence.wav", 3, amplitude=0), "silent")
    quiet = write_wav(d / "quiet-float.wav", 3, amplitude=0.0001, kind="extensible")
    audio("silent-float", quiet, "silent")
    audio("no-frames", write_wav(d / "no-frames.wav", 0), "contains no sound")
    audio("too-short", write_wav(d / "blip.wav", 0.2), "too short")
    shutil.copyfile(DATA / "voice-32s.wav", d / "long speech.wav")
    audio("too-long", d / "long speech.wav", "longer than the longest video (15 s)")
    shutil.copyfile(DATA / "voice-5s.wav", d / "five-ish.wav")
    audio("over-duration", d / "five-ish.wav", "longer than the chosen video length", duration=5)
    (d / "noise.mp3").write_bytes(random.Random(7).randbytes(8000))
    audio("garbage-mp3", d / "noise.mp3", "cannot be decoded")
    audio("over-200mb", _sparse(GOOD_AUDIO, d / "huge.wav", 201_000_000), "too big")
    os.symlink(d / "loop-b.wav", d / "loop-a.wav")
    os.symlink(d / "loop-a.wav", d / "loop-b.wav")
    audio("symlink-loop", d / "loop-a.wav", "link loop")
    locked = shutil.copyfile(GOOD_AUDIO, d / "locked.wav")
    os.chmod(locked, 0)
    audio(
        "unreadable",
        locked,
        "permission denied",
        skip=_still_readable(locked),
    )
    audio("unicode-name", write_wav(d / "voix d'été 声音 copy.wav", 3, amplitude=0), "silent")
    (d / "playlist.mp3").write_text(f"#EXTM3U\n#EXTINF:3,\n{GOOD_AUDIO}\n")
    audio("playlist-as-mp3", d / "playlist.mp3", "looks like text")  # never opened by FFmpeg
    riff = GOOD_AUDIO.read_bytes()
    (d / "riff-avi.wav").write_bytes(riff[:8] + b"AVI " + riff[12:])
    audio("avi-as-wav", d / "riff-avi.wav", "cannot be decoded")
    audio("url-ftp", "ftp://example.com/voice.wav", "ftp:")
    audio("url-http-remote", "http://example.com/voice.wav", "http://")
    return cases
