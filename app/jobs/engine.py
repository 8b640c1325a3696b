"""The job engine the window and the command line both drive.

It owns the store, the HTTP clients, the request budget and one task per job it
drives. Another process may drive some jobs (a lease in the store says who); those
are watched and their changes announced, and taken over when their owner dies. Its
heartbeat renews this process's leases (a runner whose lease was taken stops),
carries out what other processes asked of the jobs it holds, and watches the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from app.api.client import SegmindClient
from app.api.download import Downloader
from app.api.errors import ErrorKind, SegmindError
from app.api.pacing import RequestBudget, RequestLedger, current_reservation
from app.jobs.account import AccountVerbs
from app.jobs.account_hold import AccountHold
from app.jobs.batches import BatchVerbs
from app.jobs.context import RunnerContext
from app.jobs.estimates import JobTimes, learned_times
from app.jobs.events import CreditsChanged, EventHub, JobAdded, JobChanged, JobRemoved, JobWaiting
from app.jobs.long_runner import LongVideoRunner
from app.jobs.model import FINISHED, Job, JobState
from app.jobs.outputs import OutputFiles
from app.jobs.prepare import JobRequest
from app.jobs.runner import JobRunner
from app.jobs.slots import Slots
from app.jobs.store import JobStore
from app.settings import Paths, Settings

__all__ = ["Engine", "JobRequest"]

log = logging.getLogger(__name__)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


class Engine(BatchVerbs, AccountVerbs, OutputFiles):
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
        # 5% slack on the minute: the service counts arrivals, which jitter. The ledger
        # shares the budget with this machine's other processes on the same store.
        self.budget = RequestBudget(
            self.settings.requests_per_minute,
            window=63.0 * self.settings.timings.scale,
            ledger=RequestLedger(paths.requests(demo)),
        )
        self._client: SegmindClient | None = None
        self._client_key: str | None = None
        self._downloader: Downloader | None = None
        self._tasks: dict[str, asyncio.Task] = {}
        self._runners: dict[str, JobRunner | LongVideoRunner] = {}
        self._background: list[asyncio.Task] = []
        self._slots = Slots(self.settings.concurrency)
        self.account_hold = AccountHold(self._key)
        self._seen = time.time()
        self._told: dict[tuple, float] = {}  # arrivals and removals announced (no repeats)
        self._broken: set[str] = set()  # hit a bug here: not driven again until restart
        self._renewed = time.monotonic()
        self._folders_checked = 0.0
        self._failing: str | None = None
        self._times: JobTimes | None = None
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
        self.follow_settings_file()
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
        if self.budget.ledger is not None:
            self.budget.ledger.close()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                self.tick()
                self._failing = None
            except Exception as exc:
                if repr(exc) != self._failing:  # once per distinct failure, not every second
                    self._failing = repr(exc)
                    log.exception("heartbeat failed")

    def tick(self) -> None:
        """One heartbeat: renew leases (stop runners that lost theirs), carry out requests
        for jobs held here, announce what other processes changed, take over orphans."""
        t = self.settings.timings
        if time.monotonic() - self._renewed >= min(t.heartbeat_seconds, t.lease_seconds / 3):
            held = self.store.renew(t.lease_seconds)
            self._renewed = time.monotonic()
            for job_id, runner in list(self._runners.items()):
                if job_id not in held:
                    runner.stop("lost")
        for job_id, what, mine in self.store.requests():
            if mine or self.resume_all:
                self._carry_out_asked(job_id, what)
        self._watch_others()

    def _carry_out_asked(self, job_id: str, what: str) -> None:
        try:
            job = self.store.get(job_id)
            if job is not None:  # deleted meanwhile: nothing to do
                self._ask(job, what)
        except SegmindError as err:  # e.g. a retry asked of a job that has moved on
            log.info("job %s: request %r not carried out: %s", job_id, what, err.message)
            self.store.request(job_id, None)

    def _watch_others(self) -> None:
        """Announce changes other processes made; take over jobs whose owner died."""
        now = time.time()
        since = self._seen - 1  # a second of overlap: clocks of two processes, commit lag
        self._told = {k: v for k, v in self._told.items() if v > since - 5}
        added = self.store.listed_since(since)
        for job in self.store.changed_since(since):
            if job.id in self._tasks:
                continue  # its runner announces it
            news = ("added", job.id, added.get(job.id))
            if job.id in added and news not in self._told:
                self._told[news] = now
                self.events.emit(JobAdded(job.copy()))
            else:
                self.events.emit(JobChanged(job.copy()))
        for job_id, at in self.store.hidden_since(since).items():
            if ("hidden", job_id, at) not in self._told:
                self._told[("hidden", job_id, at)] = now
                self.events.emit(JobRemoved(job_id))
        self._seen = now
        if self.resume_all:
            recheck = time.monotonic() - self._folders_checked >= self.settings.timings.s(
                "folder_recheck_seconds"
            )
            if recheck:
                self._folders_checked = time.monotonic()
            for job in self.store.unfinished():
                if job.id in self._tasks or job.id in self._broken:
                    continue
                if self.store.owner_of(job.id) is not None:
                    continue
                if job.blocked and not (recheck and self._folder_ok(job)):
                    continue
                self.drive(job.id)

    def told(self, job_id: str) -> None:
        """This process announced the job's arrival or removal itself."""
        listed, hidden = self.store.stamps(job_id)
        stamp = ("hidden", job_id, hidden) if hidden else ("added", job_id, listed)
        self._told[stamp] = time.time()

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

    def simulated_service(self) -> bool:
        """The service is a simulator on this machine (tests, benchmarks)."""
        return _is_loopback(self.service().api_base)

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
            history_url=service.history_url,
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

    def credits_known(self, credits: float, free: float | None = None) -> None:
        self.credits = credits
        self.events.emit(CreditsChanged(credits, free))

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

    def job_times(self) -> JobTimes:
        """How long jobs usually take at the service: learned from real jobs done here."""
        if self._times is None:
            default = self.settings.timings.s("typical_job_seconds")
            self._times = learned_times(self.store, default)
        return self._times

    def budget_words(self) -> str:
        """ "Next request in 8 s (Free plan: 5 per minute)" while requests wait, else ""."""
        wait, per_minute = self.budget.wait_time(), self.budget.per_minute
        if wait < 1 or not (self.budget.waiting or self.budget.paused_until > time.time()):
            return ""
        plan = {"free": "Free plan", "pro": "Pro plan"}.get(
            self.settings.budget_preset, "your plan"
        )
        return f"Next request in {wait:.0f} s ({plan}: {per_minute} per minute)"

    def typical_seconds(self) -> float:
        return self.job_times().typical

    # driving ---------------------------------------------------------------
    def drive(
        self, job_id: str, until_accepted: bool = False, delay: float = 0.0, leased: bool = False
    ) -> asyncio.Task | None:
        """Start driving a job in this process if nobody alive drives it."""
        if job_id in self._tasks:
            return self._tasks[job_id]
        job = self.store.get(job_id)
        if job is not None and job.parent_id:  # a part goes with its long video
            parent = self._runners.get(job.parent_id)
            if isinstance(parent, LongVideoRunner):
                parent.wake()
            return self.drive(job.parent_id, until_accepted)
        if not leased and not self.store.acquire(job_id, self.settings.timings.lease_seconds):
            return None
        job = self.store.get(job_id)
        if job is None or job.state in FINISHED or job.hidden:
            self.store.release(job_id)
            return None
        runner = (LongVideoRunner if job.is_long else JobRunner)(self.runner_context(), job, delay)
        task = self._spawn(self._drive(runner, until_accepted))
        self._tasks[job_id] = task
        self._runners[job_id] = runner
        return task

    def runner_context(self) -> RunnerContext:
        return RunnerContext(
            store=self.store,
            client=self.client,
            downloader=self.downloader,
            events=self.events,
            timings=self.settings.timings,
            output_path=self.output_path,
            job_times=self.job_times,
            credits_known=self.credits_known,
            prepared_dir=self.paths.cache / "prepared",
            locks_dir=self.paths.cache / "locks",
            budget=self.budget,
            lease_confirmed=lambda: self._renewed,
            runners=self._runners,
            account=self.account_hold,
        )

    async def _drive(self, runner: JobRunner | LongVideoRunner, until_accepted: bool) -> Job:
        job_id = runner.job.id
        # A slot is local work (prepare, upload, submit): a job Segmind renders holds none.
        job = runner.job
        held = not (job.state.submitted or job.state == JobState.submitting)
        reservation = None
        if held:
            if self._slots.full:
                self.events.emit(JobWaiting(job_id, "job_slot", None))
            await self._slots.take()
            # room in the request budget for its uploads and submit, ahead of polls
            needs = 1 + (not job.image_url) + (not job.audio_url)
            reservation = self.budget.reserve(needs)
            current_reservation.set(reservation)

        def free() -> None:
            nonlocal held
            if held:
                held = False
                self._slots.give()
            if reservation is not None:
                reservation.close()

        runner.accepted = free
        try:
            job = await runner.run(until_accepted)
            if job.state == JobState.completed and not job.simulated:
                self._times = None
            if not job.state.finished and job.error_code == ErrorKind.internal.value:
                self._broken.add(job_id)
            return job
        finally:
            free()
            self._tasks.pop(job_id, None)
            self._runners.pop(job_id, None)
            with contextlib.suppress(Exception):
                self.store.release(job_id)
