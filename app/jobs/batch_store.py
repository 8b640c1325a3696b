"""The store's side of batches: the named groups jobs point to, and their counts.

A batch is many jobs from one plan (a CSV, the window's batch builder); a takes group
(kind "takes") is one pair of inputs with several seeds. Jobs keep their own rows and
lives; the batch only names them together. Mixed into JobStore.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.jobs.model import Job, JobState
from app.jobs.schema import JOB_COLUMNS, job_from_row

if TYPE_CHECKING:
    import contextlib

KINDS = ("batch", "takes")


def new_batch_id() -> str:
    return "b" + uuid.uuid4().hex[:11]


@dataclass(frozen=True)
class Batch:
    id: str
    name: str
    kind: str = "batch"  # "batch" | "takes"
    created_at: float = 0.0


@dataclass(frozen=True)
class BatchSummary:
    """How far a batch is: its listed jobs by outcome, and what they cost (dollars)."""

    batch: Batch
    total: int
    done: int
    failed: int  # failed, expired or interrupted
    cancelled: int
    active: int
    billed: float
    maybe: float
    estimate: float

    @property
    def finished(self) -> bool:
        return self.active == 0

    @property
    def words(self) -> str:
        return progress_words(self.done, self.total, self.failed)


def progress_words(done: int, total: int, failed: int) -> str:
    """ "4 of 12 done", with the failures when there are any."""
    text = f"{done} of {total} done"
    if failed:
        text += f", {failed} failed"
    return text


# a batch's own jobs and their long videos' parts (not those of hidden jobs)
_OWN = (
    "j.batch_id = ? AND j.hidden = 0"
    " AND (j.parent_id IS NULL OR j.parent_id IN (SELECT id FROM listed))"
)


class BatchRows:
    """Batches in the jobs database (provided by JobStore: _db, _tx, _insert)."""

    _db: sqlite3.Connection
    if TYPE_CHECKING:

        def _tx(self) -> contextlib.AbstractContextManager[None]: ...
        def _insert(self, job: Job, fingerprint: str | None, lease: float | None) -> None: ...

    def add_batch(
        self,
        batch: Batch,
        jobs: list[tuple[Job, list[Job], str | None]],
        lease: float | None,
    ) -> None:
        """Store a batch and its jobs (each with its long video's parts and fingerprint)
        in one transaction, leased to this process."""
        with self._tx():
            self._add_batch_row(batch)
            for job, parts, fp in jobs:
                job.batch_id = batch.id
                self._insert(job, fp, lease)
                for part in parts:
                    part.batch_id = batch.id
                    self._insert(part, None, lease)

    def _add_batch_row(self, batch: Batch) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO batches(id, name, kind, created_at) VALUES (?,?,?,?)",
            (batch.id, batch.name, batch.kind, batch.created_at or time.time()),
        )

    def join_batch(self, job_id: str, batch: Batch, take: int | None = None) -> None:
        """Put an existing job into a batch (a finished job becomes take 1 of a group)."""
        with self._tx():
            self._add_batch_row(batch)
            self._db.execute(
                "UPDATE jobs SET batch_id=?, data=json_set(data, '$.batch_id', ?, '$.take', ?)"
                " WHERE id=? OR parent_id=?",
                (batch.id, batch.id, take, job_id, job_id),
            )

    def batch(self, batch_id: str) -> Batch | None:
        row = self._db.execute(
            "SELECT id, name, kind, created_at FROM batches WHERE id=?", (batch_id,)
        ).fetchone()
        return Batch(*row) if row else None

    def batch_jobs(self, batch_id: str, *, hidden: bool = False) -> list[Job]:
        """A batch's listed jobs (with `hidden`, its hidden ones too), oldest first."""
        where = "parent_id IS NULL" + ("" if hidden else " AND hidden = 0")
        rows = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE batch_id=? AND {where}"
            " ORDER BY created_at, rowid",
            (batch_id,),
        )
        return [job_from_row(r) for r in rows]

    def batch_summary(self, batch_id: str) -> BatchSummary | None:
        batch = self.batch(batch_id)
        if batch is None:
            return None
        counts = dict(
            self._db.execute(
                "SELECT state, COUNT(*) FROM listed WHERE batch_id=? GROUP BY state", (batch_id,)
            ).fetchall()
        )
        money = self._db.execute(
            "SELECT SUM(CASE WHEN c.sure THEN c.amount END),"
            " SUM(CASE WHEN c.sure THEN 0 ELSE c.amount END)"
            f" FROM charges c JOIN jobs j ON c.job_id = j.id WHERE {_OWN}",
            (batch_id,),
        ).fetchone()
        estimate = self._db.execute(
            "SELECT SUM(json_extract(data, '$.estimate')) FROM listed WHERE batch_id=?",
            (batch_id,),
        ).fetchone()[0]
        failed = sum(counts.get(s.value, 0) for s in _FAILED)
        done = counts.get(JobState.completed.value, 0)
        cancelled = counts.get(JobState.cancelled.value, 0)
        total = sum(counts.values())
        return BatchSummary(
            batch=batch,
            total=total,
            done=done,
            failed=failed,
            cancelled=cancelled,
            active=total - done - failed - cancelled,
            billed=float(money[0] or 0.0),
            maybe=float(money[1] or 0.0),
            estimate=float(estimate or 0.0),
        )

    def batch_ids(self) -> list[str]:
        """Batches with listed jobs, newest first."""
        rows = self._db.execute(
            "SELECT b.id FROM batches b WHERE EXISTS"
            " (SELECT 1 FROM listed l WHERE l.batch_id = b.id) ORDER BY b.created_at DESC"
        )
        return [r[0] for r in rows]

    def pair_jobs(self, job: Job) -> Iterator[Job]:
        """Listed jobs made from the same inputs as `job` (candidates for its takes)."""
        rows = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM listed WHERE"
            " COALESCE(json_extract(data, '$.image_hash'), json_extract(data, '$.image')) = ?"
            " AND COALESCE(json_extract(data, '$.audio_hash'), json_extract(data, '$.audio')) = ?"
            " ORDER BY created_at, rowid",
            (job.image_hash or job.image, job.audio_hash or job.audio),
        )
        return (job_from_row(r) for r in rows)

    def path_taken(self, path: Path, job_id: str) -> bool:
        """Another job (hidden ones too) already has this output path."""
        row = self._db.execute(
            "SELECT 1 FROM jobs WHERE output_path = ? AND id != ? LIMIT 1", (str(path), job_id)
        ).fetchone()
        return row is not None


_FAILED = (JobState.failed, JobState.expired, JobState.interrupted)
