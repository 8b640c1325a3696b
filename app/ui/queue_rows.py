"""The rows of the queue: which jobs it holds, newest first, and how they change.

With a store (`load`) it holds the newest jobs and every unfinished one at once, and
reads older history in small chunks: on demand (fetchMore, when the view scrolls there)
and in idle time. Rows change one at a time (never a reset); app.ui.queue_model says what
each row shows.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
)

from app.jobs.model import ACTIVE, Job, JobState

Idx = QModelIndex | QPersistentModelIndex


class JobRows(QAbstractTableModel):
    """Jobs as rows, newest first, with the store's older history read in chunks."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._row: dict[str, int] = {}
        self._active: set[str] = set()  # ids of unfinished jobs: ticks and counts stay O(active)
        self._store = None  # the JobStore still holding older jobs, if any
        self._cursor: Job | None = None  # the oldest job read from the store so far
        self.chunk = 250
        self._idle = QTimer(self, singleShot=True, interval=15)
        self._idle.timeout.connect(self._fetch_in_idle_time)

    def rowCount(self, parent: Idx = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._jobs)

    def job(self, row: int) -> Job:
        return self._jobs[row]

    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def row_of(self, job_id: str) -> int | None:
        return self._row.get(job_id)

    def find(self, job_id: str) -> Job | None:
        row = self._row.get(job_id)
        return None if row is None else self._jobs[row]

    def flags(self, index: Idx) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        job = self._jobs[index.row()]
        if job.state == JobState.completed and job.output_path:
            f |= Qt.ItemFlag.ItemIsDragEnabled
        return f

    # -- drag a finished video out ------------------------------------------
    def mimeTypes(self) -> list[str]:  # noqa: N802
        return ["text/uri-list"]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802
        rows = sorted({i.row() for i in indexes if i.isValid()})
        urls = [
            QUrl.fromLocalFile(self._jobs[r].output_path)
            for r in rows
            if self._jobs[r].state == JobState.completed and self._jobs[r].output_path
        ]
        mime = QMimeData()
        mime.setUrls(urls)
        return mime

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.CopyAction

    # -- updates: never a reset ----------------------------------------------
    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """Load the store's jobs (initial fill); later changes go through upsert."""
        jobs = list(jobs)
        if self._jobs:
            self.beginRemoveRows(QModelIndex(), 0, len(self._jobs) - 1)
            self._jobs, self._row, self._active = [], {}, set()
            self.endRemoveRows()
        if jobs:
            self.beginInsertRows(QModelIndex(), 0, len(jobs) - 1)
            self._jobs = jobs
            self._reindex()
            self.endInsertRows()

    def _reindex(self) -> None:
        self._row = {j.id: i for i, j in enumerate(self._jobs)}
        self._active = {j.id for j in self._jobs if j.state in ACTIVE}

    def load(self, store, first: int = 200, background: bool = True) -> None:
        """Show the newest `first` jobs and every unfinished one now; read the rest later.

        Older jobs come in chunks of `chunk`: when the view asks (fetchMore) and, with
        `background`, in idle time, so the whole history is there for search and filters.
        """
        head = store.page(first)
        known = {j.id for j in head}
        older = [j for j in store.unfinished() if j.id not in known]
        self._store = store if len(head) == first else None
        self._cursor = head[-1] if head else None
        self.set_jobs(sorted(head + older, key=lambda j: j.created_at, reverse=True))
        if background and self._store is not None:
            self._idle.start()

    def loading(self) -> bool:
        """Whether older jobs are still to be read from the store."""
        return self._store is not None

    def canFetchMore(self, parent: Idx = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and self._store is not None

    def fetchMore(self, parent: Idx = QModelIndex()) -> None:  # noqa: N802
        """Read the next chunk of older jobs from the store."""
        if parent.isValid() or self._store is None:
            return
        try:
            page = self._store.page(self.chunk, after=self._cursor)
        except Exception:  # noqa: BLE001 - a store closed while quitting: stop reading
            page = []
        if len(page) < self.chunk:
            self._store = None
            self._idle.stop()
        if page:
            self._cursor = page[-1]
            self._insert_sorted([j for j in page if j.id not in self._row])

    def _fetch_in_idle_time(self) -> None:
        self.fetchMore()
        if self._store is not None:
            self._idle.start()

    def _insert_sorted(self, jobs: list[Job]) -> None:
        """Insert jobs (newest first) at their places by creation time, in contiguous runs."""
        runs: list[tuple[int, list[Job]]] = []
        for job in jobs:
            pos = bisect.bisect_left(self._jobs, -job.created_at, key=lambda j: -j.created_at)
            if runs and runs[-1][0] == pos:
                runs[-1][1].append(job)
            else:
                runs.append((pos, [job]))
        for pos, run in reversed(runs):  # from the bottom: earlier positions stay valid
            self.beginInsertRows(QModelIndex(), pos, pos + len(run) - 1)
            self._jobs[pos:pos] = run
            self._reindex()
            self.endInsertRows()

    def _put(self, job: Job) -> tuple[Job, int] | None:
        """Add a new job on top (None), or replace a known one: (the old job, its row)."""
        row = self._row.get(job.id)
        if row is None:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._jobs.insert(0, job)
            self._reindex()
            self.endInsertRows()
            return None
        old = self._jobs[row]
        self._jobs[row] = job
        if job.state in ACTIVE:
            self._active.add(job.id)
        else:
            self._active.discard(job.id)
        return old, row

    def _forget(self, job_id: str) -> None:
        """A row left: drop what is kept about it besides the job (subclasses)."""

    def remove_job(self, job_id: str) -> None:
        row = self._row.get(job_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._jobs[row]
        self._forget(job_id)
        self._reindex()
        self.endRemoveRows()

    def active_rows(self) -> list[int]:
        return sorted(self._row[i] for i in self._active if i in self._row)

    def counts(self) -> dict[str, int]:
        """Jobs running at Segmind or on the way there, and waiting for their turn."""
        states = [self._jobs[self._row[i]].state for i in self._active if i in self._row]
        waiting = sum(1 for s in states if s == JobState.pending)
        return {"running": len(states) - waiting, "queued": waiting}
