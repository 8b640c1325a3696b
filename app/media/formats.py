"""The one table of accepted formats: what the studio takes, by name, extension and MIME.

Everything that lists or pre-checks formats uses this table: the checks in app/jobs,
the window's file dialogs and drop checks, messages. Only what is really accepted is
listed (the service takes JPEG, PNG and WebP portraits; any voice clip is converted
to WAV before it is sent).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Format:
    """One accepted file format."""

    name: str  # as shown to the creator: "WAV", "JPEG"
    kind: str  # "image" or "audio"
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the usual one
    mime_types: tuple[str, ...]  # the first is the one to declare
    content: str  # what sniff() says for this content


IMAGE_FORMATS: tuple[Format, ...] = (
    Format("JPEG", "image", (".jpg", ".jpeg"), ("image/jpeg",), "jpeg"),
    Format("PNG", "image", (".png",), ("image/png",), "png"),
    Format("WebP", "image", (".webp",), ("image/webp",), "webp"),
)
AUDIO_FORMATS: tuple[Format, ...] = (
    Format("WAV", "audio", (".wav", ".wave"), ("audio/wav", "audio/x-wav", "audio/wave"), "wav"),
    Format("MP3", "audio", (".mp3",), ("audio/mpeg", "audio/mp3"), "mp3"),
    Format("M4A", "audio", (".m4a", ".mp4a"), ("audio/mp4", "audio/x-m4a", "audio/m4a"), "m4a"),
    Format("AAC", "audio", (".aac",), ("audio/aac", "audio/x-aac", "audio/aacp"), "aac"),
    Format("OGG", "audio", (".ogg", ".oga", ".opus"), ("audio/ogg", "audio/opus"), "ogg"),
    Format("FLAC", "audio", (".flac",), ("audio/flac", "audio/x-flac"), "flac"),
)
# FFmpeg demuxer for each audio content kind; nothing else is ever opened (no playlists).
DEMUXERS = {"wav": "wav", "mp3": "mp3", "m4a": "mov", "aac": "aac", "ogg": "ogg", "flac": "flac"}
WORDS = {"image": "portrait", "audio": "voice clip"}


def formats(kind: str) -> tuple[Format, ...]:
    """The accepted formats of one kind ("image" or "audio")."""
    if kind == "image":
        return IMAGE_FORMATS
    if kind == "audio":
        return AUDIO_FORMATS
    raise ValueError(f"kind must be 'image' or 'audio', not {kind!r}")


def extensions(kind: str) -> frozenset[str]:
    """Every accepted extension of one kind, lower case with the dot."""
    return frozenset(e for f in formats(kind) for e in f.extensions)


def mime_types(kind: str) -> tuple[str, ...]:
    """Every accepted MIME type of one kind (for drops and pasted links)."""
    return tuple(m for f in formats(kind) for m in f.mime_types)


def names(kind: str) -> str:
    """The names joined for a sentence: "JPEG, PNG or WebP"."""
    shown = [f.name for f in formats(kind)]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def file_filter(kind: str) -> str:
    """A file dialog filter: "Portraits (JPEG, PNG, WebP) (*.jpg *.jpeg *.png *.webp)"."""
    label = "Portraits" if kind == "image" else "Voice clips"
    patterns = " ".join(f"*{e}" for f in formats(kind) for e in f.extensions)
    return f"{label} ({', '.join(f.name for f in formats(kind))}) ({patterns})"


def has_accepted_extension(path: str | os.PathLike, kind: str) -> bool:
    """True if the file's name ends in an accepted extension of that kind."""
    return Path(os.fspath(path)).suffix.lower() in extensions(kind)


def format_for_mime(mime: str) -> Format | None:
    """The accepted format a MIME type names (parameters ignored), or None."""
    base = (mime or "").split(";", 1)[0].strip().lower()
    for f in IMAGE_FORMATS + AUDIO_FORMATS:
        if base in f.mime_types:
            return f
    return None


def format_for_path(path: str | os.PathLike) -> Format | None:
    """The accepted format a file's extension names, or None."""
    suffix = Path(os.fspath(path)).suffix.lower()
    for f in IMAGE_FORMATS + AUDIO_FORMATS:
        if suffix in f.extensions:
            return f
    return None


def sniff(head: bytes) -> str | None:
    """What content this is, from its first bytes (64 are plenty).

    Accepted kinds: "wav", "mp3", "aac", "m4a" (any MP4/MOV file), "ogg", "flac",
    "jpeg", "png", "webp"; others named for messages: "gif", "bmp", "tiff", "pdf",
    "text"; None if unknown.
    """
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"  # ADTS: MPEG sync with layer bits 00
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "mp3"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:4] == b"GIF8":
        return "gif"
    if head[:2] == b"BM" and head[6:10] == b"\0\0\0\0":
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"%PDF":
        return "pdf"
    for end in range(len(head), max(0, len(head) - 4), -1):  # a character cut at the end
        try:
            head[:end].decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            continue
    return None


def looks_like(head: bytes, kind: str) -> bool:
    """True if the first bytes are content of an accepted format of that kind."""
    return sniff(head) in {f.content for f in formats(kind)}
