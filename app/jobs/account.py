"""The account half of the engine: "Check with Segmind", the month's spend from the
request history, and following the settings file other processes change."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from app.api import history
from app.api.errors import ErrorKind, SegmindError
from app.jobs.events import JobChanged, SettingsChanged
from app.jobs.model import Job
from app.jobs.runner import JobRunner
from app.jobs.settle import check_job
from app.settings import Paths, Settings, SettingsWatcher, apply_changes

if TYPE_CHECKING:
    from app.api.client import SegmindClient
    from app.api.pacing import RequestBudget
    from app.jobs.context import RunnerContext
    from app.jobs.events import EventHub
    from app.jobs.slots import Slots
    from app.jobs.store import JobStore

_ADDRESSES = {"api_base", "upload_url", "history_url"}


class AccountVerbs:
    """Mixed into Engine (which provides the store, settings, clients and drive)."""

    # provided by Engine
    store: JobStore
    settings: Settings
    events: EventHub
    demo: bool
    paths: Paths
    budget: RequestBudget
    _tasks: dict[str, asyncio.Task]
    _background: list[asyncio.Task]
    _client_key: str | None
    _slots: Slots
    if TYPE_CHECKING:

        def lookup(self, ref: str) -> Job: ...
        def client(self) -> SegmindClient: ...
        def runner_context(self) -> RunnerContext: ...
        def _spawn(self, coro) -> asyncio.Task: ...
        def drive(
            self,
            job_id: str,
            until_accepted: bool = False,
            delay: float = 0.0,
            leased: bool = False,
        ) -> asyncio.Task | None: ...

    async def check_with_segmind(self, job_id: str) -> tuple[Job, str]:
        """Settle a job from Segmind's request history (the window's "Check with Segmind",
        `s2v-studio check`): an interrupted job's lost submit is searched (found: adopted
        and driven; none: "most likely not billed"; two: ambiguous, never adopted), an
        expired job's video is fetched through its history row, a cancelled or completed
        job's real cost is stored. Returns the job and what happened ("adopted",
        "downloading", "ended", "cost", "unchanged"). Raises NoHistory without a history
        lookup, invalid_input when another process drives the job."""
        job = self.lookup(job_id)
        if job.id in self._tasks:
            return job, "unchanged"  # driven here: its runner asks the history by itself
        if not self.store.acquire(job.id, self.settings.timings.lease_seconds):
            raise SegmindError(
                ErrorKind.invalid_input,
                f"Job {job.id} is being driven by another process, which checks with Segmind "
                "by itself.",
                next_step="Wait for it to finish there.",
            )
        outcome = "unchanged"
        try:
            runner = JobRunner(self.runner_context(), self.store.fetch(job.id))
            outcome = await check_job(runner)
        finally:
            if outcome in ("adopted", "downloading"):
                self.drive(job.id, leased=True)
            else:
                self.store.release(job.id)
        job = self.store.fetch(job.id)
        self.events.emit(JobChanged(job.copy()))
        return job, outcome

    async def history_spend(self, month: str | None = None) -> history.MonthSpend:
        """The month's (UTC, "YYYY-MM", default this month) requests of this model from
        the calling key's request history, each request once; `made_here_*` are the ones
        this studio made. Raises NoHistory, invalid_key, network errors."""
        month = month or dt.datetime.now(dt.UTC).strftime("%Y-%m")
        first, last = history.month_days(month)
        client = self.client()
        if not client.has_history:
            raise history.NoHistory()
        rows = await history.list_rows(client, first, last)
        return history.month_spend(rows, month, self.store.request_ids(self.demo))

    # the settings file -------------------------------------------------------
    def follow_settings_file(self) -> None:
        """Take settings other processes write (`s2v-studio settings set`) within a second
        or two (Engine.start calls it); SettingsChanged tells the window. The demo keeps
        its own settings."""
        if self.demo:
            return
        self.settings_watcher = SettingsWatcher(self.paths)
        self.settings_watcher.subscribe(self._settings_file_changed)
        self._background.append(self._spawn(self.settings_watcher.run()))

    def _settings_file_changed(self, fresh, names: set[str]) -> None:
        apply_changes(self.settings, fresh, names)
        self.budget.per_minute = self.settings.requests_per_minute
        self._slots.limit = max(1, self.settings.concurrency)
        if names & _ADDRESSES:  # only then a new client (in-flight requests keep theirs)
            self._client_key = None
        self.events.emit(SettingsChanged(frozenset(names)))
