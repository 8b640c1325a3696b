"""Checking the portrait and the voice clip before any money is spent.

Everything a job uploads passes through here first. A refusal is always
``SegmindError(ErrorKind.invalid_input, message)`` where the message names the file,
the problem and the fix; no input, however odd, raises anything else.

Public API (the engine and the window use these names):

- ``check_input_location(text)`` -> ``("path", Path)`` or ``("url", str)``
- ``inspect_image(path)`` -> ``ImageInfo`` (real decoding, see ``image_check``)
- ``inspect_audio(path)`` -> ``AudioInfo`` (WAV natively, the rest via QAudioDecoder)
- ``choose_duration(seconds)`` -> 5, 10, 15 or None
- ``prepare_audio(info, dest_dir, duration, trim)`` -> the WAV to upload
- ``waveform(path, buckets)`` -> peaks 0..1 for the waveform widget
- ``file_sha256(path)``; async variants ``inspect_image_async``, ``inspect_audio_async``,
  ``prepare_audio_async``.

Threads and event loops (measured with PySide6 6.11.3, offscreen, 2 cores):

- QImageReader is reentrant: it decodes in ``asyncio.to_thread`` workers, no app needed.
- QAudioDecoder is asynchronous. It is never run on a nested QEventLoop in the main
  thread (that would break a qasync loop). Each decode runs in a worker thread with
  its own local QEventLoop; the decoder is created, used and freed in that thread.
  Called on the main thread, the sync functions start such a thread and join it
  (blocks ~5-50 ms, nothing nested); called from a worker they decode in place.
  Measured: to_thread decodes work under asyncio.run and under a qasync loop, three
  ran in parallel, and 1 ms asyncio timers kept ticking during a 32 s WAV decode.
  So we chose worker threads over awaiting the decoder's signals on the loop: one
  code path for the command line and the window, and a slow FFmpeg probe never
  stalls the UI.
- The decoder needs a QCoreApplication, created on the main thread: without one it
  never reports (Qt logs "Qt Multimedia requires a QCoreApplication instance"), and
  one created in a worker thread decodes but segfaults at exit. So ``ensure_qt_app``
  creates it on the main thread only; the ``*_async`` variants call it on the loop
  thread first. A worker with no application gets a clear internal error.
- Errors can be reported inside ``start()``, before the loop runs; a decode that
  stalls for STALL_TIMEOUT_S is refused. Asking QAudioDecoder to downsample an MP3
  (16 -> 8 or 11.025 kHz) never finishes, so conversion keeps the source rate when
  it is 8-48 kHz and the waveform decodes in the native format.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import hashlib
import ipaddress
import os
import re
import stat
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError

DURATIONS = (5, 10, 15)
# Decoders pad a few ms (MP3 frames); a clip this little over a duration still fits it.
DURATION_GRACE = 0.1


@dataclass
class ImageInfo:
    """A portrait that decoded for real and fits the service's limits."""

    path: Path
    width: int
    height: int
    format: str  # "png", "jpeg" or "webp", from the content, not the name
    size_bytes: int
    sha256: str


@dataclass
class AudioInfo:
    """A voice clip that decoded, with its real length (counted samples)."""

    path: Path
    seconds: float
    sample_rate: int
    channels: int
    format: str  # "wav", "mp3", "m4a", "ogg", "flac" or "audio", from the content
    size_bytes: int
    sha256: str
    is_wav: bool
    peak: float  # 0..1 of full scale


def refuse(message: str) -> SegmindError:
    """The one error for bad input; raise what it returns."""
    return SegmindError(ErrorKind.invalid_input, message)


def display_name(path: str | os.PathLike) -> str:
    """How a file is named in messages: its name, or the whole text if it has none."""
    text = os.fspath(path)
    return Path(text).name or text


def check_file(path: str | os.PathLike, what: str) -> Path:
    """Return ``path`` as a Path if it is a readable, non-empty regular file.

    ``what`` is the creator's word for it ("portrait", "voice clip").
    """
    p = Path(os.fspath(path)).expanduser()
    name = display_name(p)
    choose = f"Choose the {what} file again."
    try:
        st = os.stat(p)
    except ValueError:  # an embedded NUL character
        raise refuse(f"{name!r} is not a valid file name. {choose}") from None
    except FileNotFoundError:
        if os.path.islink(p):
            raise refuse(
                f"{name} is a broken link: the file it points to is gone. {choose}"
            ) from None
        raise refuse(f"{name} was not found ({p}). {choose}") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise refuse(f"{name} is a symbolic link loop, not a file. {choose}") from None
        if e.errno in (errno.EACCES, errno.EPERM):
            raise refuse(f"{name} cannot be opened: permission denied. {choose}") from None
        raise refuse(f"{name} cannot be opened ({e.strerror}). {choose}") from None
    if stat.S_ISDIR(st.st_mode):
        raise refuse(f"{name} is a folder, not a file. Choose the {what} file inside it.")
    if not stat.S_ISREG(st.st_mode):
        raise refuse(f"{name} is not a regular file (a device or pipe). {choose}")
    if st.st_size == 0:
        raise refuse(f"{name} is empty (0 bytes). Choose a {what} that has content.")
    try:
        with open(p, "rb") as f:
            f.read(1)
    except PermissionError:
        raise refuse(
            f"{name} cannot be read: permission denied. Allow reading it "
            f"(e.g. chmod u+r) or copy it somewhere you own."
        ) from None
    except OSError as e:
        raise refuse(f"{name} cannot be read ({e.strerror}). {choose}") from None
    return p


def read_head(path: Path, n: int = 64) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def choose_duration(seconds: float) -> int | None:
    """The shortest video length (5, 10, 15 s) that covers the clip; None if over 15 s."""
    for d in DURATIONS:
        if seconds <= d + DURATION_GRACE:
            return d
    return None


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_input_location(text: str) -> tuple[str, Path | str]:
    """Say whether an input is a local path or an https URL, refusing other schemes.

    https:// passes (the engine probes it later); http:// only to this machine;
    file://, javascript:, data:, ftp: and others are refused.
    """
    s = (text or "").strip()
    if not s:
        raise refuse("No file was given. Choose a portrait image and a voice clip.")
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", s)
    if not m or len(m.group(1)) == 1:  # no scheme, or a Windows drive letter
        return ("path", Path(s).expanduser())
    scheme = m.group(1).lower()
    shown = s if len(s) <= 80 else s[:77] + "..."
    try:
        parts = urllib.parse.urlsplit(s)
        host = parts.hostname
    except ValueError:
        raise refuse(f"{shown} is not a valid link. Check it, or download the file.") from None
    if scheme == "https":
        if not host:
            raise refuse(f"{shown} has no host name. Check the link.")
        return ("url", s)
    if scheme == "http":
        if _is_loopback(host):
            return ("url", s)
        raise refuse(
            f"{shown} is a plain http:// link to another computer, which is refused "
            f"(it is not private). Use its https:// link, or download the file and choose it."
        )
    if scheme == "file":
        local = urllib.request.url2pathname(parts.path)
        raise refuse(f"{shown} is a file:// link. Give the file's path instead: {local}")
    if scheme not in ("javascript", "data", "ftp", "ftps", "sftp") and Path(s).exists():
        return ("path", Path(s))  # a local name with a colon in it
    raise refuse(
        f"{shown} uses {scheme}:, which is not allowed. "
        f"Use a file on this computer or an https:// link."
    )


def ensure_qt_app():
    """Return the Qt application, creating a QCoreApplication on the main thread if none.

    Qt Multimedia needs an application object; creating it off the main thread is
    not supported, so a worker thread without one gets a clear internal error.
    """
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    if app is not None:
        return app
    if threading.current_thread() is not threading.main_thread():
        raise SegmindError(
            ErrorKind.internal,
            "Audio decoding needs a Qt application created on the main thread: call "
            "app.jobs.media.ensure_qt_app() there first, or use the *_async functions.",
        )
    global _APP
    _APP = QCoreApplication([])
    return _APP


_APP = None


def _read_errors_refused(check):
    """A file that vanishes or fails to read half-way is refused, not crashed on."""

    @functools.wraps(check)
    def run(path, *args, **kwargs):
        try:
            return check(path, *args, **kwargs)
        except OSError as e:
            where = path.path if isinstance(path, AudioInfo) else path
            raise refuse(
                f"{display_name(where)} could not be read ({e.strerror or e}). "
                f"Check the file and choose it again."
            ) from None

    return run


@_read_errors_refused
def inspect_image(path: str | os.PathLike) -> ImageInfo:
    """Decode the portrait for real; refuse unreadable, truncated, tiny or huge images."""
    from app.jobs import image_check

    return image_check.inspect_image(path)


@_read_errors_refused
def inspect_audio(path: str | os.PathLike) -> AudioInfo:
    """Decode the voice clip (WAV natively, others via QAudioDecoder) and measure it.

    Refuses empty, silent, undecodable or non-audio files.
    """
    from app.jobs import audio_check

    return audio_check.inspect_audio(path)


@_read_errors_refused
def prepare_audio(info: AudioInfo, dest_dir: Path, duration: int, trim: bool) -> Path:
    """The WAV to upload: the original if acceptable, else a converted/trimmed copy.

    Refuses a clip longer than ``duration`` unless ``trim``.
    """
    from app.jobs import audio_check

    return audio_check.prepare_audio(info, dest_dir, duration, trim)


@_read_errors_refused
def waveform(path: str | os.PathLike, buckets: int = 400) -> list[float]:
    """Peak per bucket (0..1 of full scale) over the whole clip, for the waveform widget."""
    from app.jobs import audio_check

    return audio_check.waveform(path, buckets)


async def inspect_image_async(path: str | os.PathLike) -> ImageInfo:
    """``inspect_image`` in a worker thread."""
    return await asyncio.to_thread(inspect_image, path)


async def inspect_audio_async(path: str | os.PathLike) -> AudioInfo:
    """``inspect_audio`` in a worker thread (creates the Qt application here if needed)."""
    ensure_qt_app()
    return await asyncio.to_thread(inspect_audio, path)


async def prepare_audio_async(info: AudioInfo, dest_dir: Path, duration: int, trim: bool) -> Path:
    """``prepare_audio`` in a worker thread."""
    ensure_qt_app()
    return await asyncio.to_thread(prepare_audio, info, dest_dir, duration, trim)
