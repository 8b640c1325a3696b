"""The files the slots offer and accept while dragging: one table, every list comes from it.

What the checks in app.jobs accept: PNG, JPEG and WebP portraits; WAV, MP3, M4A, OGG and
FLAC voice clips (BMP, GIF and TIFF are refused there, so they are not offered here).
When app.media's shared formats table lands, this module reads from it instead.
"""

from __future__ import annotations

from collections.abc import Callable

# kind -> extension -> the format's name
FORMATS: dict[str, dict[str, str]] = {
    "image": {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WebP"},
    "audio": {".wav": "WAV", ".mp3": "MP3", ".m4a": "M4A", ".ogg": "OGG", ".flac": "FLAC"},
}
LABELS = {"image": "Images", "audio": "Sound"}


def _image_magic(head: bytes) -> bool:
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith(b"\xff\xd8\xff")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def _audio_magic(head: bytes) -> bool:
    return (
        (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
        or head[:3] == b"ID3"
        or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)  # an MPEG frame
        or head[4:8] == b"ftyp"
        or head[:4] in (b"OggS", b"fLaC")
    )


MAGIC: dict[str, Callable[[bytes], bool]] = {"image": _image_magic, "audio": _audio_magic}


def extensions(kind: str) -> set[str]:
    return set(FORMATS[kind])


def names(kind: str) -> str:
    """ "PNG, JPEG, WebP" """
    return ", ".join(dict.fromkeys(FORMATS[kind].values()))


def file_filter(kind: str) -> str:
    """The file dialog's filter: "Images (*.png *.jpg *.jpeg *.webp)"."""
    patterns = " ".join(f"*{ext}" for ext in FORMATS[kind])
    return f"{LABELS[kind]} ({patterns})"
