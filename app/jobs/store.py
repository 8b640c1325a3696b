"""The job store: one SQLite file, shared by the window and the command line.

WAL lets a reader (the window showing progress) run beside a writer (a command line
driving a job). `synchronous=FULL` because the moment that matters most, storing a
request_id that cost money, must survive a power cut, not just a crash.

A lease (owner + expiry) per job decides which process drives it, and only that
process changes it: a write on a job whose lease another live process holds raises
LeaseLost. A process without the lease records a request (`requested`) that the owner
carries out. The state column changes only through `move` (a named transition); the
request_id the service gave is kept whatever the state (`keep_request_id`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from app.jobs.batch_store import BatchRows
from app.jobs.leases import WRITABLE, LeaseLost, Leases, new_owner_id, owner_alive
from app.jobs.model import (
    FINISHED,
    LONG_TRANSITIONS,
    MAY_BE_BILLED_ENDS,
    TRANSITIONS,
    Job,
    JobState,
    TransitionError,
)
from app.jobs.schema import JOB_COLUMNS, SCHEMA_VERSION, job_from_row, migrate
from app.jobs.store_lists import _SELECT, ListQueries

__all__ = ["SCHEMA_VERSION", "HistoryEntry", "JobStore", "LeaseLost", "Spend"]

# what an id may name: a listed job, or a part of one (parts work with wait/retry/cancel)
_FINDABLE = (
    f"SELECT {JOB_COLUMNS} FROM jobs WHERE hidden = 0"
    " AND (parent_id IS NULL OR parent_id IN (SELECT id FROM listed))"
)

_KEPT = ("request_id", "status_url", "response_url", "submitted_at")


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a job's history: when, what happened, details, which process."""

    at: float
    what: str
    detail: str | None
    by: str | None


@dataclass(frozen=True)
class Spend:
    """Dollars: known costs, and estimates of jobs that may have been billed."""

    billed: float
    maybe: float

    @property
    def total(self) -> float:
        return self.billed + self.maybe


class JobStore(Leases, BatchRows, ListQueries):
    """Jobs in SQLite. Every write is its own short transaction."""

    def __init__(self, path: str | os.PathLike, owner: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.owner = owner or new_owner_id()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.create_function("owner_gone", 1, lambda o: owner_alive(o) is False)
        migrate(self._db, self.path)

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # reading (listings go through the `listed` view: hidden jobs never show) ------
    def get(self, job_id: str) -> Job | None:
        """A job by its exact local id, hidden or not."""
        row = self._db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id=?", (job_id,)).fetchone()
        return job_from_row(row) if row else None

    def fetch(self, job_id: str) -> Job:
        """A job that must exist (this process made or holds it): LookupError if not."""
        job = self.get(job_id)
        if job is None:
            raise LookupError(f"job {job_id} is not in the store")
        return job

    def find(self, ref: str) -> Job | None:
        """A listed job (or a part of one) by local id, request id, or a unique prefix."""
        row = self._db.execute(f"{_FINDABLE} AND (id=? OR request_id=?)", (ref, ref)).fetchone()
        if row:
            return job_from_row(row)
        if len(ref) < 4:
            return None
        rows = self._db.execute(
            f"{_FINDABLE} AND (id LIKE ? OR request_id LIKE ?) LIMIT 2", (ref + "%", ref + "%")
        ).fetchall()
        return job_from_row(rows[0]) if len(rows) == 1 else None

    def all(self, states: Iterable[JobState] | None = None, limit: int | None = None) -> list[Job]:
        sql, args = _SELECT, []
        if states is not None:
            states = list(states)
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
            args += [s.value for s in states]
        sql += " ORDER BY created_at DESC, rowid DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [job_from_row(r) for r in self._db.execute(sql, args)]

    def count(self) -> int:
        """How many jobs the list holds."""
        return self._db.execute("SELECT COUNT(*) FROM listed").fetchone()[0]

    def unfinished(self) -> list[Job]:
        return self.all(set(JobState) - FINISHED)

    def completed_with(self, fingerprint: str) -> Job | None:
        """A completed job with this fingerprint, hidden ones too: it was paid for."""
        row = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE fingerprint=? AND state='completed' LIMIT 1",
            (fingerprint,),
        ).fetchone()
        return job_from_row(row) if row else None

    def spend_since(self, t: float, demo: bool = False) -> Spend:
        """Charges of attempts that ended since `t` (demo jobs, or real ones), hidden too."""
        row = self._db.execute(
            "SELECT SUM(CASE WHEN sure THEN amount END), SUM(CASE WHEN sure THEN 0 ELSE amount END)"
            " FROM charges WHERE t >= ? AND demo = ?",
            (t, int(bool(demo))),
        ).fetchone()
        return Spend(float(row[0] or 0.0), float(row[1] or 0.0))

    def spent_since(self, t: float, demo: bool = False) -> float:
        """Dollars of jobs finished since `t`, known and possible charges together."""
        return self.spend_since(t, demo).total

    def job_with_request(self, request_id: str) -> str | None:
        """The local id of the job (hidden too) holding this request id in any form
        (dashes or not, any case), if any."""
        bare = request_id.replace("-", "").lower()
        row = self._db.execute(
            "SELECT id FROM jobs WHERE lower(replace(request_id, '-', '')) = ?", (bare,)
        ).fetchone()
        return row[0] if row else None

    def request_ids(self, demo: bool = False) -> list[str]:
        """Every request id this studio was given (hidden jobs too)."""
        rows = self._db.execute(
            "SELECT request_id FROM jobs WHERE request_id IS NOT NULL AND demo=?", (int(demo),)
        )
        return [r[0] for r in rows]

    def history(self, job_id: str) -> list[HistoryEntry]:
        """Every recorded step of a job, oldest first."""
        rows = self._db.execute(
            "SELECT t, what, detail, by FROM job_log WHERE job_id=? ORDER BY rowid", (job_id,)
        )
        return [HistoryEntry(*r) for r in rows]

    # writing ---------------------------------------------------------------
    def add(self, job: Job, fingerprint: str | None = None, lease: float | None = None) -> Job:
        """Insert a new job; with `lease` (seconds) this process holds it from the start,
        so no watching process can take it before its first step."""
        with self._tx():
            self._insert(job, fingerprint, lease)
        return job

    def add_many(self, jobs: Iterable[Job], fingerprints: Iterable[str | None] = ()) -> None:
        """Insert many jobs in one transaction (imports, benchmarks, tests)."""
        marks = iter(fingerprints)
        with self._tx():
            for job in jobs:
                self._insert(job, next(marks, None), None)

    def add_long(self, job: Job, parts: list[Job], fingerprint: str, lease: float) -> Job:
        """Insert a long video and all its parts in one transaction, leased to this process."""
        with self._tx():
            self._insert(job, fingerprint, lease)
            for part in parts:
                self._insert(part, None, lease)
        return job

    def _insert(self, job: Job, fingerprint: str | None, lease: float | None) -> None:
        now = time.time()
        self._db.execute(
            "INSERT INTO jobs(id, state, request_id, created_at, updated_at, finished_at,"
            " cost, fingerprint, demo, data, listed_at, owner, lease_until,"
            " parent_id, part_index, part_start, part_end, batch_id, output_path)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                job.id,
                job.state.value,
                job.request_id,
                job.created_at,
                job.updated_at,
                job.finished_at,
                job.cost,
                fingerprint,
                int(bool(job.demo)),
                json.dumps(asdict(job), default=str),
                now,
                self.owner if lease else None,
                now + lease if lease else None,
                job.parent_id,
                job.part_index,
                job.part_start,
                job.part_end,
                job.batch_id,
                job.save_as or job.output_path,
            ),
        )
        self._charge(job)
        self._note(job.id, "created", job.state.value)

    def save(self, job: Job, note: str | None = None) -> Job:
        """Store a job's fields, never its state (that is `move`'s) nor its request."""
        job.updated_at = time.time()
        with self._tx():
            row = self._db.execute("SELECT state FROM jobs WHERE id=?", (job.id,)).fetchone()
            if row is not None:
                job.state = JobState(row[0])
            self._adopt_request_id(job)
            self._write(job)
            if note:
                self._note(job.id, note, None)
        return job

    def move(
        self,
        job: Job,
        to: JobState,
        note: str | None = None,
        *,
        fulfils: str | None = None,
        **changes,
    ) -> Job:
        """Change a job's state along a named transition, with other fields at once.

        The stored state is re-read inside the transaction, so a stale copy never
        overwrites a newer state. `fulfils` clears that pending request. Ending after
        the submit was sent with no known cost marks the job `may_be_billed`.
        """
        with self._tx():
            row = self._db.execute("SELECT state FROM jobs WHERE id=?", (job.id,)).fetchone()
            current = JobState(row[0]) if row else job.state
            table = LONG_TRANSITIONS if job.is_long else TRANSITIONS
            if to != current and to not in table[current]:
                raise TransitionError(f"job {job.id}: {current} -> {to} is not allowed")
            if "request_id" not in changes:
                self._adopt_request_id(job)
            for k, v in changes.items():
                setattr(job, k, v)
            job.state = to
            job.updated_at = time.time()
            if to in FINISHED and job.finished_at is None:
                job.finished_at = job.updated_at
            if job.is_long:
                pass  # its parts carry what may be billed (the long video says so itself)
            elif to in MAY_BE_BILLED_ENDS and job.cost is None:
                job.may_be_billed = (
                    bool(job.request_id) or current.submitted or (current == JobState.submitting)
                )
            elif to not in FINISHED:
                job.may_be_billed = False
            self._write(job, state=True)
            if fulfils:
                self._db.execute(
                    "UPDATE jobs SET requested=NULL WHERE id=? AND requested=?", (job.id, fulfils)
                )
                job.requested = None
            self._charge(job)
            self._note(job.id, f"{current.value}->{to.value}", note)
        return job

    def keep_request_id(self, job_id: str, request_id: str, **fields) -> None:
        """Store the request_id the service gave (and its URLs), whatever the state or
        lease: money was spent on it, and it must never be dropped."""
        extra = {"request_id": request_id, **fields}
        paths = ", ".join(f"'$.{k}', json(?)" for k in extra)
        with self._tx():
            self._db.execute(
                f"UPDATE jobs SET request_id=?, data=json_set(data, {paths}) "
                "WHERE id=? AND request_id IS NULL",
                (request_id, *[json.dumps(v) for v in extra.values()], job_id),
            )
            self._note(job_id, "request id kept", request_id)

    def note(self, job_id: str, what: str, detail: str | None = None) -> None:
        with self._tx():
            self._note(job_id, what, detail)

    def hide(self, job_id: str, what: str = "hide") -> None:
        """Take a job off every list (kept for the spend and the duplicate guard)."""
        with self._tx():
            self._check_writable(job_id)
            self._db.execute(
                "UPDATE jobs SET hidden=1, requested=NULL, updated_at=? WHERE id=?",
                (time.time(), job_id),
            )
            self._note(job_id, "hidden", what)

    def restore(self, job_id: str) -> None:
        """Put a hidden job back on the list."""
        with self._tx():
            self._check_writable(job_id)
            now = time.time()
            self._db.execute(
                "UPDATE jobs SET hidden=0, updated_at=?, listed_at=? WHERE id=?", (now, now, job_id)
            )
            self._note(job_id, "restored", None)

    def _note(self, job_id: str, what: str, detail: str | None) -> None:
        self._db.execute(
            "INSERT INTO job_log(job_id, t, what, detail, by) VALUES (?,?,?,?,?)",
            (job_id, time.time(), what, detail, self.owner),
        )

    def _adopt_request_id(self, job: Job) -> None:
        """A copy read before `keep_request_id` must not write the request id away."""
        if job.request_id:
            return
        row = self._db.execute("SELECT data FROM jobs WHERE id=?", (job.id,)).fetchone()
        stored = json.loads(row[0]) if row else {}
        if stored.get("request_id"):
            for name in _KEPT:
                setattr(job, name, stored.get(name))

    def _check_writable(self, job_id: str) -> None:
        row = self._db.execute(
            f"SELECT {WRITABLE} FROM jobs WHERE id=:id", {**self._who(), "id": job_id}
        ).fetchone()
        if row is not None and not row[0]:
            raise LeaseLost(f"job {job_id} is driven by another process")

    def _write(self, job: Job, state: bool = False) -> None:
        self._check_writable(job.id)
        data = json.dumps(asdict(job), default=str)
        self._db.execute(
            "UPDATE jobs SET request_id=:rid, updated_at=:updated,"
            " finished_at=:finished, cost=:cost, demo=:demo, data=:data, output_path=:path"
            + (", state=:state" if state else "")
            + " WHERE id=:id",
            {
                "rid": job.request_id,
                "updated": job.updated_at,
                "finished": job.finished_at,
                "cost": job.cost,
                "demo": int(bool(job.demo)),
                "data": data,
                "path": job.save_as or job.output_path,
                "state": job.state.value,
                "id": job.id,
            },
        )

    def _charge(self, job: Job) -> None:
        """One charge per attempt that ended: its cost, or its estimate if it may be billed."""
        if job.state not in FINISHED or job.is_long:
            return  # a long video is paid through its parts' charges
        amount = job.cost if job.cost is not None else job.estimate if job.may_be_billed else None
        if amount is None:
            return
        self._db.execute(
            "INSERT OR REPLACE INTO charges(job_id, attempt, t, amount, sure, demo)"
            " VALUES (?,?,?,?,?,?)",
            (
                job.id,
                job.attempt,
                job.finished_at or time.time(),
                float(amount),
                int(job.cost is not None),
                int(bool(job.demo)),
            ),
        )
