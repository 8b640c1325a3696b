"""Drives one job through the service: prepare, upload, submit, poll, download.

Each stage starts from what the store says, so a job picked up after a crash carries
on where it stopped. The submit is write-ahead: the job is stored as `submitting`
before the POST and its request_id the moment the answer arrives, whatever happened
meanwhile; a POST whose answer was lost is never sent again automatically.

A runner stops at its next step when asked (`stop("cancel")`, or "lost" when another
process took its lease); a POST in flight is always awaited first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar, cast

from app.api.errors import ErrorKind, SegmindError
from app.api.pacing import likely_complete, request_order
from app.jobs import media
from app.jobs.account_hold import holds
from app.jobs.context import RunnerContext, Stop, until
from app.jobs.crashpoints import crash_point
from app.jobs.events import JobChanged, JobError, JobProgress, JobWaiting, JobWarning
from app.jobs.model import Job, JobState, TransitionError
from app.jobs.saving import save_video
from app.jobs.schedule import likely_done, next_poll_delay
from app.jobs.settle import MAY_BE_BILLED, settle_lost_submit, when_forgotten
from app.jobs.store import LeaseLost

log = logging.getLogger(__name__)
T = TypeVar("T")


def cancel_changes(job: Job) -> dict:
    """The fields of a job cancelled now: was anything (maybe) billed?"""
    paid = job.state.submitted or job.state == JobState.submitting or job.request_id is not None
    message = (
        "Cancelled. Segmind has no cancel: the job may still run and be billed."
        if paid
        else "Cancelled before submitting; nothing was billed."
    )
    return {"error_code": "cancelled", "error_message": message}


class JobRunner:
    """One job's driver, given only a RunnerContext."""

    def __init__(self, ctx: RunnerContext, job: Job, delay: float = 0.0) -> None:
        self.ctx = ctx
        self.job = job
        self.t = ctx.timings
        self.delay = delay  # before the first step (spreads resumed jobs' first requests)
        self.stopping: str | None = None  # "cancel" | "lost"
        self._stop = asyncio.Event()
        self._posting = False
        self.accepted: Callable[[], None] = lambda: None  # called once Segmind has the job

    # helpers ---------------------------------------------------------------
    def emit(self, event) -> None:
        self.ctx.events.emit(event)

    def announce(self) -> None:
        self.emit(JobChanged(self.job.copy()))

    def stop(self, reason: str) -> None:
        """Stop at the next step; a POST in flight is awaited and its answer stored first."""
        if self.stopping != "lost":
            self.stopping = reason
        self._stop.set()

    def move(self, to: JobState, note: str | None = None, **changes) -> None:
        try:
            self.ctx.store.move(self.job, to, note, **changes)
        except TransitionError:
            fresh = self.ctx.store.get(self.job.id)
            if fresh is not None:
                self.job = fresh
                self.announce()
            raise Stop from None
        self.announce()

    def save(self, note: str | None = None) -> None:
        self.ctx.store.save(self.job, note)
        self.announce()

    def fail(self, err: SegmindError, state: JobState = JobState.failed) -> None:
        if state == JobState.failed and holds(self, err):
            return  # another job of its batch met this account error: this one waits
        self.move(state, err.kind.value, error_code=err.kind.value, error_message=str(err))
        self.emit(JobError(self.job.id, err))

    def refresh(self) -> None:
        """Re-read the job; stop if asked to, if it ended, or if the lease was taken."""
        if self.stopping:
            raise Stop
        if self.ctx.store.lease_lost(self.job.id):
            self.stopping = "lost"
            raise Stop
        fresh = self.ctx.store.get(self.job.id)
        if fresh is None or fresh.state.finished:
            if fresh is not None:
                self.job = fresh
            raise Stop
        self.job = fresh

    async def sleep(self, seconds: float) -> None:
        """Wait, unless asked to stop meanwhile."""
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

    def paced(self) -> None:
        """Say so when the next request must wait for the plan's requests per minute."""
        budget = self.ctx.budget
        wait = budget.wait_time() if budget is not None else 0.0
        if wait > 1.0:
            self.emit(JobWaiting(self.job.id, "request_slot", time.time() + wait))

    # the whole life ----------------------------------------------------------
    async def run(self, until_accepted: bool = False) -> Job:
        request_order.set((self.job.created_at, self.job.part_index or 0))
        try:
            await self._run(until_accepted)
        except Stop:
            pass
        except LeaseLost:
            self.stopping = "lost"
        except SegmindError as err:
            if not self.job.state.finished:
                self.fail(err)
        except Exception as exc:
            log.exception("job %s: unexpected failure in %s", self.job.id, self.job.state.value)
            self._broken(exc)
        if self.stopping == "cancel":
            self._cancel_now()
        elif self.stopping == "lost":
            log.warning("job %s: another process took it over; stopped driving it", self.job.id)
            self.emit(JobWarning(self.job.id, f"Another process took over job {self.job.id}."))
        return self.job

    def _cancel_now(self) -> None:
        fresh = self.ctx.store.get(self.job.id)
        if fresh is None or fresh.state.finished:
            return
        self.job = fresh
        try:
            self.move(JobState.cancelled, "cancelled", fulfils="cancel", **cancel_changes(fresh))
        except (Stop, LeaseLost):
            pass

    def _broken(self, exc: Exception) -> None:
        """A bug, not a service answer: end what costs nothing, keep what was paid for."""
        what = f"Something went wrong in the app ({type(exc).__name__}: {exc})."
        state = self.job.state
        try:
            if state == JobState.submitting:
                self.fail(SegmindError(ErrorKind.interrupted, MAY_BE_BILLED), JobState.interrupted)
            elif state.submitted:
                # paid for: keep it resumable (the next start tries again), say so on the job
                self.job.error_code, self.job.error_message = "internal", what
                self.save("unexpected failure")
                self.emit(JobError(self.job.id, SegmindError(ErrorKind.internal, what)))
            elif not state.finished:
                self.fail(SegmindError(ErrorKind.internal, what + " Nothing was billed."))
        except (Stop, LeaseLost):
            pass

    async def _run(self, until_accepted: bool) -> None:
        if self.delay:
            await self.sleep(self.delay)
        self.refresh()
        state = self.job.state
        if state in (JobState.pending, JobState.preparing, JobState.uploading):
            if holds(self):
                return
            await self.prepare()
            await self.upload()
            await self.submit()
        elif state == JobState.submitting:
            if not self.job.request_id:
                # Found mid-submit with no live owner: never resubmit; ask the history.
                if await settle_lost_submit(self) != "adopted":
                    return
            else:
                self.move(JobState.queued, "request id was stored")
        if self.job.state.submitted:
            self.accepted()  # rendering is Segmind's work: free the local job slot
        if until_accepted:
            return
        if self.job.state in (JobState.queued, JobState.processing):
            await self.poll()
        if self.job.state == JobState.downloading:
            await save_video(self)

    # stages ----------------------------------------------------------------
    async def prepare(self) -> None:
        self.move(JobState.preparing)
        job = self.job
        if job.audio_url is None and media.check_input_location(job.audio)[0] == "path":
            ainfo = await self.unless_stopped(media.inspect_audio_async(job.audio))
            dest = self.ctx.prepared_dir
            dest.mkdir(parents=True, exist_ok=True)
            # trim_start comes with the media engineer's prepare_audio; pass it only when used
            extra = {"trim_start": job.trim_start} if job.trim and job.trim_start else {}
            prepared = await self.unless_stopped(
                media.prepare_audio_async(ainfo, dest, job.duration, job.trim, **extra)
            )
            self.job.prepared_audio = str(prepared)
            self.save("audio prepared")
        elif job.audio_url is None:
            self.job.audio_url = job.audio  # https passes through
        if job.image_url is None and media.check_input_location(job.image)[0] == "url":
            self.job.image_url = job.image

    async def upload(self) -> None:
        need = [
            (n, p)
            for n, p in (("image", self.job.image), ("audio", self.job.prepared_audio))
            if getattr(self.job, f"{n}_url") is None and p
        ]
        if not need:
            return
        self.move(JobState.uploading)
        client = self.ctx.client()
        for name, path in need:
            self.refresh()
            total = Path(path).stat().st_size

            def progress(done, _total=None, _t=total):
                self.emit(JobProgress(self.job.id, "upload", done, _t))

            self.paced()
            url = await self.unless_stopped(client.upload(path, progress=progress))
            setattr(self.job, f"{name}_url", url)
            self.save(f"{name} uploaded")
        crash_point("after-upload")

    def inputs(self) -> dict:
        return {
            "input_image": self.job.image_url,
            "input_audio": self.job.audio_url,
            **self.job.params(),
        }

    async def submit(self) -> None:
        client = self.ctx.client()
        answered_5xx = 0
        started = time.monotonic()
        while True:
            self.refresh()
            self.move(JobState.submitting, f"attempt {self.job.attempt}")
            self.paced()
            try:
                # shielded and never raced against a stop: the answer costs money
                sub = await asyncio.shield(client.submit(self.inputs()))
            except SegmindError as err:
                retry = self._after_submit_error(err, answered_5xx, started)
                if isinstance(retry, str):  # the answer may be lost: Segmind's history says
                    if await settle_lost_submit(self, then_resubmit=retry == "check") != "missing":
                        return
                    retry, started = self.t.s("retry_base") * 2, time.monotonic()
                if retry is None:
                    return
                answered_5xx += err.kind == ErrorKind.server
                self.move(JobState.pending, f"submit not accepted: {err.kind.value}")
                self.emit(JobWarning(self.job.id, f"{err.message} Retrying."))
                await self.sleep(retry)
                continue
            crash_point("after-submit-sent")
            accepted = {
                "request_id": sub.request_id,
                "status_url": sub.status_url,
                "response_url": sub.response_url,
                "submitted_at": time.time(),
            }
            self.ctx.store.keep_request_id(self.job.id, **accepted)
            self.move(
                JobState.queued,
                f"accepted as {sub.request_id}",
                error_code=None,
                error_message=None,
                **accepted,
            )
            crash_point("after-request-id")
            self.ctx.store.note(self.job.id, "submit-accepted", sub.request_id)
            if self.stopping:
                raise Stop
            return

    def _after_submit_error(
        self, err: SegmindError, answered_5xx: int, started: float
    ) -> float | str | None:
        """Seconds to wait before submitting again, None when the job ends here, "settle"
        when the answer was lost, "check" when a 5xx needs the history before a resend."""
        never_arrived = err.sent is False or err.kind == ErrorKind.rate_limited
        in_time = time.monotonic() - started < self.t.s("retry_deadline")
        if never_arrived and in_time:
            if err.retry_at:
                return max(self.t.s("retry_base"), err.retry_at - time.time())
            return self.t.s("retry_base") * 2
        if err.kind == ErrorKind.server and err.status and answered_5xx == 0 and in_time:
            # answered with a 5xx: it may still have made the job; once more, with care
            return "check"
        if err.kind in (ErrorKind.network, ErrorKind.malformed) and not never_arrived:
            if err.request_id:  # the answer did carry one: keep it for the creator's records
                self.ctx.store.keep_request_id(self.job.id, err.request_id)
                self.job.request_id = err.request_id
            return "settle"
        self.fail(err)
        return None

    async def poll(self) -> None:
        client = self.ctx.client()
        warned_expiry = warned_outage = False
        # part 1's early check stands for the whole long video (same portrait and prompt)
        polls = 1 if self.job.part_index else 0
        while True:
            self.refresh()
            job = self.job
            age = time.time() - (job.submitted_at or job.created_at)
            if polls == 0 and (wait := next_poll_delay(age, self.ctx.job_times(), self.t, 0)):
                await self.sleep(wait)  # the one early check, when a rejection would show
                continue
            if age > self.t.s("retention_seconds"):
                why = (
                    "The service kept this job for an hour and has now forgotten it; "
                    "its video could not be fetched in time."
                )
                if await when_forgotten(self, why):
                    return
                continue
            if age > self.t.s("expiry_warning_seconds") and not warned_expiry:
                warned_expiry = True
                left = max(0, int((self.t.s("retention_seconds") - age) / 60))
                self.emit(
                    JobWarning(
                        job.id, f"Job {job.id} has no video yet; Segmind forgets it in ~{left} min."
                    )
                )
            try:
                self.paced()
                likely_complete.set(likely_done(age, self.ctx.job_times()))
                polls += 1
                status = await self.unless_stopped(client.status(job.status_url or ""))
                crash_point("mid-poll")
                if status.status == "COMPLETED":
                    self.paced()
                    res = await self.unless_stopped(client.result(job.response_url or ""))
                    if res.output_url:
                        self._completed(res)
                        return
                elif status.status == "PROCESSING" and job.state != JobState.processing:
                    self.move(JobState.processing)
                warned_outage = False
            except SegmindError as err:
                if err.kind in (ErrorKind.job_failed, ErrorKind.content_blocked):
                    self.fail(err)
                    return
                if err.kind == ErrorKind.not_found:
                    why = "Segmind no longer knows this request (it keeps jobs for one hour)."
                    if await when_forgotten(self, why):
                        return
                    continue
                if not warned_outage:  # one warning per outage, not one per retry
                    warned_outage = True
                    log.warning("job %s: status check failed: %s", job.id, err.message)
                    self.emit(JobWarning(job.id, f"{err.message} Still trying."))
                await self.sleep(self.t.s("poll_sparse_interval"))
                continue
            age = time.time() - (job.submitted_at or job.created_at)  # the poll may have waited
            delay = next_poll_delay(age, self.ctx.job_times(), self.t, polls)
            # never sleep past the warning before Segmind forgets the job, or that moment
            moments = [self.t.s("retention_seconds")]
            if not warned_expiry:
                moments.append(self.t.s("expiry_warning_seconds"))
            delay = min([delay] + [m - age for m in moments if m > age])
            await self.sleep(delay)

    def _completed(self, res) -> None:
        metrics = dict(res.metrics or {})
        cost = res.cost if res.cost is not None else metrics.get("cost")
        self.move(
            JobState.downloading,
            "completed at the service",
            output_url=res.output_url,
            output_until=time.time() + self.t.s("output_kept_seconds"),
            metrics=metrics,
            cost=float(cost) if isinstance(cost, (int, float)) else None,
        )
        remaining = metrics.get("remaining_credits")
        if isinstance(remaining, (int, float)):
            self.ctx.credits_known(float(remaining))
