"""Drives one long video: cut the parts' audio, upload the portrait once, drive the
parts, then join their clips.

The parts' WAVs are cut from one conversion of the original; the portrait's URL is
given to every part. Part 1 is sent first; the others are prepared and uploaded
meanwhile but sent only once part 1 has passed the early-rejection window
(`Timings.poll_early_window`), so a blocked portrait or prompt costs one request, not
forty. Parts' submits go one at a time, so a kill leaves at most one part unsure
("interrupted"). The parent's state follows its parts (long_video); every part
change is one JobChanged of the parent. A part is a JobRunner with a gate before
its submit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar, cast

from app.api.errors import ErrorKind, SegmindError
from app.jobs import long_video as lv
from app.jobs import media
from app.jobs.context import RunnerContext, Stop, until
from app.jobs.events import JobChanged, JobError, JobProgress
from app.jobs.joining import join_video
from app.jobs.model import FINISHED, Job, JobState, TransitionError
from app.jobs.runner import JobRunner, cancel_changes
from app.jobs.store import LeaseLost

log = logging.getLogger(__name__)
T = TypeVar("T")

NOT_SENT = "Not sent: part 1 did not pass Segmind's first checks, so nothing was billed for it."


class PartRunner(JobRunner):
    """A part of a long video: waits for part 1's early window before its submit, and
    reports its changes to the long video instead of as a list entry."""

    def __init__(self, ctx: RunnerContext, job: Job, video: LongVideoRunner, early_only: bool):
        super().__init__(ctx, job)
        self.video = video
        self.early_only = early_only  # part 1 without --wait: poll only its early window

    def announce(self) -> None:
        self.video.part_changed(self.job)

    async def submit(self) -> None:
        if self.job.part_index and not await self.unless_stopped(self.video.gate()):
            self.move(
                JobState.cancelled, "part 1 failed", error_code="cancelled", error_message=NOT_SENT
            )
            raise Stop
        async with self.video.sending:  # one POST at a time: a kill leaves one part unsure
            await super().submit()

    async def poll(self) -> None:
        if not self.early_only:
            await super().poll()
            return
        left = (self.job.submitted_at or time.time()) + self.t.s("poll_early_window") - time.time()
        if left > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(super().poll(), left)


class LongVideoRunner:
    """A long video's driver, given the same RunnerContext as a JobRunner."""

    def __init__(self, ctx: RunnerContext, job: Job, delay: float = 0.0) -> None:
        self.ctx = ctx
        self.job = job
        self.t = ctx.timings
        self.accepted: Callable[[], None] = lambda: None  # set by the engine: frees its slot
        self.delay = delay
        self.stopping: str | None = None
        self.own_phase = False  # preparing, uploading or joining: the parent's own work
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._tasks: dict[str, asyncio.Task] = {}
        self._runners: dict[str, PartRunner] = {}
        self._ran: dict[str, int] = {}  # part id -> attempt driven in this run
        self._seen: dict[str, JobState] = {}
        self._held: set[str] = set()
        self._first: str | None = None
        self.sending = asyncio.Lock()

    # helpers ---------------------------------------------------------------
    def emit(self, event) -> None:
        self.ctx.events.emit(event)

    def stop(self, reason: str) -> None:
        if self.stopping != "lost":
            self.stopping = reason
        self._stop.set()
        for runner in list(self._runners.values()):
            runner.stop(reason)

    def wake(self) -> None:
        """A part was put back (retry): drive it too."""
        self._wake.set()

    def move(self, to: JobState, note: str | None = None, **changes) -> None:
        try:
            self.ctx.store.move(self.job, to, note, **changes)
        except TransitionError:
            self.job = self.ctx.store.get(self.job.id) or self.job
            raise Stop from None
        self.emit(JobChanged(self.job.copy()))

    def refresh(self) -> None:
        if self.stopping:
            raise Stop
        if self.ctx.store.lease_lost(self.job.id):
            self.stopping = "lost"
            raise Stop
        fresh = self.ctx.store.get(self.job.id)
        if fresh is None or fresh.state in FINISHED:
            raise Stop
        self.job = fresh

    async def sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), max(0.0, seconds))
        except TimeoutError:
            return
        raise Stop

    async def unless_stopped(self, coro: Awaitable[T]) -> T:
        finished, result = await until(self._stop, coro)
        if not finished:
            raise Stop
        return cast(T, result)

    def parts(self) -> list[Job]:
        return self.ctx.store.parts(self.job.id)

    def part_changed(self, part: Job) -> None:
        """A part moved (or stored something): the long video follows it."""
        moved = self._seen.get(part.id) != part.state
        self._seen[part.id] = part.state
        if moved and not self.own_phase:
            self.follow()

    def follow(self) -> None:
        """Take the least advanced state of the unfinished parts; say the parts moved."""
        state = lv.progress_state(self.parts())
        try:
            if state is not None and state != self.job.state:
                self.ctx.store.move(self.job, state, "parts moved")
            else:
                self.ctx.store.save(self.job)  # watchers see the parts' progress
        except (TransitionError, LeaseLost):
            return
        self.emit(JobChanged(self.job.copy()))

    async def gate(self) -> bool:
        """True once part 1 has passed the early-rejection window; False if it ended
        without completing (the other parts are then not sent)."""
        window = self.t.s("poll_early_window")
        while True:
            first = self.ctx.store.fetch(self._first or "")
            if first.state == JobState.completed:
                return True
            if first.state in FINISHED:
                return False
            if first.state.submitted and time.time() - (first.submitted_at or 0) >= window:
                return True
            await asyncio.sleep(max(0.02, min(1.0, window / 10)))

    # the whole life ----------------------------------------------------------
    async def run(self, until_accepted: bool = False) -> Job:
        try:
            await self._run(until_accepted)
        except Stop:
            pass
        except LeaseLost:
            self.stopping = "lost"
        except SegmindError as err:
            self._failed(err)
        except Exception as exc:  # logged once here, shown on the job
            log.exception("long video %s: unexpected failure", self.job.id)
            what = f"Something went wrong in the app ({type(exc).__name__}: {exc})."
            self._failed(SegmindError(ErrorKind.internal, what))
        finally:
            await self._wind_down()
        if self.stopping == "cancel":
            self._cancel_now()
        return self.job

    async def _run(self, until_accepted: bool) -> None:
        if self.delay:
            await self.sleep(self.delay)
        self.refresh()
        parts = self.parts()
        self._first = parts[0].id
        self._held = self.ctx.store.acquire_many(
            [p.id for p in parts if p.state not in FINISHED], self.t.lease_seconds
        )
        if self.job.state != JobState.joining and lv.progress_state(parts) is not None:
            await self.prepare(parts)
            await self.drive_parts(until_accepted)
        parts = self.parts()
        if lv.progress_state(parts) is not None:
            return  # accepted (without --wait), stopped, or a part is driven elsewhere
        if lv.end_state(parts) is None:
            await join_video(self)
        else:
            fields = lv.outcome(parts)
            self.move(fields.pop("state"), "parts ended", **fields)

    async def prepare(self, parts: list[Job]) -> None:
        """Cut the parts' WAVs from one conversion; upload the portrait once."""
        waiting = [  # not cut yet, or its cut WAV is gone from the cache (a retry, say)
            p
            for p in parts
            if p.state == JobState.pending
            and (p.audio == self.job.audio or not Path(p.audio).exists())
        ]
        self.own_phase = True
        if waiting:
            self.move(JobState.preparing, f"cutting {len(waiting)} parts")
            info = await self.unless_stopped(media.inspect_audio_async(self.job.audio))
            dest = self.ctx.prepared_dir
            dest.mkdir(parents=True, exist_ok=True)
            for part in waiting:
                self.refresh()
                wav = await self.unless_stopped(
                    media.prepare_audio_async(
                        info, dest, part.duration, False, part.part_start or 0.0, part.part_end
                    )
                )
                self.ctx.store.move(part, JobState.preparing, "part audio cut", audio=str(wav))
        image_kind = media.check_input_location(self.job.image)[0]
        early = (JobState.pending, JobState.preparing)
        needy = [p for p in self.parts() if p.state in early and p.image_url is None]
        if needy and self.job.image_url is None:
            if image_kind == "url":
                self.job.image_url = self.job.image
            else:
                self.move(JobState.uploading, "portrait for every part")
                total = Path(self.job.image).stat().st_size

                def sent(done, _total=None):
                    self.emit(JobProgress(self.job.id, "upload", done, total))

                url = await self.unless_stopped(
                    self.ctx.client().upload(self.job.image, progress=sent)
                )
                self.job.image_url = url
            self.ctx.store.save(self.job, "portrait uploaded once")
        for part in needy:
            part.image_url = self.job.image_url
            self.ctx.store.save(part, "portrait URL shared")
        self.own_phase = False
        self.follow()

    async def drive_parts(self, until_accepted: bool) -> None:
        """Run every unfinished part (part 1 first: the others wait at the gate)."""
        while True:
            if not self.stopping:
                self._start_parts(until_accepted)
            if not self._tasks:
                break
            self._wake.clear()
            waker = asyncio.ensure_future(self._wake.wait())
            await asyncio.wait([*self._tasks.values(), waker], return_when=asyncio.FIRST_COMPLETED)
            waker.cancel()
            for part_id, task in list(self._tasks.items()):
                if task.done():
                    del self._tasks[part_id]
                    self._forget(part_id)
            self.follow()
        if self.stopping:
            raise Stop

    def _start_parts(self, until_accepted: bool) -> None:
        for part in self.parts():
            if part.state in FINISHED or part.id in self._tasks:
                continue
            if self._ran.get(part.id) == part.attempt:
                continue  # ran to its end here this time (accepted, or stopped)
            if part.id not in self._held:
                self._held |= self.ctx.store.acquire_many([part.id], self.t.lease_seconds)
                if part.id not in self._held:
                    continue  # another live process drives it
            self._ran[part.id] = part.attempt
            early = until_accepted and part.part_index == 0
            runner = PartRunner(self.ctx, part, self, early_only=early)
            self._runners[part.id] = runner
            if self.ctx.runners is not None:
                self.ctx.runners[part.id] = runner
            self._seen[part.id] = part.state
            self._tasks[part.id] = asyncio.ensure_future(
                runner.run(until_accepted and part.part_index != 0)
            )

    def _forget(self, part_id: str) -> None:
        self._runners.pop(part_id, None)
        if self.ctx.runners is not None:
            self.ctx.runners.pop(part_id, None)

    async def _wind_down(self) -> None:
        """Stop what still runs (after a failure or a stop), then release the parts."""
        if self._tasks:
            for runner in self._runners.values():
                runner.stop(self.stopping if self.stopping in ("cancel", "lost") else "pause")
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            for part_id in list(self._tasks):
                self._forget(part_id)
            self._tasks.clear()
        for part_id in self._held:
            with contextlib.suppress(Exception):
                self.ctx.store.release(part_id)

    # ends ------------------------------------------------------------------
    def _failed(self, err: SegmindError) -> None:
        """The long video's own work failed: the join, or before any part was sent."""
        try:
            fresh = self.ctx.store.get(self.job.id)
            if fresh is None or fresh.state in FINISHED:
                return
            self.job = fresh
            if self.job.state == JobState.joining:
                self.move(
                    JobState.failed,
                    err.kind.value,
                    error_code=err.kind.value,
                    error_message=str(err),
                )
                self.emit(JobError(self.job.id, err))
                return
            for part in self.parts():
                if part.state in (JobState.pending, JobState.preparing, JobState.uploading):
                    self.ctx.store.move(
                        part,
                        JobState.failed,
                        err.kind.value,
                        error_code=err.kind.value,
                        error_message=str(err),
                    )
            self.own_phase = False
            parts = self.parts()
            if lv.progress_state(parts) is None:
                fields = lv.outcome(parts)
                self.move(fields.pop("state"), "parts ended", **fields)
            self.emit(JobError(self.job.id, err))
        except (Stop, LeaseLost, TransitionError):
            pass

    def _cancel_now(self) -> None:
        """Cancel what is left: parts not sent are free, sent ones may be billed."""
        try:
            for part in self.parts():
                if part.state not in FINISHED:
                    self.ctx.store.move(
                        part,
                        JobState.cancelled,
                        "cancelled",
                        fulfils="cancel",
                        **cancel_changes(part),
                    )
            fresh = self.ctx.store.get(self.job.id)
            if fresh is None or fresh.state in FINISHED:
                return
            self.job = fresh
            parts = self.parts()
            if lv.end_state(parts) is None:
                fields = {
                    "state": JobState.cancelled,
                    "error_code": "cancelled",
                    "error_message": "Cancelled before the join: every part is done and paid "
                    "for, and their clips are kept; retry joins them.",
                }
            else:
                fields = lv.outcome(parts, cancelled=True)
            self.move(fields.pop("state"), "cancelled", fulfils="cancel", **fields)
        except (Stop, LeaseLost, TransitionError):
            pass
