"""The upload-asset body, streamed: `{"data_urls": ["data:<mime>;base64,..."]}`.

The file is read and base64-encoded in chunks (a multiple of 3 bytes, so the pieces
join into one valid base64 text); only one chunk is in memory at a time, and the
Content-Length is known before the first byte is sent.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError

CHUNK = 3 * 64 * 1024  # bytes of file per piece; base64 of it is 256 KiB

# Segmind's model wants WAV as audio/wav (Python's table says audio/x-wav).
_MIME_BY_SUFFIX = {
    ".wav": "audio/wav",
    ".wave": "audio/wav",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".mp4": "video/mp4",
}


def mime_for(path: Path) -> str:
    """The MIME type to declare for a local file, from its extension."""
    suffix = path.suffix.lower()
    if suffix in _MIME_BY_SUFFIX:
        return _MIME_BY_SUFFIX[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed:
        return guessed
    raise SegmindError(
        ErrorKind.invalid_input,
        f"Cannot tell what kind of file {path.name!r} is from its name.",
        next_step="Use a .png/.jpg portrait and a .wav voice clip.",
        sent=False,
    )


class UploadBody:
    """One upload request's body; `stream()` may be called again for a retry."""

    def __init__(self, path: Path, mime: str, progress: Callable[[int, int], object] | None):
        self.path = path
        self.mime = mime
        self.progress = progress
        try:
            self.size = path.stat().st_size
        except OSError as exc:
            raise _unreadable(path, exc) from None
        if not path.is_file() or self.size == 0:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"{path.name!r} is empty or not a file.",
                next_step="Choose another file.",
                sent=False,
            )
        self.prefix = f'{{"data_urls": ["data:{mime};base64,'.encode("ascii")
        self.suffix = b'"]}'

    @property
    def length(self) -> int:
        """The exact size of the JSON body in bytes."""
        return len(self.prefix) + 4 * ((self.size + 2) // 3) + len(self.suffix)

    async def stream(self) -> AsyncIterator[bytes]:
        """The body in pieces; reports (file bytes read, file size) as it goes."""
        done = 0
        yield self.prefix
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise _unreadable(self.path, exc) from None
        with handle:
            while True:
                piece = handle.read(CHUNK)
                if not piece:
                    break
                done += len(piece)
                yield base64.b64encode(piece)
                if self.progress is not None:
                    self.progress(min(done, self.size), self.size)
        if done != self.size:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"{self.path.name!r} changed while it was being uploaded.",
                next_step="Wait until the file is saved completely, then retry.",
                sent=False,
            )
        yield self.suffix


def _unreadable(path: Path, exc: OSError) -> SegmindError:
    reason = exc.strerror or type(exc).__name__
    return SegmindError(
        ErrorKind.invalid_input,
        f"Cannot read {str(path)!r}: {reason}.",
        next_step="Check that the file exists and you may read it.",
        sent=False,
    )
