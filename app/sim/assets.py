"""Uploaded files: decoded from data URLs and kept in the simulator's own folder."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import threading
import uuid
from pathlib import Path

DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*?);base64,", re.I)
EXTENSIONS = {
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "image/jpeg": ".jpg",
}


class BadDataUrl(ValueError):
    """A data URL that is not `data:<mime>;base64,<payload>`."""


def decode_data_url(url: str) -> tuple[str, bytes]:
    """The MIME type and the bytes of a base64 data URL (whitespace in the payload is ignored)."""
    m = DATA_URL.match(url[:300])
    if not m:
        raise BadDataUrl("expected data:<mime>;base64,<payload>")
    try:
        data = base64.b64decode(url[m.end() :], validate=False)
    except (binascii.Error, ValueError) as e:
        raise BadDataUrl(f"the base64 payload does not decode ({e})") from None
    return (m.group("mime") or "application/octet-stream").lower(), data


class AssetStore:
    """Files uploaded through /upload-asset, served by the video origin under /assets/."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._types: dict[str, str] = {}

    def put(self, mime: str, data: bytes) -> str:
        """Store one file; returns its name."""
        ext = EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ".bin"
        name = f"{uuid.uuid4().hex}{ext}"
        (self.folder / name).write_bytes(data)
        with self._lock:
            self._types[name] = mime
        return name

    def path(self, name: str) -> Path | None:
        with self._lock:
            known = name in self._types
        return self.folder / name if known else None

    def mime(self, name: str) -> str:
        with self._lock:
            return self._types.get(name, "application/octet-stream")

    def read(self, name: str) -> bytes | None:
        p = self.path(name)
        return p.read_bytes() if p is not None and p.exists() else None
