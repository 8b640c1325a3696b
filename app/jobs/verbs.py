"""The engine's verbs: what the window and the command line ask of jobs.

A verb changes a job only in the process that holds its lease. When another live
process holds it, the verb records a request in the store (the job's `requested`)
and returns at once; that owner carries it out on its next heartbeat (within a
second or two), and `settle()` waits for it. A job nobody drives is changed here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.api.errors import ErrorKind, SegmindError
from app.jobs import long_verbs
from app.jobs import long_video as lv
from app.jobs.events import JobAdded, JobChanged, JobRemoved
from app.jobs.model import FINISHED, RETRYABLE, Job, JobState
from app.jobs.prepare import JobRequest, check_request, fingerprint, random_seed
from app.jobs.runner import cancel_changes
from app.jobs.store import HistoryEntry, JobStore, Spend
from app.settings import Paths, Settings

if TYPE_CHECKING:
    from app.api.download import Downloader
    from app.jobs.account_hold import AccountHold
    from app.jobs.events import EventHub
    from app.jobs.long_runner import LongVideoRunner
    from app.jobs.runner import JobRunner

log = logging.getLogger(__name__)


class JobVerbs:
    """The verbs half of Engine (which provides the store, settings, runners and drive)."""

    # provided by Engine
    store: JobStore
    settings: Settings
    events: EventHub
    demo: bool
    paths: Paths
    _tasks: dict[str, asyncio.Task]
    _runners: dict[str, JobRunner | LongVideoRunner]
    account_hold: AccountHold
    if TYPE_CHECKING:

        def told(self, job_id: str) -> None: ...
        def api_key(self) -> str: ...
        def simulated_service(self) -> bool: ...
        def downloader(self) -> Downloader: ...
        def output_folder(self) -> Path: ...
        def _delete_files(self, job: Job) -> None: ...
        async def check_folder(self, job: Job) -> None: ...
        def drive(
            self,
            job_id: str,
            until_accepted: bool = False,
            delay: float = 0.0,
            leased: bool = False,
        ) -> asyncio.Task | None: ...

    # queries ---------------------------------------------------------------
    def jobs(self) -> list[Job]:
        return self.store.all()

    def get(self, job_id: str) -> Job | None:
        return self.store.find(job_id)

    def lookup(self, ref: str) -> Job:
        """A listed job by local id, request id or unique prefix; invalid_input if none."""
        job = self.store.find(ref)
        if job is None:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"There is no job '{ref}'.",
                next_step="Check the job's id in the list.",
                cli_step="List jobs with 's2v-studio jobs'.",
            )
        return job

    def parts(self, job_id: str) -> list[Job]:
        """A long video's parts in order (empty for an ordinary job)."""
        return self.store.parts(job_id)

    async def plan_long_video(self, audio_path, quality: str, cuts=None):
        """The cheapest long-video plan for a recording at the settings' prices."""
        return await long_verbs.plan(self, audio_path, quality, cuts)

    def contract(self, job: Job) -> dict:
        """The command line's `--json` object of a job (a long video with its parts)."""
        return lv.contract(job, self.store.parts(job.id)) if job.is_long else job.to_contract()

    def history(self, job_id: str) -> list[HistoryEntry]:
        """A job's recorded steps, oldest first (hidden jobs too)."""
        return self.store.history(job_id)

    def estimate(self, quality: str, duration: int) -> float | None:
        return self.settings.price(quality, duration)

    def month_spend(self) -> Spend:
        """This month's known costs and estimates of jobs that may have been billed
        (hidden jobs included; demo jobs apart from real ones)."""
        first = dt.datetime.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return self.store.spend_since(first.timestamp(), demo=self.demo)

    def spent_this_month(self) -> float:
        return self.month_spend().total

    def spend_problem(self, estimate: float | None) -> SegmindError | None:
        """Why a job of `estimate` dollars should be confirmed first (None: it need not).
        Demo jobs never count; a threshold of 0 means no threshold."""
        limit = self.settings.spend_threshold
        if self.demo or not limit or estimate is None:
            return None
        spent = self.month_spend().total
        if spent + estimate <= limit:
            return None
        return SegmindError(
            ErrorKind.spend_threshold,
            f"This job (about ${estimate:.2f}) would bring this month's spending to "
            f"${spent + estimate:.2f}, past your threshold of ${limit:.2f}.",
            next_step="Confirm to go past it, or change the threshold in Settings → Preferences.",
            cli_step="Add --yes to go past it, or change spend_threshold in "
            f"{self.paths.settings_file} (or in the window's Settings).",
            action="confirm_spend",
        )

    def _guard(self, job: Job, guard_spend: bool) -> None:
        cost = lv.retry_estimate(self.store, job) if job.is_long or job.parent_id else None
        problem = self.spend_problem(cost or self.estimate(job.quality, job.duration))
        if guard_spend and problem is not None:
            raise problem

    # adding ------------------------------------------------------------------
    async def check(self, request: JobRequest) -> Job:
        """Check a request locally (and https inputs at their host) without storing it."""
        job = await self.check_inputs(request)
        await self.check_folder(job)
        return job

    async def check_inputs(self, request: JobRequest) -> Job:
        return await check_request(
            request, probe=self.downloader().probe_url, prices=self.settings.prices
        )

    async def submit(
        self,
        request: JobRequest,
        force: bool = False,
        *,
        drive: bool = True,
        guard_spend=False,
        max_cost: float | None = None,
        on_plan=None,
    ) -> Job:
        """Check, store and start a job. Raises SegmindError(invalid_input) on bad input,
        with guard_spend SegmindError(spend_threshold) past the monthly threshold, and
        SegmindError(max_cost) when the estimate is above `max_cost`. With `split`, audio
        over 15 s becomes a long video; `on_plan(plan)` sees its plan before any request."""
        job = await self.check(request)
        self.api_key()  # no key: refuse before storing anything
        job.demo = self.demo
        job.simulated = self.demo or self.simulated_service()
        if request.split and job.duration == 0:
            return await long_verbs.submit(
                self, job, request.cuts, force, drive, guard_spend, max_cost, on_plan
            )
        problem = lv.max_cost_refusal(self.estimate(job.quality, job.duration), max_cost)
        if problem is not None:
            raise problem
        self._guard(job, guard_spend)
        return self._add(job, force, drive)

    def _add(self, job: Job, force: bool, drive: bool) -> Job:
        job.demo = self.demo
        job.simulated = self.demo or self.simulated_service()
        job.estimate = self.estimate(job.quality, job.duration)
        fp = fingerprint(job)
        self.check_twin(job, fp, force)
        self.store.add(job, fingerprint=fp, lease=self.settings.timings.lease_seconds)
        self._added(job, drive)
        return job

    def add_long(self, job: Job, parts: list[Job], drive: bool) -> Job:
        """Store a planned long video with its parts (leased here) and start it."""
        for part in parts:
            part.demo, part.simulated = job.demo, job.simulated
        fp = lv.long_fingerprint(job, parts)
        self.store.add_long(job, parts, fp, self.settings.timings.lease_seconds)
        self._added(job, drive)
        return job

    def _added(self, job: Job, drive: bool) -> None:
        self.told(job.id)
        self.events.emit(JobAdded(job.copy()))
        if drive:
            self.drive(job.id, leased=True)

    def check_twin(self, job: Job, fp: str, force: bool) -> None:
        """Refuse a job that already completed with the same fingerprint (unless forced)."""
        twin = self.store.completed_with(fp)
        if twin is not None and not force:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"This exact job (same inputs and parameters, seed {job.seed}) already completed "
                f"as job {twin.id} ({twin.output_path}); submitting it again would pay twice.",
                next_step="Change the seed (Re-run) or choose 'Submit anyway'.",
                cli_step="Change the seed (s2v-studio rerun) or add --force.",
                action="force",
            )

    def rerun(
        self, job_id: str, seed: int | None = None, force: bool = False, *, guard_spend=False
    ) -> Job:
        """A new job from an old one, with the given seed or a fresh random one."""
        old = self.lookup(job_id)
        if old.is_long:
            seed = seed if seed is not None else random_seed()
            return long_verbs.rerun(self, old, seed, force, guard_spend)
        new = Job(
            image=old.image,
            audio=old.audio,
            prompt=old.prompt,
            duration=old.duration,
            quality=old.quality,
            seed=seed if seed is not None else random_seed(),
            enhance_prompt=old.enhance_prompt,
            trim=old.trim,
            trim_start=old.trim_start,
            output_dir=old.output_dir,
            image_size=old.image_size,
            image_hash=old.image_hash,
            audio_size=old.audio_size,
            audio_hash=old.audio_hash,
            audio_seconds=old.audio_seconds,
            rerun_of=old.id,
        )
        self._guard(new, guard_spend)
        return self._add(new, force, drive=True)

    # changing: here if this process may, else asked of the owner ------------------
    def cancel(self, job_id: str) -> Job:
        """Stop a job. Not yet submitted: free. Submitted: tracking stops, may be billed."""
        job = self.lookup(job_id)
        return job if job.state in FINISHED else self._ask(job, "cancel")

    def retry(self, job_id: str, *, guard_spend=False) -> Job:
        """Put a failed, expired, interrupted or cancelled job back (same row, attempt + 1)."""
        job = self.lookup(job_id)
        self._retryable(job)
        self._guard(job, guard_spend)
        self.account_hold.clear()  # asked again: the account may be fixed
        return self._ask(job, "retry")

    def hide(self, job_id: str, delete_files: bool = False) -> Job:
        """Take a finished job off the list (its cost still counts this month and the
        duplicate-spend guard still knows it); with delete_files also delete its video,
        sidecar and converted audio. `restore` undoes it (the files stay deleted)."""
        job = self.store.get(job_id) or self.lookup(job_id)
        self._finished(job)
        return self._ask(job, "delete" if delete_files else "hide")

    def remove(self, job_id: str, delete_files: bool = False) -> Job:
        """The window's name for `hide`."""
        return self.hide(job_id, delete_files)

    def restore(self, job_id: str) -> Job:
        """Put a hidden job back on the list (undo of hide)."""
        job = self.store.get(job_id)
        if job is None:
            return self.lookup(job_id)
        if job.hidden:
            self.store.restore(job.id)
            job = self.store.fetch(job.id)
            self.told(job.id)
            self.events.emit(JobAdded(job.copy()))
        return job

    def _ask(self, job: Job, what: str) -> Job:
        claim = self.store.claim(job.id, what, self.settings.timings.lease_seconds)
        if claim == "requested":
            job = self.store.fetch(job.id)
            self.events.emit(JobChanged(job.copy()))
            return job
        try:
            return self.carry_out(job.id, what)
        finally:
            if claim == "taken" and job.id not in self._tasks:
                self.store.release(job.id)

    def carry_out(self, job_id: str, what: str) -> Job:
        """Do `what` to a job this process holds (asked here or by another process)."""
        job = self.store.fetch(job_id)
        if what in ("cancel", "retry") and (job.is_long or job.parent_id):
            return long_verbs.carry_out(self, job, what)
        if what == "cancel":
            runner = self._runners.get(job_id)
            if job.state in FINISHED:
                self.store.request(job_id, None)
            elif runner is not None:
                self.store.request(job_id, "cancel")  # "cancelling..." until the runner stops
                runner.stop("cancel")
                job = self.store.fetch(job_id)
            else:
                self.store.move(
                    job, JobState.cancelled, "cancelled", fulfils="cancel", **cancel_changes(job)
                )
            self.events.emit(JobChanged(job.copy()))
        elif what == "retry":
            self._retryable(job)
            self.store.move(job, JobState.pending, "retry", fulfils="retry", **_fresh_attempt(job))
            self.events.emit(JobChanged(job.copy()))
            self.drive(job.id)
        elif what in ("hide", "delete"):
            self._finished(job)
            if what == "delete":
                self._delete_files(job)
            self.store.hide(job.id, what)
            job.hidden = True
            self.told(job.id)
            self.events.emit(JobRemoved(job.id))
        return job

    def _retryable(self, job: Job) -> None:
        if job.state not in RETRYABLE:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"Job {job.id} is {job.state.value}; only failed, expired, "
                "interrupted or cancelled jobs can be retried.",
            )

    def _finished(self, job: Job) -> None:
        if job.state not in FINISHED:
            raise SegmindError(
                ErrorKind.invalid_input,
                f"Job {job.id} is still {job.state.value}; cancel it first.",
            )

    # waiting -------------------------------------------------------------------
    async def settle(self, job_id: str, timeout: float = 10.0) -> Job | None:
        """Until the job's pending request is carried out (by its owner, or here if the
        owner went away meanwhile), or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.store.get(job_id)
            if job is None or job.requested is None or time.monotonic() > deadline:
                return job
            if self.store.owner_of(job_id) is None:
                return self._ask(job, job.requested)
            await asyncio.sleep(0.1)

    async def wait(self, job_id: str, until_accepted: bool = False) -> Job:
        """Until the job is finished (or accepted, or blocked on its output folder):
        drive it here or follow its owner."""
        job = self.lookup(job_id)
        stalled = 0
        tried = False
        while True:
            job = self.store.fetch(job.id)
            if job.state in FINISHED or (until_accepted and lv.accepted(job, self.store)):
                return job
            if job.blocked and tried:
                return job
            if tried and job.batch_id and self.account_hold.error and job.state == JobState.pending:
                return job  # held: another job of its batch met an account error
            task = self.drive(job.id, until_accepted)
            if task is not None:
                await asyncio.shield(task)
                tried = True
                stalled += 1
                if stalled > 3:  # driven to its end here, yet not finished: a bug, say so
                    raise SegmindError(
                        ErrorKind.internal, f"Job {job.id} is stuck in {job.state.value}."
                    )
                continue
            await asyncio.sleep(min(1.0, self.settings.timings.s("poll_near_interval")))


def _fresh_attempt(job: Job) -> dict:
    return {
        "attempt": job.attempt + 1,
        "request_id": None,
        "status_url": None,
        "response_url": None,
        "output_url": None,
        "output_until": None,
        "image_url": None,
        "audio_url": None,
        "submitted_at": None,
        "finished_at": None,
        "error_code": None,
        "error_message": None,
        "cost": None,
        "may_be_billed": False,
        "metrics": {},
    }
