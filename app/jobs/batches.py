"""Many videos from one plan: batches and takes, as groups of ordinary jobs.

Every row is checked before anything is stored or sent, and all the problems are
reported together (`BatchProblems`); duplicates (inside the batch or of a completed
job) are problems unless forced; the estimate limit and the monthly threshold apply to
the batch's total. Then the batch and its jobs are stored in one transaction and each
job lives its own life under the account's request budget and the concurrency setting.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError
from app.jobs import long_verbs
from app.jobs import long_video as lv
from app.jobs.batch_store import Batch, BatchSummary, new_batch_id
from app.jobs.events import JobChanged
from app.jobs.model import FINISHED, SEED_MAX, Job, JobState
from app.jobs.prepare import JobRequest, fingerprint, random_seed
from app.jobs.sidecar import mark_sidecar
from app.jobs.verbs import JobVerbs

__all__ = ["Batch", "BatchProblems", "BatchSummary", "Planned", "RowProblem"]

_CHECKS_AT_ONCE = 4  # rows checked together (hashing, probing links)
RETRY_FAILED = frozenset({JobState.failed, JobState.expired, JobState.interrupted})


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row: spreadsheet row number (header = 1), column, message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class BatchProblems(SegmindError):
    """Rows that cannot be sent; nothing of the batch was stored or sent."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row, p.column))
        rows = len({p.row for p in self.problems})
        listing = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            ErrorKind.invalid_input,
            f"{rows} row{'s' * (rows != 1)} of the batch cannot be sent; nothing was sent:\n"
            + listing,
            next_step="Fix or untick these rows, then submit the batch again.",
            cli_step="Fix these rows in the CSV (or add --force for duplicates), then run "
            "the command again.",
        )

    def to_dict(self) -> dict:
        data = super().to_dict()
        data["problems"] = [
            {"row": p.row, "column": p.column, "message": p.message} for p in self.problems
        ]
        return data


@dataclass
class Planned:
    """One checked row: its job (unsaved), a long video's parts, what it would cost."""

    row: int
    job: Job
    parts: list[Job] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def estimate(self) -> float:
        return self.job.estimate or 0.0


def row_of(request: JobRequest, index: int) -> int:
    return request.row if request.row is not None else index + 2


def _column(err: SegmindError, request: JobRequest) -> str:
    """Which column a refusal is about (the message names the file it is about)."""
    for column in ("image", "audio"):
        value = getattr(request, column)
        if value and (value in err.message or Path(value).name in err.message):
            return column
    for column in ("prompt", "duration", "quality", "seed", "split"):
        if column in err.message.lower():
            return column
    return ""


class BatchVerbs(JobVerbs):
    """The batch half of Engine's verbs."""

    async def plan_rows(self, requests: list[JobRequest], force: bool = False) -> list[Planned]:
        """Check every request (nothing stored, nothing sent to Segmind); BatchProblems
        lists every row that cannot go, duplicates included unless `force`."""
        gate = asyncio.Semaphore(_CHECKS_AT_ONCE)
        folders: dict[str | None, asyncio.Task] = {}  # each folder checked once

        async def one(i: int, request: JobRequest) -> Planned | RowProblem:
            row = row_of(request, i)
            async with gate:
                try:
                    job = await self.check_inputs(request)
                    if job.output_dir not in folders:
                        folders[job.output_dir] = asyncio.ensure_future(self.check_folder(job))
                    await asyncio.shield(folders[job.output_dir])
                    job.demo, job.simulated = self.demo, self.demo or self.simulated_service()
                    if request.split and job.duration == 0:
                        found = await long_verbs.plan(self, job.audio, job.quality, request.cuts)
                        parts = lv.make_parts(job, found.parts)
                        return Planned(row, job, parts, lv.long_fingerprint(job, parts))
                    job.estimate = self.estimate(job.quality, job.duration)
                    return Planned(row, job, [], fingerprint(job))
                except SegmindError as err:
                    return RowProblem(row, _column(err, request), err.message)

        results = await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
        problems = [r for r in results if isinstance(r, RowProblem)]
        planned = [r for r in results if isinstance(r, Planned)]
        if not force:
            problems += self._duplicates(planned)
        if problems:
            raise BatchProblems(problems)
        return planned

    def _duplicates(self, planned: list[Planned]) -> list[RowProblem]:
        seen: dict[str, int] = {}
        problems = []
        for p in planned:
            twin = self.store.completed_with(p.fingerprint)
            if p.fingerprint in seen:
                problems.append(
                    RowProblem(
                        p.row,
                        "",
                        f"The same job as row {seen[p.fingerprint]} (same inputs, parameters "
                        f"and seed {p.job.seed}): it would be paid twice. Change its seed.",
                    )
                )
            elif twin is not None:
                problems.append(
                    RowProblem(
                        p.row,
                        "",
                        f"This exact job already completed as job {twin.id} "
                        f"({twin.output_path}): it would be paid twice. Change its seed.",
                    )
                )
            seen.setdefault(p.fingerprint, p.row)
        return problems

    async def plan_batch(self, requests: list[JobRequest], force: bool = False) -> list[Job]:
        """The jobs a batch would make (unsaved, each with its estimate; a long video's
        `part_count` says how many parts), or BatchProblems."""
        return [p.job for p in await self.plan_rows(requests, force)]

    async def submit_batch(
        self,
        requests: list[JobRequest],
        name: str,
        *,
        kind: str = "batch",
        force: bool = False,
        drive: bool = True,
        guard_spend: bool = False,
        max_cost: float | None = None,
    ) -> tuple[Batch, list[Job]]:
        """Check every row, then the money for the total, then store and start them all."""
        if not requests:
            raise SegmindError(ErrorKind.invalid_input, "The batch has no rows.")
        planned = await self.plan_rows(requests, force)
        return self.store_batch(
            planned, name, kind=kind, drive=drive, guard_spend=guard_spend, max_cost=max_cost
        )

    def store_batch(
        self,
        planned: list[Planned],
        name: str,
        *,
        kind: str = "batch",
        drive: bool = True,
        guard_spend: bool = False,
        max_cost: float | None = None,
        into: Batch | None = None,
    ) -> tuple[Batch, list[Job]]:
        """Store checked rows as one batch (the money checked on the total) and start them."""
        total = round(sum(p.estimate for p in planned), 2)
        problem = batch_cost_refusal(total, max_cost, len(planned))
        if problem is None and guard_spend:
            problem = self.spend_problem(total)
        if problem is not None:
            raise problem
        self.api_key()  # no key: refuse before storing anything
        batch = into or Batch(new_batch_id(), name.strip() or "Batch", kind, time.time())
        now = time.time()
        for i, p in enumerate(planned):
            p.job.created_at = now + i * 1e-3  # rows keep their order
            for part in p.parts:
                part.created_at = p.job.created_at
        lease = self.settings.timings.lease_seconds
        self.store.add_batch(batch, [(p.job, p.parts, p.fingerprint) for p in planned], lease)
        for p in planned:
            self._added(p.job, drive)
        return batch, [p.job for p in planned]

    # the group's verbs ----------------------------------------------------------
    def batch(self, batch_id: str) -> Batch | None:
        return self.store.batch(batch_id)

    def batch_summary(self, batch_id: str) -> BatchSummary | None:
        return self.store.batch_summary(batch_id)

    def batch_jobs(self, batch_id: str) -> list[Job]:
        return self.store.batch_jobs(batch_id)

    def batches(self) -> list[BatchSummary]:
        return [s for i in self.store.batch_ids() if (s := self.store.batch_summary(i))]

    def cancel_batch(self, batch_id: str) -> list[Job]:
        """Cancel every unfinished job of the batch (submitted ones may still be billed)."""
        jobs = self.store.batch_jobs(batch_id)
        return [self.cancel(j.id) for j in jobs if j.state not in FINISHED]

    def retry_failed(self, batch_id: str, *, guard_spend: bool = False) -> list[Job]:
        """Retry the batch's failed, expired and interrupted jobs (the threshold on their total)."""
        jobs = [j for j in self.store.batch_jobs(batch_id) if j.state in RETRY_FAILED]
        total = sum(lv.retry_estimate(self.store, j) or 0 for j in jobs)
        problem = self.spend_problem(total) if guard_spend and jobs else None
        if problem is not None:
            raise problem
        return [self.retry(j.id) for j in jobs]

    def hide_batch(self, batch_id: str, delete_files: bool = False) -> list[Job]:
        """Take the batch's finished jobs off the list (`restore` each to undo)."""
        jobs = [j for j in self.store.batch_jobs(batch_id) if j.state in FINISHED]
        return [self.hide(j.id, delete_files) for j in jobs]

    # takes ------------------------------------------------------------------------
    async def make_takes(
        self,
        source: str | JobRequest,
        n: int,
        *,
        start_seed: int | None = None,
        seeds: list[int] | None = None,
        guard_spend: bool = False,
        force: bool = False,
    ) -> tuple[Batch, list[Job]]:
        """N jobs of one pair with different seeds (the list, consecutive from
        `start_seed`, or random), grouped as takes. From a job id: the job's inputs; a
        finished job with no group becomes take 1 and N new takes follow."""
        old = self.lookup(source) if isinstance(source, str) else None
        request = _request_of(old) if old is not None else source
        assert isinstance(request, JobRequest)
        taken = {old.seed} if old is not None else set()
        chosen = _seeds(n, seeds, start_seed, taken)
        requests = [_with_seed(request, s) for s in chosen]
        planned = await self.plan_rows(requests, force)
        group = self.store.batch(old.batch_id) if old is not None and old.batch_id else None
        if group is not None and group.kind != "takes":
            group = None  # a take of a batch's job starts its own group
        joins = old is not None and group is None and old.state in FINISHED
        first = 1 + (1 if joins else 0)
        if group is not None:
            first = 1 + max((j.take or 0) for j in self.store.batch_jobs(group.id, hidden=True))
        for i, p in enumerate(planned):
            p.job.take = first + i
        name = f"Takes of {Path(request.image).stem or 'a portrait'}"
        batch, jobs = self.store_batch(
            planned, name, kind="takes", guard_spend=guard_spend, into=group
        )
        if joins and old is not None:
            self.store.join_batch(old.id, batch, take=1)
            self.events.emit(JobChanged(self.store.fetch(old.id).copy()))
        return batch, jobs

    def takes_of(self, job_id: str) -> list[Job]:
        """The listed jobs of the same pair as this one (same inputs and parameters, any
        seed), by take number then age."""
        job = self.lookup(job_id)
        same = [j for j in self.store.pair_jobs(job) if j.pair_key == job.pair_key]
        return sorted(same, key=lambda j: (j.take is None, j.take or 0, j.created_at))

    def keep_take(self, job_id: str, kept: bool = True) -> Job:
        """Mark the chosen take (a star in the queue, "kept" in its sidecar)."""
        job = self.lookup(job_id)
        job.kept = kept
        self.store.save(job, "kept" if kept else "unkept")
        if job.output_path:
            mark_sidecar(Path(job.output_path), kept=kept)
        job = self.store.fetch(job.id)
        self.events.emit(JobChanged(job.copy()))
        return job

    def discard_other_takes(self, job_id: str, delete_files: bool = False) -> list[Job]:
        """Hide the other finished takes of this job's pair (their files kept unless asked)."""
        return [
            self.hide(j.id, delete_files)
            for j in self.takes_of(job_id)
            if j.id != job_id and j.state in FINISHED
        ]


def batch_cost_refusal(total: float, limit: float | None, rows: int) -> SegmindError | None:
    """The refusal of a batch whose total is above `--max-cost` (None: it is not)."""
    if limit is None or round(total * 100) <= round(limit * 100):
        return None
    return SegmindError(
        ErrorKind.max_cost,
        f"This batch of {rows} job{'s' * (rows != 1)} would cost about ${total:.2f}, more "
        f"than the ${limit:.2f} allowed by --max-cost; nothing was sent.",
        cli_step="Raise --max-cost, or remove rows, choose quality mid or shorter clips.",
    )


def _seeds(n: int, seeds: list[int] | None, start: int | None, taken: set[int]) -> list[int]:
    if seeds:
        return list(seeds)
    if n < 1:
        raise SegmindError(ErrorKind.invalid_input, "Make at least one take.")
    if start is not None:
        return [(start + i - 1) % SEED_MAX + 1 for i in range(n)]
    chosen: list[int] = []
    while len(chosen) < n:
        s = random_seed()
        if s not in taken and s not in chosen:
            chosen.append(s)
    return chosen


def _with_seed(request: JobRequest, seed: int) -> JobRequest:
    return replace(request, seed=seed)


def _request_of(job: Job) -> JobRequest:
    """What a new take of `job` asks for: its inputs and parameters."""
    return JobRequest(
        image=job.image,
        audio=job.audio,
        prompt=job.prompt,
        duration=None if job.is_long else job.duration,
        quality=job.quality,
        enhance_prompt=job.enhance_prompt,
        trim=job.trim,
        trim_start=job.trim_start,
        output_dir=job.output_dir,
        split=job.is_long,
        name_template=job.name_template,
    )
