"""The rows of the queue: which jobs it holds, newest first, grouped by batch, and how they
change.

A row is a job or a batch's header (app.ui.queue_groups.GroupRow); a batch's jobs stand
under their header, oldest first, wherever the header is, even when other jobs came in
between; a collapsed group's jobs leave the table (they stay known: `find`, `counts`).
With a store (`load`) it holds the newest jobs and every unfinished one at once, and
reads older history in small chunks: on demand (fetchMore, when the view scrolls there)
and in idle time. Rows change in runs of inserted or removed rows (never a reset);
app.ui.queue_model says what each row shows.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

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
from app.ui.queue_groups import GroupRow

Idx = QModelIndex | QPersistentModelIndex
Entry = Job | GroupRow


def _batch(job: Job) -> str | None:
    return getattr(job, "batch_id", None)


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Sorted positions as (first, last) runs of adjacent ones."""
    runs: list[list[int]] = []
    for p in positions:
        if runs and runs[-1][1] == p - 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return [(a, b) for a, b in runs]


class JobRows(QAbstractTableModel):
    """Jobs as rows, newest first, batches as groups, older history read in chunks."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Entry] = []  # what the table shows, top to bottom
        self._top: list[Entry] = []  # loose jobs and groups, newest first
        self._all: dict[str, Job] = {}  # every job held, shown or in a collapsed group
        self._groups: dict[str, GroupRow] = {}
        self._collapsed: set[str] = set()  # batch ids, kept across set_jobs
        self._row: dict[str, int] = {}  # job id or GroupRow.id -> row
        self._active: set[str] = set()  # ids of unfinished jobs: ticks and counts stay O(active)
        self._store = None  # the JobStore still holding older jobs, if any
        self._cursor: Job | None = None  # the oldest job read from the store so far
        self.chunk = 250
        self._idle = QTimer(self, singleShot=True, interval=15)
        self._idle.timeout.connect(self._fetch_in_idle_time)

    def rowCount(self, parent: Idx = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def entry(self, row: int) -> Entry:
        return self._rows[row]

    def job(self, row: int) -> Job | None:
        """The job of this row (None on a batch's header row)."""
        e = self._rows[row]
        return e if isinstance(e, Job) else None

    def jobs(self) -> list[Job]:
        """Every job held, shown or in a collapsed group."""
        return list(self._all.values())

    def row_of(self, job_id: str) -> int | None:
        """The row of a shown job (None: unknown, or in a collapsed group)."""
        return self._row.get(job_id)

    def find(self, job_id: str) -> Job | None:
        return self._all.get(job_id)

    # -- groups ---------------------------------------------------------------
    def group(self, batch_id: str) -> GroupRow | None:
        return self._groups.get(batch_id)

    def has_groups(self) -> bool:
        return bool(self._groups)

    def groups(self) -> list[GroupRow]:
        return [e for e in self._top if isinstance(e, GroupRow)]

    def group_jobs(self, batch_id: str) -> list[Job]:
        """The jobs of a batch the queue holds, oldest first."""
        g = self._groups.get(batch_id)
        return [self._all[i] for i in g.members] if g else []

    def header_row(self, batch_id: str) -> int | None:
        return self._row.get("batch:" + batch_id)

    def is_collapsed(self, batch_id: str) -> bool:
        return batch_id in self._collapsed

    def set_collapsed(self, batch_id: str, collapsed: bool) -> None:
        """Hide (or show again) a group's job rows; the header row stays."""
        g = self._groups.get(batch_id)
        if g is None or g.collapsed == collapsed:
            return
        (self._collapsed.add if collapsed else self._collapsed.discard)(batch_id)
        self._change(lambda: setattr(g, "collapsed", collapsed))
        row = self.header_row(batch_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, 0))

    def toggle(self, batch_id: str) -> None:
        self.set_collapsed(batch_id, not self.is_collapsed(batch_id))

    def _group_changed(self, batch_id: str) -> None:
        """A member came, changed or left: the header's words (subclasses)."""

    def flags(self, index: Idx) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        job = self._rows[index.row()]
        if isinstance(job, Job) and job.state == JobState.completed and job.output_path:
            f |= Qt.ItemFlag.ItemIsDragEnabled
        return f

    # -- drag a finished video out ------------------------------------------
    def mimeTypes(self) -> list[str]:  # noqa: N802
        return ["text/uri-list"]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802
        rows = sorted({i.row() for i in indexes if i.isValid()})
        jobs = [self._rows[r] for r in rows]
        urls = [
            QUrl.fromLocalFile(j.output_path)
            for j in jobs
            if isinstance(j, Job) and j.state == JobState.completed and j.output_path
        ]
        mime = QMimeData()
        mime.setUrls(urls)
        return mime

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.CopyAction

    # -- the layout: from loose jobs and groups to rows ------------------------
    def _layout(self) -> list[Entry]:
        rows: list[Entry] = []
        for e in self._top:
            if isinstance(e, Job):
                rows.append(self._all[e.id])  # the latest version of a loose job
                continue
            rows.append(e)
            if not e.collapsed:
                rows.extend(self._all[i] for i in e.members)
        return rows

    def _reindex(self) -> None:
        self._row = {e.id: i for i, e in enumerate(self._rows)}

    def _change(self, mutate: Callable[[], None]) -> None:
        """Change loose jobs and groups, then move the rows there in runs of removed and
        inserted rows (the order of the rows that stay never changes here)."""
        mutate()
        new = self._layout()
        keep = {e.id for e in new}
        gone = [i for i, e in enumerate(self._rows) if e.id not in keep]
        for a, b in reversed(_runs(gone)):  # from the bottom: earlier positions stay valid
            self.beginRemoveRows(QModelIndex(), a, b)
            del self._rows[a : b + 1]
            self._reindex()
            self.endRemoveRows()
        if [e.id for e in self._rows] != [e.id for e in new if e.id in self._row]:
            self._move_back(new)  # not expected: the order of remaining rows changed
            return
        old = set(self._row)
        added = [i for i, e in enumerate(new) if e.id not in old]
        for a, b in _runs(added):  # from the top: the rows above are already in place
            self.beginInsertRows(QModelIndex(), a, b)
            self._rows[a:a] = new[a : b + 1]
            self._reindex()
            self.endInsertRows()
        self._rows = new  # the same rows, with the latest job objects
        self._reindex()

    def _move_back(self, new: list[Entry]) -> None:
        """Fallback: take out every row from the first difference and put the new ones in."""
        first = next(
            (i for i, (a, b) in enumerate(zip(self._rows, new, strict=False)) if a.id != b.id),
            min(len(self._rows), len(new)),
        )
        if first < len(self._rows):
            self.beginRemoveRows(QModelIndex(), first, len(self._rows) - 1)
            del self._rows[first:]
            self._reindex()
            self.endRemoveRows()
        if first < len(new):
            self.beginInsertRows(QModelIndex(), first, len(new) - 1)
            self._rows = list(new)
            self._reindex()
            self.endInsertRows()

    def _add(self, job: Job, on_top: bool) -> None:
        """Hold a new job: loose (on top, or by its time) or in its batch's group."""
        self._all[job.id] = job
        if job.state in ACTIVE:
            self._active.add(job.id)
        bid = _batch(job)
        if bid is None:
            self._place(job, job.created_at, on_top)
            return
        g = self._groups.get(bid)
        if g is None:
            g = GroupRow(bid, job.created_at, collapsed=bid in self._collapsed)
            self._groups[bid] = g
            self._place(g, job.created_at, on_top)
        g.created_at = max(g.created_at, job.created_at)
        at = bisect.bisect_right(g.members, job.created_at, key=lambda i: self._all[i].created_at)
        g.members.insert(at, job.id)

    def _place(self, entry: Entry, created_at: float, on_top: bool) -> None:
        if on_top:
            self._top.insert(0, entry)
        else:
            at = bisect.bisect_left(self._top, -created_at, key=lambda e: -e.created_at)
            self._top.insert(at, entry)

    def _drop(self, job_id: str) -> None:
        """Forget a job: its row, and its group when it was the last one."""
        job = self._all.pop(job_id)
        self._active.discard(job_id)
        g = self._groups.get(_batch(job) or "")
        if g is not None and job_id in g.members:
            g.members.remove(job_id)
            if not g.members:
                del self._groups[g.batch_id]
                self._top.pop(self._top_index(g.id))
        else:
            self._top.pop(self._top_index(job_id))

    def _top_index(self, key: str) -> int:
        return next(i for i, e in enumerate(self._top) if e.id == key)

    # -- updates: never a reset ----------------------------------------------
    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """Load the store's jobs, newest first (initial fill); later changes go through upsert."""
        jobs = list(jobs)
        if self._rows:
            self.beginRemoveRows(QModelIndex(), 0, len(self._rows) - 1)
            self._rows, self._row, self._top, self._all, self._groups = [], {}, [], {}, {}
            self._active = set()
            self.endRemoveRows()
        if jobs:
            for job in jobs:
                self._add(job, on_top=False)
            rows = self._layout()
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            self._rows = rows
            self._reindex()
            self.endInsertRows()

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
            self._insert_sorted([j for j in page if j.id not in self._all])

    def _fetch_in_idle_time(self) -> None:
        self.fetchMore()
        if self._store is not None:
            self._idle.start()

    def _insert_sorted(self, jobs: list[Job]) -> None:
        """Insert jobs (newest first) at their places by creation time, in contiguous runs."""
        if not jobs:
            return
        batches = {b for b in map(_batch, jobs) if b and b in self._groups}
        self._change(lambda: [self._add(j, on_top=False) for j in jobs])
        for bid in batches:
            self._group_changed(bid)

    def _put(self, job: Job) -> tuple[Job, int | None] | None:
        """Add a new job (None), or replace a known one: (the old job, its row or None
        when its group is collapsed). A job that changed batch moves to its group."""
        old = self._all.get(job.id)
        if old is None or _batch(old) != _batch(job):
            if old is not None:
                self._change(lambda: self._drop(job.id))
                self._forget_old_group(old)
            self._change(lambda: self._add(job, on_top=True))
            if _batch(job):
                self._group_changed(_batch(job))
            return None
        self._all[job.id] = job
        row = self._row.get(job.id)  # None: in a collapsed group
        if row is not None:
            self._rows[row] = job
        if job.state in ACTIVE:
            self._active.add(job.id)
        else:
            self._active.discard(job.id)
        return old, row

    def _forget_old_group(self, old: Job) -> None:
        if _batch(old) and _batch(old) in self._groups:
            self._group_changed(_batch(old))

    def _forget(self, job_id: str) -> None:
        """A row left: drop what is kept about it besides the job (subclasses)."""

    def remove_job(self, job_id: str) -> None:
        job = self._all.get(job_id)
        if job is None:
            return
        self._change(lambda: self._drop(job_id))
        self._forget(job_id)
        bid = _batch(job)
        if bid and bid in self._groups:
            self._group_changed(bid)

    def active_rows(self) -> list[int]:
        """Rows of the unfinished jobs shown (not those in collapsed groups)."""
        return sorted(r for r in (self._row.get(i) for i in self._active) if r is not None)

    def counts(self) -> dict[str, int]:
        """Jobs running at Segmind or on the way there, and waiting for their turn."""
        states = [self._all[i].state for i in self._active if i in self._all]
        waiting = sum(1 for s in states if s == JobState.pending)
        return {"running": len(states) - waiting, "queued": waiting}
