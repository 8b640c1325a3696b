"""The job engine the window and the command line both drive.

It owns the store, the HTTP clients, the request budget and one task per job it
drives. Another process may drive some jobs (a lease in the store says who); those
are watched and their changes announced, and taken over when their owner dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from app.api.client import SegmindClient
from app.api.download import Downloader
from app.api.errors import ErrorKind, SegmindError
from app.api.pacing import RequestBudget
from app.jobs.events import CreditsChanged, EventHub, JobChanged
from app.jobs.model import FINISHED, Job, JobState
from app.jobs.prepare import JobRequest, check_request, fingerprint, random_seed
from app.jobs.runner import JobRunner
from app.jobs.schedule import typical_seconds
from app.jobs.sidecar import sidecar_path
from app.jobs.store import JobStore
from app.settings import Paths, Settings

__all__ = ["Engine", "JobRequest"]

log = logging.getLogger(__name__)


class Slots:
    """How many jobs may be in the works at once; resumed paid jobs never wait."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.used = 0
        self._freed = asyncio.Event()

    async def take(self, wait: bool = True) -> None:
        while wait and self.used >= self.limit:
            self._freed.clear()
            await self._freed.wait()
        self.used += 1

    def give(self) -> None:
        self.used = max(0, self.used - 1)
        self._freed.set()


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


class Engine:
    """Submits, polls, downloads and resumes jobs; emits events; never loses a job."""

    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        key: Callable[[], str | None],
        *,
        demo: bool = False,
    ) -> None:
        self.paths = paths.ensure()
        # the demo talks to its own simulator only: environment overrides must not
        # send its key (or jobs) to another host
        self.settings = settings  # the caller's object: the window edits it in place
        self._key = key
        self.demo = demo
        self.events = EventHub()
        self.store = JobStore(paths.database(demo))
        # 5% slack on the minute: the service counts arrivals, which jitter
        self.budget = RequestBudget(
            self.settings.requests_per_minute, window=63.0 * self.settings.timings.scale
        )
        self._client: SegmindClient | None = None
        self._client_key: str | None = None
        self._downloader: Downloader | None = None
        self._tasks: dict[str, asyncio.Task] = {}
        self._runners: dict[str, JobRunner] = {}
        self._background: list[asyncio.Task] = []
        self._slots = Slots(self.settings.concurrency)
        self._seen = time.time()
        self._typical: float | None = None
        self.credits: float | None = None
        self.resume_all = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # lifecycle -------------------------------------------------------------
    async def start(self, resume: bool = True) -> None:
        """Resume every unfinished job this process can own; watch the others."""
        self.resume_all = resume
        # verbs (retry, rerun...) may be called from plain Qt slots: tasks go on this loop
        self._loop = asyncio.get_running_loop()
        self._background.append(self._loop.create_task(self._heartbeat()))
        # building an HTTP client loads the CA store (~tens of ms): not on the UI thread
        await asyncio.to_thread(self.downloader)
        if resume:
            # spread the first requests of many resumed jobs over a few seconds
            ids = [job.id for job in reversed(self.store.unfinished())]
            taken = self.store.acquire_many(ids, self.settings.timings.lease_seconds)
            for i, job_id in enumerate(j for j in ids if j in taken):
                self.drive(job_id, delay=min(i * 0.02, 3.0), leased=True)

    async def aclose(self) -> None:
        """Stop driving (jobs stay resumable), release leases, close clients."""
        tasks = list(self._tasks.values()) + self._background
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self.store.release()
        for c in (self._client, self._downloader):
            if c is not None:
                await c.aclose()
        self._client = self._downloader = None
        self.store.close()

    async def _heartbeat(self) -> None:
        t = self.settings.timings
        renewed = 0.0
        while True:
            await asyncio.sleep(1.0)
            try:
                if time.monotonic() - renewed >= t.heartbeat_seconds:
                    self.store.renew(t.lease_seconds)
                    renewed = time.monotonic()
                self._watch_others()
            except Exception:  # noqa: BLE001 - a busy database must not kill the heartbeat
                log.exception("heartbeat failed")

    def _watch_others(self) -> None:
        """Announce changes other processes made; take over jobs whose owner died."""
        now = time.time()
        for job in self.store.changed_since(self._seen - 1):
            if job.id not in self._tasks:
                self.announce(job)
        self._seen = now
        if self.resume_all:
            for job in self.store.unfinished():
                if job.id not in self._tasks and self.store.owner_of(job.id) is None:
                    self.drive(job.id)

    def _spawn(self, coro) -> asyncio.Task:
        """A task on the running loop, or (from a plain Qt slot) on the engine's loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = self._loop
        if loop is None or loop.is_closed():
            coro.close()
            raise RuntimeError("Engine.start() must run before jobs are driven")
        return loop.create_task(coro)

    # clients ---------------------------------------------------------------
    def api_key(self) -> str:
        key = self._key()
        if not key:
            raise SegmindError(ErrorKind.invalid_key, "No Segmind API key is set.")
        return key

    def client(self) -> SegmindClient:
        key = self.api_key()
        if self._client is None or key != self._client_key:
            old = self._client
            self._client = self._make_client(key)
            self._client_key = key
            if old is not None:
                self._spawn(old.aclose())
        return self._client

    def service(self) -> Settings:
        """Settings with the service addresses in force: the environment wins, but not in
        the demo, which talks to its own simulator only and must not send its key away."""
        return self.settings if self.demo else self.settings.with_env()

    def apply_settings(self) -> None:
        """Take changed settings (budget, concurrency, addresses) into account now."""
        self.budget.per_minute = self.settings.requests_per_minute
        self._slots.limit = max(1, self.settings.concurrency)
        self._client_key = None  # the next request builds a client with the new addresses

    def _make_client(self, key: str) -> SegmindClient:
        t = self.settings.timings
        service = self.service()
        return SegmindClient(
            key,
            api_base=service.api_base,
            upload_url=service.upload_url,
            budget=self.budget,
            retry_base=t.s("retry_base"),
            retry_cap=t.s("retry_cap"),
            retry_deadline=t.s("retry_deadline"),
            request_timeout=t.request_timeout,
        )

    def downloader(self) -> Downloader:
        if self._downloader is None:
            t = self.settings.timings
            self._downloader = Downloader(
                timeout=t.request_timeout,
                retry_base=t.s("retry_base"),
                retry_cap=t.s("retry_cap"),
                retry_deadline=t.s("retry_deadline"),
            )
        return self._downloader

    # events ----------------------------------------------------------------
    def announce(self, job: Job) -> None:
        self.events.emit(JobChanged(job.copy()))

    def credits_known(self, credits: float, free: float | None = None) -> None:
        self.credits = credits
        self.events.emit(CreditsChanged(credits, free))

    # queries ---------------------------------------------------------------
    def jobs(self) -> list[Job]:
        return self.store.all()

    def get(self, job_id: str) -> Job | None:
        return self.store.find(job_id)

    def typical_seconds(self) -> float:
        if self._typical is None:
            done = [j for j in self.store.all([JobState.completed], limit=50) if not j.simulated]
            times = [float(j.metrics.get("total_time") or 0) for j in reversed(done)]
            self._typical = typical_seconds(times, self.settings.timings)
        return self._typical

    def estimate(self, quality: str, duration: int) -> float | None:
        return self.settings.price(quality, duration)

    def spent_this_month(self) -> float:
        first = dt.datetime.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return self.store.spent_since(first.timestamp(), demo=self.demo)

    async def check_key(self, key: str) -> float:
        """Check a key against the credits endpoint; returns the balance."""
        client = self._make_client(key)
        try:
            c = await client.credits()
        finally:
            await client.aclose()
        self.credits_known(c.credits, c.free_credits)
        return c.credits

    async def refresh_credits(self) -> float | None:
        c = await self.client().credits()
        self.credits_known(c.credits, c.free_credits)
        return c.credits

    # verbs -----------------------------------------------------------------
    async def check(self, request: JobRequest) -> Job:
        """Check a request locally (and https inputs at their host) without storing it."""
        return await check_request(request, probe=self.downloader().probe_url)

    async def submit(self, request: JobRequest, force: bool = False, *, drive: bool = True) -> Job:
        """Check, store and start a job. Raises SegmindError(invalid_input) on bad input."""
        job = await self.check(request)
        self.api_key()  # no key: refuse before storing anything
        return self._add(job, force, drive)

    def _add(self, job: Job, force: bool, drive: bool) -> Job:
        job.demo = self.demo
        job.simulated = self.demo or _is_loopback(self.service().api_base)
        fp = fingerprint(job)
        twin = self.store.completed_with(fp)
        if twin is not None and not force:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"This exact job (same inputs and parameters, seed {job.seed}) already completed "
                f"as job {twin.id} ({twin.output_path}); submitting it again would pay twice.",
                next_step="Change the seed (re-run) or use --force / 'Submit anyway'.",
            )
        self.store.add(job, fingerprint=fp)
        self.announce(job)
        if drive:
            self.drive(job.id)
        return job

    def drive(
        self, job_id: str, until_accepted: bool = False, delay: float = 0.0, leased: bool = False
    ) -> asyncio.Task | None:
        """Start driving a job in this process if nobody alive drives it."""
        if job_id in self._tasks:
            return self._tasks[job_id]
        if not leased and not self.store.acquire(job_id, self.settings.timings.lease_seconds):
            return None
        job = self.store.get(job_id)
        if job is None or job.state in FINISHED:
            self.store.release(job_id)
            return None
        runner = JobRunner(self, job)
        runner.delay = delay
        task = self._spawn(self._drive(runner, until_accepted))
        self._tasks[job_id] = task
        self._runners[job_id] = runner
        return task

    async def _drive(self, runner: JobRunner, until_accepted: bool) -> Job:
        job_id = runner.job.id
        paid = runner.job.state.submitted or runner.job.state == JobState.submitting
        await self._slots.take(wait=not paid)
        try:
            job = await runner.run(until_accepted)
            if job.state == JobState.completed and not job.simulated:
                self._typical = None
            return job
        finally:
            self._slots.give()
            self._tasks.pop(job_id, None)
            self._runners.pop(job_id, None)
            with contextlib.suppress(Exception):
                self.store.release(job_id)

    async def wait(self, job_id: str, until_accepted: bool = False) -> Job:
        """Until the job is finished (or accepted): drive it here or follow its owner."""
        job = self._need(job_id)
        stalled = 0
        while True:
            job = self.store.get(job.id)
            if job.state in FINISHED or (until_accepted and job.request_id):
                return job
            task = self.drive(job.id, until_accepted)
            if task is not None:
                await asyncio.shield(task)
                stalled += 1
                if stalled > 3:  # driven to its end here, yet not finished: a bug, say so
                    raise SegmindError(
                        ErrorKind.internal, f"Job {job.id} is stuck in {job.state.value}."
                    )
                continue
            await asyncio.sleep(min(1.0, self.settings.timings.s("poll_near_interval")))

    def _need(self, job_id: str) -> Job:
        job = self.store.find(job_id)
        if job is None:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"There is no job '{job_id}'.",
                next_step="List jobs with 's2v-studio jobs'.",
            )
        return job

    def cancel(self, job_id: str) -> Job:
        """Stop a job. Not yet submitted: free. Submitted: tracking stops, may be billed."""
        job = self._need(job_id)
        if job.state in FINISHED:
            return job
        runner = self._runners.get(job.id)
        if job.state == JobState.submitting and runner is not None:
            runner.cancel_after_submit = True  # let the POST's answer be stored first
            return job
        task = self._tasks.get(job.id)
        if task is not None:
            task.cancel()
        paid = job.state.submitted or job.request_id is not None
        message = (
            "Cancelled. Segmind has no cancel: the job may still run and be billed."
            if paid
            else "Cancelled before submitting; nothing was billed."
        )
        self.store.move(
            job, JobState.cancelled, "cancelled", error_code="cancelled", error_message=message
        )
        self.announce(job)
        return job

    def retry(self, job_id: str) -> Job:
        """Put a failed, expired, interrupted or cancelled job back (same row, attempt + 1)."""
        job = self._need(job_id)
        if job.state not in (
            JobState.failed,
            JobState.expired,
            JobState.interrupted,
            JobState.cancelled,
        ):
            raise SegmindError(
                ErrorKind.invalid_input,
                f"Job {job.id} is {job.state.value}; only failed, expired, "
                "interrupted or cancelled jobs can be retried.",
            )
        self.store.move(
            job,
            JobState.pending,
            "retry",
            attempt=job.attempt + 1,
            request_id=None,
            status_url=None,
            response_url=None,
            output_url=None,
            image_url=None,
            audio_url=None,
            submitted_at=None,
            finished_at=None,
            error_code=None,
            error_message=None,
            cost=None,
            metrics={},
        )
        self.announce(job)
        self.drive(job.id)
        return job

    def rerun(self, job_id: str, seed: int | None = None, force: bool = False) -> Job:
        """A new job from an old one, with the given seed or a fresh random one."""
        old = self._need(job_id)
        new = Job(
            image=old.image,
            audio=old.audio,
            prompt=old.prompt,
            duration=old.duration,
            quality=old.quality,
            seed=seed if seed is not None else random_seed(),
            enhance_prompt=old.enhance_prompt,
            trim=old.trim,
            output_dir=old.output_dir,
            image_size=old.image_size,
            image_hash=old.image_hash,
            audio_size=old.audio_size,
            audio_hash=old.audio_hash,
            audio_seconds=old.audio_seconds,
            rerun_of=old.id,
        )
        return self._add(new, force, drive=True)

    def remove(self, job_id: str, delete_files: bool = False) -> None:
        """Forget a finished job; with delete_files also its video and sidecar."""
        job = self._need(job_id)
        if job.state not in FINISHED:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"Job {job.id} is still {job.state.value}; cancel it first.",
            )
        if delete_files:
            doomed = []
            if job.output_path:
                doomed += [Path(job.output_path), sidecar_path(Path(job.output_path))]
            # the prepared audio may be the creator's own WAV: only our converted copies go
            if job.prepared_audio and Path(job.prepared_audio).is_relative_to(self.paths.cache):
                doomed.append(Path(job.prepared_audio))
            for f in doomed:
                with contextlib.suppress(FileNotFoundError):
                    f.unlink()
        self.store.delete(job.id)

    # files -----------------------------------------------------------------
    def output_path(self, job: Job) -> Path:
        base = Path(job.output_dir) if job.output_dir else self.settings.output_folder(self.paths)
        if self.demo and not job.output_dir:
            base = base / "Demo (simulated)"
        stem = re.sub(r"[^\w-]+", "-", Path(urlsplit(job.image).path).stem).strip("-")[:40]
        name = f"{stem or 'video'}-{job.duration}s-seed{job.seed}-{job.id}.mp4"
        base.mkdir(parents=True, exist_ok=True)
        return base / name
