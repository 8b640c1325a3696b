"""The queue as a table: one row per job, newest first; progress ticks touch single cells.

The model mirrors the engine's store; it never resets on a change. With a store (`load`) it
holds the newest jobs and every unfinished one at once, and reads older history in small
chunks: on demand (fetchMore, when the view scrolls there) and in idle time. Thumbnails are
decoded off the UI thread, once per image, already scaled, and shared between rows.
"""

from __future__ import annotations

import bisect
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QImage, QImageReader, QPixmap

from app.jobs.model import ACTIVE, Job, JobState
from app.ui.icons import icon

COL_THUMB, COL_PROMPT, COL_PARAMS, COL_STATE, COL_PROGRESS, COL_ELAPSED, COL_COST = range(7)
HEADERS = ("Portrait", "Prompt", "Settings", "State", "Progress", "Time", "Cost")
JobRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
ProgressRole = Qt.ItemDataRole.UserRole + 3  # 0..100, or -1 when no honest percentage exists
THUMB_HEIGHT = 40
DEMO_BADGE = "DEMO — simulated, not lip-synced"

STATE_WORDS = {
    JobState.pending: "Waiting",
    JobState.preparing: "Preparing",
    JobState.uploading: "Uploading",
    JobState.submitting: "Submitting",
    JobState.queued: "Queued",
    JobState.processing: "Processing",
    JobState.downloading: "Downloading",
    JobState.completed: "Completed",
    JobState.failed: "Failed",
    JobState.cancelled: "Cancelled",
    JobState.expired: "Expired",
    JobState.interrupted: "Interrupted",
}
_STATE_ICON = {
    JobState.completed: "completed",
    JobState.failed: "failed",
    JobState.expired: "warning",
    JobState.interrupted: "warning",
    JobState.cancelled: "cancel",
    JobState.pending: "waiting",
    JobState.queued: "waiting",
}
_ORDER = {s: i for i, s in enumerate(JobState)}
Idx = QModelIndex | QPersistentModelIndex


def mmss(seconds: float) -> str:
    m, s = divmod(int(max(0, seconds)), 60)
    return f"{m}:{s:02d}"


def _decode(path: str, height: int, ratio: float) -> QImage | None:
    """Read an image already scaled down to thumbnail size (runs on a worker thread)."""
    if "://" in path or not Path(path).is_file():
        return None
    reader = QImageReader(path)
    reader.setDecideFormatFromContent(True)
    size = reader.size()
    if size.isValid():
        target = int(height * ratio)
        reader.setScaledSize(
            size.scaled(QSize(target * 4, target), Qt.AspectRatioMode.KeepAspectRatio)
        )
    image = reader.read()
    return None if image.isNull() else image


class _Decoder(QObject):
    """One worker thread for thumbnails, shared by every cache and never deleted, so a
    decode that finishes after its model has gone has somewhere safe to report to."""

    decoded = Signal(str, object)  # path, QImage | None (queued to the UI thread)

    def __init__(self) -> None:
        super().__init__()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)  # one big PNG at a time: the other core stays free
        # One connection, to this immortal object; results are handed to the caches that
        # are still alive. (Connecting each cache directly left queued calls aimed at
        # caches whose window had been deleted: an occasional crash in the tests.)
        self.caches: weakref.WeakSet = weakref.WeakSet()
        self.decoded.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def _deliver(self, path: str, image) -> None:
        for cache in list(self.caches):
            if shiboken6.isValid(cache):
                cache._store(path, image)

    def start(self, path: str, height: int, ratio: float) -> None:
        self.pool.start(lambda: self.decoded.emit(path, _decode(path, height, ratio)))


_decoder: _Decoder | None = None


def _the_decoder() -> _Decoder:
    global _decoder
    if _decoder is None:
        _decoder = _Decoder()
    return _decoder


class ThumbnailCache(QObject):
    """Small, pre-scaled portraits by path: decoded once on a worker thread, then shared.

    `get` never blocks: it answers PENDING until the decode is done, then `ready(path)`
    fires (on the UI thread) and later calls answer the pixmap, or None if unreadable.
    """

    ready = Signal(str)
    PENDING = object()

    def __init__(self, height: int = THUMB_HEIGHT, ratio: float = 2.0, parent=None) -> None:
        super().__init__(parent)
        self.height, self.ratio = height, ratio
        self._pixmaps: dict[str, QPixmap | None] = {}
        self._pending: set[str] = set()
        self.decodes = 0
        self._decoder = _the_decoder()
        self._decoder.caches.add(self)

    def get(self, path: str):
        """The thumbnail, None (no picture: online or unreadable) or PENDING."""
        if path in self._pixmaps:
            return self._pixmaps[path]
        if "://" in path:
            self._pixmaps[path] = None
            return None
        if path not in self._pending:
            self._pending.add(path)
            self._decoder.start(path, self.height, self.ratio)
        return self.PENDING

    def _store(self, path: str, image: QImage | None) -> None:
        if path not in self._pending:  # another cache's picture
            return
        self._pending.discard(path)
        self.decodes += 1
        pix = None
        if image is not None:
            pix = QPixmap.fromImage(image)
            pix.setDevicePixelRatio(self.ratio)
        self._pixmaps[path] = pix
        self.ready.emit(path)

    def wait(self, msecs: int = 5000) -> bool:
        """Block until queued decodes are done (tests); results still arrive queued."""
        return self._decoder.pool.waitForDone(msecs)


class JobTableModel(QAbstractTableModel):
    """Jobs as rows (newest first). Update with `upsert`, `remove_job`, `set_progress`, `tick`."""

    def __init__(
        self,
        jobs: Iterable[Job] = (),
        parent=None,
        *,
        estimate: Callable[[str, int], float | None] | None = None,
        typical_seconds: Callable[[], float] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._row: dict[str, int] = {}
        self._active: set[str] = set()  # ids of unfinished jobs: ticks and counts stay O(active)
        self._progress: dict[str, tuple[str, int, int | None]] = {}
        self.estimate = estimate
        self.typical_seconds = typical_seconds or (lambda: 330.0)
        self.now = now
        self.thumbnails = ThumbnailCache(parent=self)
        self.thumbnails.ready.connect(self._thumbnail_ready)
        self._waiting_thumbs: dict[str, set[str]] = {}  # path -> ids of rows showing it
        self._url_icon: QIcon | None = None
        self._placeholder: QPixmap | None = None
        self._store = None  # the JobStore still holding older jobs, if any
        self._cursor: Job | None = None  # the oldest job read from the store so far
        self.chunk = 250
        self._idle = QTimer(self, singleShot=True, interval=15)
        self._idle.timeout.connect(self._fetch_in_idle_time)
        self.set_jobs(jobs)

    # -- shape ----------------------------------------------------------------
    def rowCount(self, parent: Idx = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: Idx = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def flags(self, index: Idx) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        job = self._jobs[index.row()]
        if job.state == JobState.completed and job.output_path:
            f |= Qt.ItemFlag.ItemIsDragEnabled
        return f

    # -- content --------------------------------------------------------------
    def job(self, row: int) -> Job:
        return self._jobs[row]

    def jobs(self) -> list[Job]:
        return list(self._jobs)

    def row_of(self, job_id: str) -> int | None:
        return self._row.get(job_id)

    def data(self, index: Idx, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._jobs):
            return None
        job, col = self._jobs[index.row()], index.column()
        if role == JobRole:
            return job
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(job, col)
        if role == SortRole:
            return self._sort_key(job, col)
        if role == ProgressRole:
            return self._percent(job)
        if role == Qt.ItemDataRole.DecorationRole:
            if col == COL_THUMB:
                return self._thumb(job)
            if col == COL_STATE:
                return icon(_STATE_ICON.get(job.state, "running"))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(job, col)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._text(job, col) or HEADERS[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_ELAPSED, COL_COST):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _thumb(self, job: Job):
        pix = self.thumbnails.get(job.image)
        if pix is ThumbnailCache.PENDING:
            self._waiting_thumbs.setdefault(job.image, set()).add(job.id)
            if self._placeholder is None:  # same size as a thumbnail: rows do not jump
                self._placeholder = QPixmap(THUMB_HEIGHT, THUMB_HEIGHT)
                self._placeholder.fill(QColor(0, 0, 0, 0))
            return self._placeholder
        if pix is not None:
            return pix
        if self._url_icon is None:
            self._url_icon = icon("link")
        return self._url_icon

    def _thumbnail_ready(self, path: str) -> None:
        for job_id in self._waiting_thumbs.pop(path, ()):
            row = self._row.get(job_id)
            if row is not None:
                idx = self.index(row, COL_THUMB)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])

    def _text(self, job: Job, col: int) -> str:
        if col == COL_THUMB:
            return ""
        if col == COL_PROMPT:
            first = job.prompt.splitlines()[0] if job.prompt else ""
            return f"[DEMO] {first}" if job.demo else first
        if col == COL_PARAMS:
            return f"{job.duration} s · {job.quality} · seed {job.seed}"
        if col == COL_STATE:
            word = STATE_WORDS.get(job.state, job.state.value)
            if job.attempt > 1 and job.state in ACTIVE:
                word += f" (attempt {job.attempt})"
            if job.demo and job.state == JobState.completed:
                word += " · simulated"
            return word
        if col == COL_PROGRESS:
            return self._progress_text(job)
        if col == COL_ELAPSED:
            return self._elapsed_text(job)
        if col == COL_COST:
            if job.cost is not None:
                return f"${job.cost:.2f}"
            est = self.estimate(job.quality, job.duration) if self.estimate else None
            if est is None or job.state in (JobState.failed, JobState.cancelled):
                return "—"
            return f"~${est:.2f}"
        return ""

    def _percent(self, job: Job) -> int:
        if job.state == JobState.completed:
            return 100
        p = self._progress.get(job.id)
        if p and p[2] and job.state in (JobState.uploading, JobState.downloading):
            return int(100 * p[1] / p[2])
        return -1

    def _progress_text(self, job: Job) -> str:
        if job.state == JobState.completed:
            return "Done"
        if job.state.finished:
            return job.error_code.replace("_", " ") if job.error_code else ""
        pct = self._percent(job)
        if pct >= 0:
            return f"{pct}%"
        p = self._progress.get(job.id)
        if p and job.state in (JobState.uploading, JobState.downloading):
            return f"{p[1] / 1e6:.1f} MB"
        if job.state == JobState.processing:
            return "Rendering"
        if job.state == JobState.queued:
            return "In Segmind's queue"
        return "…"

    def _elapsed(self, job: Job) -> float:
        start = job.submitted_at or job.created_at
        end = job.finished_at if job.state.finished else None
        return (end or (self.now() if job.state in ACTIVE else job.updated_at)) - start

    def _elapsed_text(self, job: Job) -> str:
        elapsed = self._elapsed(job)
        if job.state in (JobState.queued, JobState.processing):
            return f"{mmss(elapsed)} of ~{mmss(self.typical_seconds())}"
        return mmss(elapsed)

    def _sort_key(self, job: Job, col: int):
        if col == COL_THUMB:
            return job.created_at
        if col == COL_PROMPT:
            return job.prompt.casefold()
        if col == COL_PARAMS:
            return job.duration * 10 + (0 if job.quality == "high" else 1)
        if col == COL_STATE:
            return _ORDER[job.state]
        if col == COL_PROGRESS:
            return self._percent(job)
        if col == COL_ELAPSED:
            return self._elapsed(job)
        if col == COL_COST:
            return job.cost if job.cost is not None else -1.0
        return None

    def _tooltip(self, job: Job, col: int) -> str | None:
        lines = []
        if job.demo:
            lines.append(DEMO_BADGE)
        if col == COL_PROMPT:
            lines.append(job.prompt)
        elif col == COL_THUMB:
            lines.append(f"{job.image}\n{job.audio}")
        elif col in (COL_STATE, COL_PROGRESS) and job.error_message:
            lines.append(job.error_message)
        elif col == COL_ELAPSED and job.state in (JobState.queued, JobState.processing):
            lines.append(
                "Segmind says only 'processing': the time is measured, not a "
                "percentage. Typical jobs take about "
                f"{mmss(self.typical_seconds())}."
            )
        if job.request_id and col == COL_STATE:
            lines.append(f"Request {job.request_id}")
        return "\n".join(lines) or None

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

    def canFetchMore(self, parent: Idx = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._store is not None

    def fetchMore(self, parent: Idx = QModelIndex()) -> None:  # noqa: N802, B008
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

    def upsert(self, job: Job) -> None:
        """Add a new job on top, or replace a known one and signal only the cells that changed."""
        row = self._row.get(job.id)
        if row is None:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._jobs.insert(0, job)
            self._reindex()
            self.endInsertRows()
            return
        old = self._jobs[row]
        self._jobs[row] = job
        if job.state in ACTIVE:
            self._active.add(job.id)
        else:
            self._active.discard(job.id)
        if job.state != old.state and job.state not in (JobState.uploading, JobState.downloading):
            self._progress.pop(job.id, None)
        cols = self._changed_columns(old, job)
        if cols:
            self.dataChanged.emit(self.index(row, min(cols)), self.index(row, max(cols)))

    @staticmethod
    def _changed_columns(old: Job, new: Job) -> list[int]:
        cols = set()
        if old.image != new.image:
            cols.add(COL_THUMB)
        if old.prompt != new.prompt or old.demo != new.demo:
            cols.add(COL_PROMPT)
        if (old.duration, old.quality, old.seed) != (new.duration, new.quality, new.seed):
            cols |= {COL_PARAMS, COL_COST}
        if (old.state, old.attempt, old.request_id, old.error_message) != (
            new.state,
            new.attempt,
            new.request_id,
            new.error_message,
        ):
            cols |= {COL_STATE, COL_PROGRESS, COL_ELAPSED, COL_COST}
        if (old.submitted_at, old.finished_at) != (new.submitted_at, new.finished_at):
            cols.add(COL_ELAPSED)
        if old.cost != new.cost:
            cols.add(COL_COST)
        if old.output_path != new.output_path:
            cols.add(COL_PROGRESS)
        return sorted(cols)

    def remove_job(self, job_id: str) -> None:
        row = self._row.get(job_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._jobs[row]
        self._progress.pop(job_id, None)
        self._reindex()
        self.endRemoveRows()

    def set_progress(self, job_id: str, phase: str, done: int, total: int | None) -> None:
        """Bytes moved for an upload or download: one cell changes."""
        row = self._row.get(job_id)
        if row is None:
            return
        self._progress[job_id] = (phase, done, total)
        idx = self.index(row, COL_PROGRESS)
        self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DisplayRole, ProgressRole])

    def active_rows(self) -> list[int]:
        return sorted(self._row[i] for i in self._active if i in self._row)

    def tick(self) -> int:
        """The clock moved: repaint the elapsed time of active rows only. Returns rows touched."""
        rows = self.active_rows()
        runs: list[list[int]] = []  # one signal per run of adjacent rows, not one per row
        for r in rows:
            if runs and runs[-1][1] == r - 1:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        for top, bottom in runs:
            self.dataChanged.emit(
                self.index(top, COL_ELAPSED),
                self.index(bottom, COL_ELAPSED),
                [Qt.ItemDataRole.DisplayRole, SortRole],
            )
        return len(rows)

    def counts(self) -> dict[str, int]:
        """Jobs running at Segmind or on the way there, and waiting for their turn."""
        states = [self._jobs[self._row[i]].state for i in self._active if i in self._row]
        waiting = sum(1 for s in states if s == JobState.pending)
        return {"running": len(states) - waiting, "queued": waiting}


FILTERS = {
    "All jobs": None,
    "Active": ACTIVE,
    "Completed": frozenset({JobState.completed}),
    "Failed or stopped": frozenset(
        {JobState.failed, JobState.cancelled, JobState.expired, JobState.interrupted}
    ),
}


class JobFilterProxy(QSortFilterProxyModel):
    """Filter by state group and search the prompt; sorts by SortRole."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._states: frozenset[JobState] | None = None
        self._search = ""
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    def _refilter(self, change) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+: invalidateFilter is deprecated
            self.beginFilterChange()
            change()
            self.endFilterChange()
        else:
            change()
            self.invalidateFilter()

    def set_states(self, states: frozenset[JobState] | None) -> None:
        self._refilter(lambda: setattr(self, "_states", states))

    def set_search(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_search", text.strip().casefold()))

    def filterAcceptsRow(self, row: int, parent: Idx) -> bool:  # noqa: N802
        job = self.sourceModel().index(row, 0, parent).data(JobRole)
        if job is None:
            return False
        if self._states is not None and job.state not in self._states:
            return False
        return not self._search or self._search in job.prompt.casefold()
