"""The creator's input files: can they be read, how they are named, the one refusal.

Shared by the portrait check (``image_check``), the voice clip check (``audio_check``)
and their front, ``media``; it imports none of them, so there is no import circle.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import stat
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError


def refuse(message: str, next_step: str | None = None) -> SegmindError:
    """The one error for bad input; raise what it returns."""
    return SegmindError(ErrorKind.invalid_input, message, next_step=next_step)


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


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def read_errors_refused(check):
    """A file that vanishes or fails to read half-way is refused, not crashed on."""

    @functools.wraps(check)
    def run(path, *args, **kwargs):
        try:
            return check(path, *args, **kwargs)
        except OSError as e:
            where = getattr(path, "path", path)
            raise refuse(
                f"{display_name(where)} could not be read ({e.strerror or e}). "
                f"Check the file and choose it again."
            ) from None

    return run
