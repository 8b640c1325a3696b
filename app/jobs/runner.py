"""Drives one job through the service: prepare, upload, submit, poll, download.

Each stage starts from what the store says, so a job picked up after a crash carries
on where it stopped. The submit is write-ahead: the job is stored as `submitting`
before the POST and its request_id the moment the answer arrives; a POST whose
answer was lost is never sent again automatically.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError
from app.jobs import media
from app.jobs.crashpoints import crash_point
from app.jobs.events import JobError, JobProgress, JobWarning
from app.jobs.model import Job, JobState, TransitionError
from app.jobs.schedule import next_poll_delay
from app.jobs.sidecar import write_sidecar

log = logging.getLogger(__name__)

MAY_BE_BILLED = (
    "The submit may have reached Segmind, but its answer was lost, so the job may have been "
    "billed. It was not sent again."
)


class Stop(Exception):
    """The job left our hands (cancelled elsewhere, finished, or lease lost)."""


class JobRunner:
    """One job's driver; `engine` gives it the store, clients, settings and events."""

    def __init__(self, engine, job: Job) -> None:
        self.engine = engine
        self.job = job
        self.t = engine.settings.timings
        self.cancel_after_submit = False
        self.delay = 0.0  # before the first step (spreads resumed jobs' first requests)

    # helpers ---------------------------------------------------------------
    def move(self, to: JobState, note: str | None = None, **changes) -> None:
        try:
            self.engine.store.move(self.job, to, note, **changes)
        except TransitionError:
            fresh = self.engine.store.get(self.job.id)
            if fresh is not None:
                self.job = fresh
                self.engine.announce(fresh)
            raise Stop from None
        self.engine.announce(self.job)

    def save(self, note: str | None = None) -> None:
        self.engine.store.save(self.job, note)
        self.engine.announce(self.job)

    def fail(self, err: SegmindError, state: JobState = JobState.failed) -> None:
        self.move(state, err.kind.value, error_code=err.kind.value, error_message=str(err))
        self.engine.events.emit(JobError(self.job.id, err))

    def refresh(self) -> None:
        """Re-read the job: another process may have cancelled it."""
        fresh = self.engine.store.get(self.job.id)
        if fresh is None or fresh.state.finished:
            if fresh is not None:
                self.job = fresh
            raise Stop
        self.job = fresh

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    # the whole life ----------------------------------------------------------
    async def run(self, until_accepted: bool = False) -> Job:
        try:
            await self._run(until_accepted)
        except Stop:
            pass
        except SegmindError as err:
            if not self.job.state.finished:
                self.fail(err)
        return self.job

    async def _run(self, until_accepted: bool) -> None:
        if self.delay:
            await self.sleep(self.delay)
            self.refresh()
        state = self.job.state
        if state in (JobState.pending, JobState.preparing, JobState.uploading):
            await self.prepare()
            await self.upload()
            await self.submit()
        elif state == JobState.submitting:
            if not self.job.request_id:
                # Found mid-submit with no live owner: never resubmit by ourselves.
                err = SegmindError(ErrorKind.interrupted, MAY_BE_BILLED)
                self.fail(err, JobState.interrupted)
                return
            self.move(JobState.queued, "request id was stored")
        if until_accepted:
            return
        if self.job.state in (JobState.queued, JobState.processing):
            await self.poll()
        if self.job.state == JobState.downloading:
            await self.download()

    # stages ----------------------------------------------------------------
    async def prepare(self) -> None:
        self.move(JobState.preparing)
        job = self.job
        if job.audio_url is None and media.check_input_location(job.audio)[0] == "path":
            ainfo = await media.inspect_audio_async(job.audio)
            dest = self.engine.paths.cache / "prepared"
            dest.mkdir(parents=True, exist_ok=True)
            prepared = await media.prepare_audio_async(ainfo, dest, job.duration, job.trim)
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
        client = self.engine.client()
        for name, path in need:
            total = Path(path).stat().st_size

            def progress(done, _total=None, _n=name, _t=total):
                self.engine.events.emit(JobProgress(self.job.id, "upload", done, _t))

            url = await client.upload(path, progress=progress)
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
        client = self.engine.client()
        answered_5xx = 0
        started = time.monotonic()
        while True:
            self.refresh()
            self.move(JobState.submitting, f"attempt {self.job.attempt}")
            try:
                # shielded: cancelling the task must not lose an answer that costs money
                sub = await asyncio.shield(client.submit(self.inputs()))
            except SegmindError as err:
                retry = self._after_submit_error(err, answered_5xx, started)
                if retry is None:
                    return
                answered_5xx += err.kind == ErrorKind.server
                self.move(JobState.pending, f"submit not accepted: {err.kind.value}")
                self.engine.events.emit(JobWarning(self.job.id, f"{err.message} Retrying."))
                await self.sleep(retry)
                continue
            crash_point("after-submit-sent")
            self.move(
                JobState.queued,
                f"accepted as {sub.request_id}",
                request_id=sub.request_id,
                status_url=sub.status_url,
                response_url=sub.response_url,
                submitted_at=time.time(),
                error_code=None,
                error_message=None,
            )
            crash_point("after-request-id")
            self.engine.store.note(self.job.id, "submit-accepted", sub.request_id)
            if self.cancel_after_submit:
                self.engine.cancel(self.job.id)
                raise Stop
            return

    def _after_submit_error(
        self, err: SegmindError, answered_5xx: int, started: float
    ) -> float | None:
        """Seconds to wait before submitting again, or None when the job ends here."""
        never_arrived = err.sent is False or err.kind == ErrorKind.rate_limited
        in_time = time.monotonic() - started < self.t.s("retry_deadline")
        if never_arrived and in_time:
            if err.retry_at:
                return max(self.t.s("retry_base"), err.retry_at - time.time())
            return self.t.s("retry_base") * 2
        if err.kind == ErrorKind.server and err.status and answered_5xx == 0 and in_time:
            # answered with a 5xx: the service did not take it; try once more, with care
            return self.t.s("retry_base") * 2
        if err.kind in (ErrorKind.network, ErrorKind.malformed) and not never_arrived:
            # keep a request id the answer did carry, for the creator's records
            self.job.request_id = getattr(err, "request_id", None)
            self.fail(SegmindError(ErrorKind.interrupted, MAY_BE_BILLED), JobState.interrupted)
            return None
        self.fail(err)
        return None

    async def poll(self) -> None:
        client = self.engine.client()
        warned = False
        while True:
            self.refresh()
            job = self.job
            age = time.time() - (job.submitted_at or job.created_at)
            if age > self.t.s("retention_seconds"):
                self.fail(
                    SegmindError(
                        ErrorKind.expired,
                        "The service kept this job for an hour and has now forgotten it; "
                        "its video could not be fetched in time.",
                    ),
                    JobState.expired,
                )
                return
            if age > self.t.s("expiry_warning_seconds") and not warned:
                warned = True
                left = max(0, int((self.t.s("retention_seconds") - age) / 60))
                self.engine.events.emit(
                    JobWarning(
                        job.id, f"Job {job.id} has no video yet; Segmind forgets it in ~{left} min."
                    )
                )
            try:
                status = await client.status(job.status_url)
                crash_point("mid-poll")
                if status.status == "COMPLETED":
                    res = await client.result(job.response_url)
                    if res.output_url:
                        self._completed(res)
                        return
                elif status.status == "PROCESSING" and job.state != JobState.processing:
                    self.move(JobState.processing)
            except SegmindError as err:
                if err.kind in (ErrorKind.job_failed, ErrorKind.content_blocked):
                    self.fail(err)
                    return
                if err.kind == ErrorKind.not_found:
                    self.fail(
                        SegmindError(
                            ErrorKind.expired,
                            "Segmind no longer knows this request (it keeps jobs for one hour).",
                        ),
                        JobState.expired,
                    )
                    return
                self.engine.events.emit(JobError(job.id, err))
                await self.sleep(self.t.s("poll_sparse_interval"))
                continue
            delay = next_poll_delay(age, self.engine.typical_seconds(), self.t)
            await self.sleep(delay)

    def _completed(self, res) -> None:
        metrics = dict(res.metrics or {})
        cost = res.cost if res.cost is not None else metrics.get("cost")
        self.move(
            JobState.downloading,
            "completed at the service",
            output_url=res.output_url,
            metrics=metrics,
            cost=float(cost) if isinstance(cost, (int, float)) else None,
        )
        remaining = metrics.get("remaining_credits")
        if isinstance(remaining, (int, float)):
            self.engine.credits_known(float(remaining))

    async def download(self) -> None:
        dest = self.engine.output_path(self.job)
        downloader = self.engine.downloader()
        started = time.monotonic()
        last = [0.0]

        def progress(done, total=None):
            if done and time.monotonic() - last[0] > 0.1:
                last[0] = time.monotonic()
                self.engine.events.emit(JobProgress(self.job.id, "download", done, total))
                crash_point("mid-download")

        while True:
            self.refresh()
            try:
                await downloader.download(self.job.output_url, dest, progress=progress)
                break
            except SegmindError as err:
                if err.kind in (ErrorKind.not_found, ErrorKind.not_permitted):
                    self.fail(
                        SegmindError(
                            ErrorKind.expired,
                            "The finished video is no longer available at its URL.",
                        ),
                        JobState.expired,
                    )
                    return
                self.engine.events.emit(JobError(self.job.id, err))
                waited = time.monotonic() - started
                await self.sleep(
                    min(self.t.s("retry_cap"), self.t.s("retry_base") * 2 + waited / 4)
                )
        digest = await asyncio.to_thread(media.file_sha256, dest)
        self.job.output_path, self.job.output_hash = str(dest), digest
        await asyncio.to_thread(write_sidecar, self.job, dest)
        self.move(JobState.completed, "video saved", output_path=str(dest), output_hash=digest)
