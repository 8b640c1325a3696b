"""Opening media safely and writing results so that a crash never leaves half a file.

Inputs are opened with an explicit FFmpeg demuxer chosen from the content (or a short
whitelist when the content is unknown): a file named .mp3 that is really a playlist
never makes FFmpeg read other files or the network.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import av

from app.media.formats import DEMUXERS, sniff

AUDIO_WHITELIST = ",".join(sorted(set(DEMUXERS.values())))
VIDEO_WHITELIST = "mov,matroska"


class MediaError(Exception):
    """A file that cannot be opened, decoded or written; ``reason`` says why in short."""

    def __init__(self, reason: str, *, content: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.content = content  # what the first bytes looked like (formats.sniff)


def read_head(path: str | os.PathLike, n: int = 64) -> bytes:
    """The first ``n`` bytes of a file."""
    with open(path, "rb") as f:
        return f.read(n)


def ffmpeg_reason(error: Exception) -> str:
    """FFmpeg's words for an error, without the file name it repeats."""
    if isinstance(error, av.FFmpegError):
        return (error.strerror or str(error)).rstrip(".")
    return str(error)


def open_input(path: str | os.PathLike, kind: str = "audio"):
    """``av.open`` for reading, the demuxer chosen from the content.

    ``kind`` is "audio" (a voice clip) or "video" (a result). Raises MediaError.
    """
    p = os.fspath(path)
    content = sniff(read_head(p))
    if kind == "audio":
        fmt, whitelist = DEMUXERS.get(content or ""), AUDIO_WHITELIST
    else:
        fmt, whitelist = ("mov" if content == "m4a" else None), VIDEO_WHITELIST
    options = {"format_whitelist": whitelist}
    if fmt == "wav":  # PCM needs no probing; the default probe reads ~5 MB (40 ms)
        options["probesize"] = "32768"
    try:
        return av.open(p, "r", format=fmt, options=options)
    except (av.FFmpegError, ValueError) as e:
        raise MediaError(ffmpeg_reason(e), content=content) from None


@contextlib.contextmanager
def atomic_output(dest: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """A temporary path next to ``dest``; renamed over it (after fsync) if the block succeeds.

    On any error the temporary file is removed and ``dest`` is left as it was.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=suffix + ".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
