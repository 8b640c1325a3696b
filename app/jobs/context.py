"""What a JobRunner may use: a narrow view of the engine, and a lock per video file.

A runner reads and writes its job in the store, asks for clients, emits events, and
learns where its video goes; it never reaches back into the Engine itself, so it can
be read and tested alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from app.api.client import SegmindClient
from app.api.download import Downloader
from app.api.pacing import RequestBudget
from app.jobs.account_hold import AccountHold
from app.jobs.estimates import JobTimes
from app.jobs.events import EventHub
from app.jobs.model import Job
from app.jobs.store import JobStore
from app.settings import Timings


class Stop(Exception):
    """The job left a runner's hands (cancel asked, finished elsewhere, or lease lost)."""


@dataclass
class RunnerContext:
    """Everything a runner needs from the process that drives it."""

    store: JobStore
    client: Callable[[], SegmindClient]  # the keyed client (raises invalid_key without a key)
    downloader: Callable[[], Downloader]  # the keyless client
    events: EventHub
    timings: Timings
    output_path: Callable[[Job], Path]  # where the job's video is saved
    job_times: Callable[[], JobTimes]  # how long jobs usually take at the service
    credits_known: Callable[[float], None]  # the balance a result reported
    prepared_dir: Path  # converted/trimmed audio goes here
    locks_dir: Path  # one lock file per job being downloaded
    budget: RequestBudget | None = None  # to say when a job waits for a request slot
    lease_confirmed: Callable[[], float] = lambda: 0.0  # monotonic time of the last renew
    runners: dict | None = None  # the process's runners by job id (a long video adds its parts')
    account: AccountHold | None = None  # a batch's unsent jobs wait after an account error


@contextlib.asynccontextmanager
async def exclusive(
    path: Path, wait: Callable[[float], Awaitable[object]], on_wait: Callable[[], None]
):
    """Hold an exclusive lock on `path` (an OS lock: it dies with its process, and a
    stopped process keeps it). While another holds it: `on_wait()` once, then
    `await wait(seconds)` between tries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        warned = False
        while not _try_lock(fd):
            if not warned:
                warned = True
                on_wait()
            await wait(0.2)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


async def until(event: asyncio.Event, coro):
    """Run `coro` unless `event` is set first; then cancel it and return None-ish flag.

    Returns (True, result) when the coroutine finished, (False, None) when the event won.
    """
    task = asyncio.ensure_future(coro)
    stopper = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        raise
    finally:
        stopper.cancel()
    if task.done():
        return True, task.result()
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    return False, None
