"""The store's list queries for faces that follow it: paging, and what changed since.

Mixed into JobStore; every query reads the `listed` view (hidden jobs never show).
"""

from __future__ import annotations

import sqlite3

from app.jobs.model import Job
from app.jobs.schema import JOB_COLUMNS, job_from_row

_SELECT = f"SELECT {JOB_COLUMNS} FROM listed"


class ListQueries:
    _db: sqlite3.Connection

    def page(self, limit: int, after: Job | None = None) -> list[Job]:
        """The newest `limit` jobs older than `after` (newest first; None: from the top).

        Keyset paging: jobs added or hidden meanwhile never shift the next page.
        """
        sql, args = _SELECT, []
        if after is not None:
            sql += " WHERE created_at < ? OR (created_at = ? AND id < ?)"
            args += [after.created_at, after.created_at, after.id]
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        return [job_from_row(r) for r in self._db.execute(sql, [*args, int(limit)])]

    def parts(self, job_id: str) -> list[Job]:
        """A long video's parts, in order (empty for an ordinary job)."""
        rows = self._db.execute(
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE parent_id=? ORDER BY part_index", (job_id,)
        )
        return [job_from_row(r) for r in rows]

    def changed_since(self, t: float) -> list[Job]:
        rows = self._db.execute(f"{_SELECT} WHERE updated_at > ? ORDER BY updated_at", (t,))
        return [job_from_row(r) for r in rows]

    def listed_since(self, t: float) -> dict[str, float]:
        """Jobs that joined the list after `t` (added or restored): id -> when."""
        rows = self._db.execute("SELECT id, listed_at FROM listed WHERE listed_at > ?", (t,))
        return dict(rows.fetchall())

    def hidden_since(self, t: float) -> dict[str, float]:
        """Jobs hidden after `t` (by any process): id -> when."""
        rows = self._db.execute(
            "SELECT id, updated_at FROM jobs WHERE hidden = 1 AND updated_at > ?", (t,)
        )
        return dict(rows.fetchall())

    def stamps(self, job_id: str) -> tuple[float | None, float | None]:
        """(when it joined the list, when it was hidden or None): the keys of
        listed_since and hidden_since."""
        row = self._db.execute(
            "SELECT listed_at, CASE WHEN hidden THEN updated_at END FROM jobs WHERE id=?",
            (job_id,),
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)
