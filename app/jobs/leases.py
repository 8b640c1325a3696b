"""Leases and requests: which process drives a job, and what others ask of it.

A lease is an owner id (host:pid:random) and an expiry in the job's row. The owner
renews it; another process may take it once it lapses or its owner has died. A
process that does not hold a job's lease records a request (`requested`) instead of
changing the job; the owner carries it out on its next heartbeat.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable

# a row this process may write: nobody's, ours, or its holder's lease lapsed or died
WRITABLE = "(owner IS NULL OR owner = :me OR COALESCE(lease_until, 0) <= :now OR owner_gone(owner))"


class LeaseLost(RuntimeError):
    """Another live process holds this job's lease: only it may change the job."""


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


class Leases:
    """The lease half of JobStore (it provides `_db`, `_tx`, `_note` and `owner`)."""

    owner: str

    def _who(self) -> dict:
        return {"me": self.owner, "now": time.time()}

    def acquire(self, job_id: str, seconds: float) -> bool:
        """Take the job for this process unless a live owner holds it."""
        return job_id in self.acquire_many([job_id], seconds)

    def acquire_many(self, job_ids: Iterable[str], seconds: float) -> set[str]:
        """Take several jobs in one transaction (one fsync); returns the ids taken."""
        job_ids = list(dict.fromkeys(job_ids))
        taken: set[str] = set()
        with self._tx():
            for start in range(0, len(job_ids), 500):  # SQLite's bound-parameter limit
                taken |= self._take(job_ids[start : start + 500], seconds)
        return taken

    def _take(self, chunk: list[str], seconds: float) -> set[str]:
        ids = {f"j{i}": job_id for i, job_id in enumerate(chunk)}
        who = self._who()
        rows = self._db.execute(
            f"SELECT id, owner FROM jobs WHERE id IN ({','.join(':' + k for k in ids)})"
            f" AND {WRITABLE}",
            {**ids, **who},
        ).fetchall()
        for job_id, owner in rows:
            if owner and owner != self.owner:
                self._note(job_id, "taken over", f"from {owner}")
        self._db.executemany(
            "UPDATE jobs SET owner=?, lease_until=? WHERE id=?",
            [(self.owner, who["now"] + seconds, r[0]) for r in rows],
        )
        return {r[0] for r in rows}

    def claim(self, job_id: str, what: str, seconds: float) -> str:
        """Before changing a job from outside its runner: "held" (this process holds it),
        "taken" (nobody did: now this process does) or "requested" (a live process holds
        it: `what` is recorded for that owner to carry out)."""
        with self._tx():
            row = self._db.execute("SELECT owner FROM jobs WHERE id=?", (job_id,)).fetchone()
            if row is not None and row[0] == self.owner:
                return "held"
            if self._take([job_id], seconds):
                return "taken"
            self._db.execute(
                "UPDATE jobs SET requested=?, updated_at=? WHERE id=?", (what, time.time(), job_id)
            )
            self._note(job_id, "requested", what)
            return "requested"

    def request(self, job_id: str, what: str | None) -> None:
        """Record (or with None, clear) a request for the job's owner."""
        with self._tx():
            self._db.execute(
                "UPDATE jobs SET requested=?, updated_at=? WHERE id=?", (what, time.time(), job_id)
            )

    def requests(self) -> list[tuple[str, str, bool]]:
        """(job id, request, held here) for jobs this process holds, and for jobs nobody
        alive holds (their owner died or stopped renewing)."""
        rows = self._db.execute(
            "SELECT id, requested, owner = :me FROM jobs WHERE requested IS NOT NULL AND "
            + WRITABLE,
            self._who(),
        )
        return [(r[0], r[1], bool(r[2])) for r in rows]

    def owner_of(self, job_id: str) -> str | None:
        """The live owner of a job's lease, or None."""
        row = self._db.execute(
            "SELECT owner, lease_until FROM jobs WHERE id=?", (job_id,)
        ).fetchone()
        if not row or not row[0] or (row[1] or 0) <= time.time():
            return None
        return None if owner_alive(row[0]) is False else row[0]

    def lease_lost(self, job_id: str) -> bool:
        """Whether another process has taken this job's lease from this one."""
        row = self._db.execute("SELECT owner FROM jobs WHERE id=?", (job_id,)).fetchone()
        return row is not None and row[0] is not None and row[0] != self.owner

    def renew(self, seconds: float) -> set[str]:
        """Extend this process's leases; returns the ids it still holds."""
        with self._tx():
            self._db.execute(
                "UPDATE jobs SET lease_until=? WHERE owner=?", (time.time() + seconds, self.owner)
            )
            rows = self._db.execute("SELECT id FROM jobs WHERE owner=?", (self.owner,))
            return {r[0] for r in rows}

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
