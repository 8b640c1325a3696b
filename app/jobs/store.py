"""The job store: one SQLite file, shared by the window and the command line.

WAL lets a reader (the window showing progress) run beside a writer (a command line
driving a job). `synchronous=FULL` because the moment that matters most, storing a
request_id that cost money, must survive a power cut, not just a crash. A lease
(owner + expiry) per job decides which process drives it.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path

from app.jobs.model import FINISHED, TRANSITIONS, Job, JobState, TransitionError

SCHEMA_VERSION = 3

_MIGRATIONS = {
    1: """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            request_id TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            finished_at REAL,
            cost REAL,
            fingerprint TEXT,
            data TEXT NOT NULL
        );
        CREATE INDEX jobs_state ON jobs(state);
        CREATE INDEX jobs_request ON jobs(request_id);
        CREATE TABLE job_log (
            job_id TEXT NOT NULL,
            t REAL NOT NULL,
            what TEXT NOT NULL,
            detail TEXT
        );
        CREATE INDEX job_log_job ON job_log(job_id);
    """,
    2: """
        ALTER TABLE jobs ADD COLUMN owner TEXT;
        ALTER TABLE jobs ADD COLUMN lease_until REAL;
        CREATE INDEX jobs_created ON jobs(created_at);
    """,
    # the month's spend as one SQL SUM, without parsing every job's JSON
    3: """
        ALTER TABLE jobs ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
        UPDATE jobs SET demo = CASE WHEN json_extract(data, '$.demo') THEN 1 ELSE 0 END;
        CREATE INDEX jobs_finished ON jobs(finished_at);
    """,
}

_JOB_FIELDS = {f.name for f in fields(Job)}


def new_owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


def owner_alive(owner: str | None) -> bool | None:
    """Whether the process named by an owner id still runs (None: cannot tell)."""
    if not owner:
        return False
    try:
        host, pid, _ = owner.split(":")
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return None
    return True


def _job_from_row(data: str) -> Job:
    raw = json.loads(data)
    raw = {k: v for k, v in raw.items() if k in _JOB_FIELDS}
    raw["state"] = JobState(raw.get("state", "pending"))
    return Job(**raw)


class JobStore:
    """Jobs in SQLite. Every write is its own short transaction."""

    def __init__(self, path: str | os.PathLike, owner: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.owner = owner or new_owner_id()
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._migrate()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"The job database {self.path} was written by a newer Speech2Video Studio "
                f"(schema {version}); update the app to open it."
            )
        for v in range(version + 1, SCHEMA_VERSION + 1):
            with self._tx():
                for stmt in filter(str.strip, _MIGRATIONS[v].split(";")):
                    self._db.execute(stmt)
                self._db.execute(f"PRAGMA user_version={v}")

    def _tx(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, exc, tb):
                db.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()

    def close(self) -> None:
        self._db.close()

    # reading ---------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
        row = self._db.execute("SELECT data FROM jobs WHERE id=?", (job_id,)).fetchone()
        return _job_from_row(row[0]) if row else None

    def find(self, ref: str) -> Job | None:
        """A job by local id, request id, or a unique prefix of either."""
        row = self._db.execute(
            "SELECT data FROM jobs WHERE id=? OR request_id=?", (ref, ref)
        ).fetchone()
        if row:
            return _job_from_row(row[0])
        if len(ref) < 4:
            return None
        rows = self._db.execute(
            "SELECT data FROM jobs WHERE id LIKE ? OR request_id LIKE ? LIMIT 2",
            (ref + "%", ref + "%"),
        ).fetchall()
        return _job_from_row(rows[0][0]) if len(rows) == 1 else None

    def all(self, states: Iterable[JobState] | None = None, limit: int | None = None) -> list[Job]:
        sql, args = "SELECT data FROM jobs", []
        if states is not None:
            states = list(states)
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
            args += [s.value for s in states]
        sql += " ORDER BY created_at DESC, rowid DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_job_from_row(r[0]) for r in self._db.execute(sql, args)]

    def page(self, limit: int, after: Job | None = None) -> list[Job]:
        """The newest `limit` jobs older than `after` (newest first; None: from the top).

        Keyset paging: jobs added or deleted meanwhile never shift the next page.
        """
        sql, args = "SELECT data FROM jobs", []
        if after is not None:
            sql += " WHERE created_at < ? OR (created_at = ? AND id < ?)"
            args += [after.created_at, after.created_at, after.id]
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        return [_job_from_row(r[0]) for r in self._db.execute(sql, [*args, int(limit)])]

    def count(self) -> int:
        """How many jobs the store holds."""
        return self._db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]

    def unfinished(self) -> list[Job]:
        return self.all(set(JobState) - FINISHED)

    def changed_since(self, t: float) -> list[Job]:
        rows = self._db.execute(
            "SELECT data FROM jobs WHERE updated_at > ? ORDER BY updated_at", (t,)
        )
        return [_job_from_row(r[0]) for r in rows]

    def completed_with(self, fingerprint: str) -> Job | None:
        row = self._db.execute(
            "SELECT data FROM jobs WHERE fingerprint=? AND state='completed' LIMIT 1",
            (fingerprint,),
        ).fetchone()
        return _job_from_row(row[0]) if row else None

    def spent_since(self, t: float, demo: bool = False) -> float:
        """Dollars of jobs finished since `t` (demo jobs, or real ones)."""
        row = self._db.execute(
            "SELECT SUM(cost) FROM jobs WHERE cost IS NOT NULL AND finished_at >= ? AND demo = ?",
            (t, int(bool(demo))),
        ).fetchone()
        return float(row[0] or 0.0)

    def log(self, job_id: str) -> list[tuple[float, str, str | None]]:
        return list(
            self._db.execute(
                "SELECT t, what, detail FROM job_log WHERE job_id=? ORDER BY rowid", (job_id,)
            )
        )

    # writing ---------------------------------------------------------------
    def add(self, job: Job, fingerprint: str | None = None) -> Job:
        with self._tx():
            self._write(job, fingerprint=fingerprint, insert=True)
            self._note(job.id, "created", job.state.value)
        return job

    def save(self, job: Job, note: str | None = None) -> Job:
        """Store a job's fields (no state check: use `move` for state changes)."""
        job.updated_at = time.time()
        with self._tx():
            self._write(job)
            if note:
                self._note(job.id, note, None)
        return job

    def move(self, job: Job, to: JobState, note: str | None = None, **changes) -> Job:
        """Change a job's state along a named transition, with other fields at once.

        The stored state is re-read inside the transaction, so a cancel written by
        another process is never overwritten by a stale copy.
        """
        with self._tx():
            row = self._db.execute("SELECT state FROM jobs WHERE id=?", (job.id,)).fetchone()
            current = JobState(row[0]) if row else job.state
            if to != current and to not in TRANSITIONS[current]:
                raise TransitionError(f"job {job.id}: {current} -> {to} is not allowed")
            for k, v in changes.items():
                setattr(job, k, v)
            job.state = to
            job.updated_at = time.time()
            if to in FINISHED and job.finished_at is None:
                job.finished_at = job.updated_at
            self._write(job)
            self._note(job.id, f"{current.value}->{to.value}", note)
        return job

    def note(self, job_id: str, what: str, detail: str | None = None) -> None:
        with self._tx():
            self._note(job_id, what, detail)

    def delete(self, job_id: str) -> None:
        with self._tx():
            self._db.execute("DELETE FROM jobs WHERE id=?", (job_id,))
            self._db.execute("DELETE FROM job_log WHERE job_id=?", (job_id,))

    def _note(self, job_id: str, what: str, detail: str | None) -> None:
        self._db.execute(
            "INSERT INTO job_log(job_id, t, what, detail) VALUES (?,?,?,?)",
            (job_id, time.time(), what, detail),
        )

    def _write(self, job: Job, fingerprint: str | None = None, insert: bool = False) -> None:
        data = json.dumps(asdict(job), default=str)
        if insert:
            self._db.execute(
                "INSERT INTO jobs(id, state, request_id, created_at, updated_at, finished_at,"
                " cost, fingerprint, demo, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
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
                    data,
                ),
            )
        else:
            self._db.execute(
                "UPDATE jobs SET state=?, request_id=?, updated_at=?, finished_at=?, cost=?,"
                " demo=?, data=? WHERE id=?",
                (
                    job.state.value,
                    job.request_id,
                    job.updated_at,
                    job.finished_at,
                    job.cost,
                    int(bool(job.demo)),
                    data,
                    job.id,
                ),
            )

    # leases ----------------------------------------------------------------
    def acquire(self, job_id: str, seconds: float) -> bool:
        """Take the job for this process unless a live owner holds it."""
        return job_id in self.acquire_many([job_id], seconds)

    def acquire_many(self, job_ids: Iterable[str], seconds: float) -> set[str]:
        """Take several jobs in one transaction (one fsync); returns the ids taken."""
        job_ids = list(dict.fromkeys(job_ids))
        if not job_ids:
            return set()
        now = time.time()
        taken: set[str] = set()
        with self._tx():
            for start in range(0, len(job_ids), 500):  # SQLite's bound-parameter limit
                chunk = job_ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT id, owner, lease_until FROM jobs WHERE id IN ({marks})", chunk
                ).fetchall()
                for job_id, owner, until in rows:
                    held = owner and owner != self.owner and (until or 0) > now
                    if held and owner_alive(owner) is not False:
                        continue
                    taken.add(job_id)
            if taken:
                self._db.executemany(
                    "UPDATE jobs SET owner=?, lease_until=? WHERE id=?",
                    [(self.owner, now + seconds, job_id) for job_id in taken],
                )
        return taken

    def owner_of(self, job_id: str) -> str | None:
        """The live owner of a job's lease, or None."""
        row = self._db.execute(
            "SELECT owner, lease_until FROM jobs WHERE id=?", (job_id,)
        ).fetchone()
        if not row or not row[0] or (row[1] or 0) <= time.time():
            return None
        return None if owner_alive(row[0]) is False else row[0]

    def renew(self, seconds: float) -> None:
        with self._tx():
            self._db.execute(
                "UPDATE jobs SET lease_until=? WHERE owner=?", (time.time() + seconds, self.owner)
            )

    def release(self, job_id: str | None = None) -> None:
        with self._tx():
            if job_id is None:
                self._db.execute(
                    "UPDATE jobs SET owner=NULL, lease_until=NULL WHERE owner=?", (self.owner,)
                )
            else:
                self._db.execute(
                    "UPDATE jobs SET owner=NULL, lease_until=NULL WHERE id=? AND owner=?",
                    (job_id, self.owner),
                )
