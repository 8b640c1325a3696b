"""Checking the portrait and the voice clip before any money is spent.

Everything a job uploads passes through here first. A refusal is always
``SegmindError(ErrorKind.invalid_input, message)`` where the message names the file,
the problem and the fix; no input, however odd, raises anything else.

Public API (the engine and the window use these names):

- ``check_input_location(text)`` -> ``("path", Path)`` or ``("url", str)``
- ``inspect_image(path)`` -> ``ImageInfo`` (QImageReader, see ``image_check``)
- ``inspect_audio(path)`` -> ``AudioInfo`` (PyAV through app.media, see ``audio_check``)
- ``choose_duration(seconds)`` -> 5, 10, 15 or None
- ``prepare_audio(info, dest_dir, duration, trim, trim_start=0.0, trim_end=None)``
  -> the WAV to upload (a window of the clip for a long video's part)
- ``waveform(path, buckets)`` -> peaks 0..1 for the waveform widget
- ``inspect_video(path)`` -> ``VideoInfo`` of a downloaded result (first and last
  frames decoded), else ``SegmindError(malformed)``
- ``file_sha256(path)``; async variants ``inspect_image_async``, ``inspect_audio_async``,
  ``prepare_audio_async``, ``inspect_video_async``.

Decoding is synchronous (PyAV: milliseconds per clip) and needs no Qt application or
event loop; the async variants run it in a worker thread so a loop never waits.
QImageReader is reentrant and runs in workers too. Nothing here creates a Qt
application: one made on the main thread after Qt had been used on a worker thread
is what printed "QApplication was not created in the main() thread" in the CLI.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import urllib.parse
import urllib.request
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError
from app.jobs import audio_check, image_check
from app.jobs.audio_check import DURATION_GRACE, AudioInfo, choose_duration
from app.jobs.image_check import ImageInfo
from app.jobs.inputs import (
    check_file,
    display_name,
    file_sha256,
    read_errors_refused,
    refuse,
)
from app.media.files import MediaError
from app.media.probe import VideoInfo, probe_video

__all__ = [
    "DURATION_GRACE",
    "AudioInfo",
    "ImageInfo",
    "VideoInfo",
    "check_file",
    "check_input_location",
    "choose_duration",
    "display_name",
    "file_sha256",
    "inspect_audio",
    "inspect_audio_async",
    "inspect_image",
    "inspect_image_async",
    "inspect_video",
    "inspect_video_async",
    "prepare_audio",
    "prepare_audio_async",
    "refuse",
    "waveform",
]


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


# The checks, refusing a file that vanishes or fails half-way (image_check, audio_check).
inspect_image = read_errors_refused(image_check.inspect_image)
inspect_audio = read_errors_refused(audio_check.inspect_audio)
prepare_audio = read_errors_refused(audio_check.prepare_audio)
waveform = read_errors_refused(audio_check.waveform)


def inspect_video(path: str | os.PathLike) -> VideoInfo:
    """A downloaded result, decoded at its first and last frames.

    A file that does not decode is the service's fault: ``SegmindError(malformed)``.
    """
    name = display_name(path)
    try:
        return probe_video(path)
    except (MediaError, OSError) as e:
        reason = e.reason if isinstance(e, MediaError) else (e.strerror or str(e))
        raise SegmindError(
            ErrorKind.malformed,
            f"The video the service returned ({name}) does not play: {reason}.",
            next_step="Download it again with retry; if it fails again, report it to Segmind.",
        ) from None


async def inspect_image_async(path: str | os.PathLike) -> ImageInfo:
    """``inspect_image`` in a worker thread."""
    return await asyncio.to_thread(inspect_image, path)


async def inspect_audio_async(path: str | os.PathLike) -> AudioInfo:
    """``inspect_audio`` in a worker thread."""
    return await asyncio.to_thread(inspect_audio, path)


async def prepare_audio_async(
    info: AudioInfo,
    dest_dir: Path,
    duration: int,
    trim: bool,
    trim_start: float = 0.0,
    trim_end: float | None = None,
) -> Path:
    """``prepare_audio`` in a worker thread."""
    return await asyncio.to_thread(
        prepare_audio, info, dest_dir, duration, trim, trim_start, trim_end
    )


async def inspect_video_async(path: str | os.PathLike) -> VideoInfo:
    """``inspect_video`` in a worker thread."""
    return await asyncio.to_thread(inspect_video, path)
