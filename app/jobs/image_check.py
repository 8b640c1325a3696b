"""The portrait check: decoded for real by QImageReader, judged by content, not by name.

The size is read from the header first (``QImageReader.size()``, or our own PNG/JPEG
header parse when Qt gives up on a header-only file) so a huge image is refused
without decoding it; then the image is decoded to catch truncation. Qt decodes a
truncated JPEG into a grey-bottomed picture without an error, so JPEGs are also
walked marker by marker to see that the image data reaches its end marker.
"""

from __future__ import annotations

import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

from app.jobs.inputs import check_file, display_name, file_sha256, refuse
from app.media import formats
from app.media.files import read_head

MAX_BYTES = 50 * 1000 * 1000
MAX_SIDE = 8000
MIN_SIDE = 256
# Qt's format names -> the table's content kinds (formats.IMAGE_FORMATS)
ACCEPTED = {"png": "png", "jpeg": "jpeg", "jpg": "jpeg", "webp": "webp"}
FIX = f"Choose a {formats.names('image')} photo."


@dataclass
class ImageInfo:
    """A portrait that decoded for real and fits the service's limits."""

    path: Path
    width: int
    height: int
    format: str  # "png", "jpeg" or "webp", from the content, not the name
    size_bytes: int
    sha256: str


_plugins = threading.Lock()
_plugins_ready = False


def image_plugins_ready() -> None:
    """Make Qt's image readers ready once, one thread at a time, before workers decode.

    Measured here: six threads decoding their first portraits at once crashed 3-5
    processes in 150 (inside QImageReader.read(): Qt's plugins and PySide6's wrapper
    types are set up on first use, not thread-safely); after one decode of every kind
    in one thread, 0 in 150.
    """
    global _plugins_ready
    if _plugins_ready:
        return
    with _plugins:
        if _plugins_ready:
            return
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice
        from PySide6.QtGui import QImage, QImageReader

        sample = QImage(4, 4, QImage.Format.Format_RGB32)
        sample.fill(0)
        for fmt in ("png", "jpeg", "webp"):  # what portraits are (formats.py)
            data = QBuffer()
            data.open(QIODevice.OpenModeFlag.WriteOnly)
            sample.save(data, fmt)  # pyright: ignore[reportCallIssue, reportArgumentType] - PySide takes str
            data.close()
            data.open(QIODevice.OpenModeFlag.ReadOnly)
            reader = QImageReader(data, QByteArray(fmt.encode()))
            reader.setDecideFormatFromContent(True)
            if reader.canRead():
                _ = (reader.size(), reader.format(), reader.read().isNull(), reader.errorString())
        _plugins_ready = True


def inspect_image(path: str | os.PathLike) -> ImageInfo:
    """Decode the portrait for real; refuse unreadable, truncated, tiny or huge images."""
    from PySide6.QtGui import QImageReader

    image_plugins_ready()

    p = check_file(path, "portrait")
    name = display_name(p)
    size_bytes = p.stat().st_size
    if size_bytes > MAX_BYTES:
        raise refuse(
            f"{name} is {size_bytes / 1e6:.1f} MB, over the 50 MB limit. "
            f"Save it smaller (e.g. as a JPEG of at most {MAX_SIDE} px a side)."
        )
    head = read_head(p, 4096)
    reader = QImageReader(str(p))
    reader.setDecideFormatFromContent(True)
    if not reader.canRead():
        raise refuse(f"{name} is not an image{_what_it_is(head)}. {FIX}")
    fmt = bytes(reader.format().data()).decode("ascii", "replace").lower()
    size = reader.size()
    width, height = size.width(), size.height()
    if width <= 0 or height <= 0:
        width, height = _header_size(head)
    if max(width, height) > MAX_SIDE:
        raise refuse(
            f"{name} is {width}x{height} px, larger than {MAX_SIDE} px on a side. "
            f"Scale it down (1024-2048 px is plenty for a portrait)."
        )
    if fmt not in ACCEPTED:
        raise refuse(
            f"{name} is a {fmt.upper()} image; the service takes {formats.names('image')}. "
            f"Save it as PNG or JPEG."
        )
    if 0 < min(width, height) < MIN_SIDE:
        raise refuse(
            f"{name} is only {width}x{height} px, too small (at least {MIN_SIDE} px on "
            f"each side). Use a larger, sharper portrait."
        )
    image = reader.read()
    if image.isNull():
        raise refuse(
            f"{name} is truncated or damaged and cannot be decoded "
            f"({reader.errorString()}). Export it again, or choose another image."
        )
    if fmt in ("jpeg", "jpg") and not _jpeg_complete(p):
        raise refuse(
            f"{name} is truncated: the JPEG data stops before the end of the image. "
            f"Copy or export it again."
        )
    width, height = image.width(), image.height()
    if min(width, height) < MIN_SIDE:
        raise refuse(
            f"{name} is only {width}x{height} px, too small (at least {MIN_SIDE} px on "
            f"each side). Use a larger, sharper portrait."
        )
    return ImageInfo(
        path=p,
        width=width,
        height=height,
        format=ACCEPTED[fmt],
        size_bytes=size_bytes,
        sha256=file_sha256(p),
    )


def _what_it_is(head: bytes) -> str:
    """A hint for the message: what the content looks like instead."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return " (it is a WAV audio file)"
    if head[:3] == b"ID3" or head[:4] == b"OggS" or head[:4] == b"fLaC":
        return " (it is an audio file)"
    if head[4:8] == b"ftyp":
        return " (it is an MP4/M4A media file)"
    if head[:4] == b"%PDF":
        return " (it is a PDF document)"
    try:
        head.decode("utf-8")
        return " (it looks like text)"
    except UnicodeDecodeError:
        return " Qt can read, or it is damaged"


def _header_size(head: bytes) -> tuple[int, int]:
    """Width and height claimed by a PNG or JPEG header, (0, 0) if unknown."""
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR" and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    if head[:2] == b"\xff\xd8":
        pos = 2
        while pos + 9 <= len(head) and head[pos] == 0xFF:
            marker = head[pos + 1]
            length = struct.unpack(">H", head[pos + 2 : pos + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", head[pos + 5 : pos + 9])
                return w, h
            pos += 2 + length
    return 0, 0


def _jpeg_complete(path: Path) -> bool:
    """True if the JPEG's segments and scan data run up to an end-of-image marker."""
    data = path.read_bytes()
    pos, n = 2, len(data)
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if pos + 4 > n:
            return False
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        pos += 2 + length
        if marker != 0xDA:
            continue
        # Entropy-coded data: runs to the next marker that is not stuffing or a restart.
        while True:
            pos = data.find(b"\xff", pos)
            if pos < 0 or pos + 1 >= n:
                return False
            nxt = data[pos + 1]
            if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
                pos += 1 if nxt == 0xFF else 2
                continue
            break
    return False
