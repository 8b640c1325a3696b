"""Whether videos can be saved in a folder: exists or can be made, writable, not full."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

MIN_FREE_BYTES = 50_000_000  # a 15 s video is a few MB; less than this is a full disk


def check_output_folder(path: str | os.PathLike) -> str | None:
    """Why videos cannot be saved in `path` (missing and not creatable, not a folder,
    read-only, full disk), or None when they can. Writes and removes a probe file, and
    removes any folder it had to create to prove it can be."""
    folder = Path(path).expanduser().absolute()
    missing = []
    top = folder
    while not top.exists() and top != top.parent:
        missing.append(top)
        top = top.parent
    if not top.is_dir():
        return f"{top} is not a folder."
    made: list[Path] = []
    try:
        for p in reversed(missing):
            try:
                p.mkdir()
            except OSError as err:
                return f"The folder {folder} cannot be created ({_reason(err)})."
            made.append(p)
        try:
            fd, probe = tempfile.mkstemp(dir=folder, prefix=".s2v-write-check-")
            try:
                os.write(fd, b"s2v")
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(probe)
            free = shutil.disk_usage(folder).free
        except OSError as err:
            return f"The folder {folder} cannot be written to ({_reason(err)})."
    finally:
        for p in reversed(made):
            try:
                p.rmdir()
            except OSError:
                pass
    if free < MIN_FREE_BYTES:
        return f"The disk of {folder} is full ({free / 1e6:.1f} MB free)."
    return None


def _reason(err: OSError) -> str:
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    if err.errno == errno.EROFS:
        return "the disk is read-only"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return (err.strerror or str(err)).lower()
