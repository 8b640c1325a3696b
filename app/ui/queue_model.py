"""The queue as a table: one row per job, newest first; progress ticks touch single cells.

The model mirrors the engine's store (engine.jobs()); it never resets on a change. Thumbnails
are decoded once per image, already scaled, and shared between rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QUrl,
)
from PySide6.QtGui import QIcon, QImageReader, QPixmap

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


class ThumbnailCache:
    """Small, pre-scaled portraits by path: decoded once, reused by every row and repaint."""

    def __init__(self, height: int = THUMB_HEIGHT, ratio: float = 2.0) -> None:
        self.height, self.ratio = height, ratio
        self._pixmaps: dict[str, QPixmap | None] = {}
        self.decodes = 0

    def get(self, path: str) -> QPixmap | None:
        if path in self._pixmaps:
            return self._pixmaps[path]
        pix = None
        if "://" not in path and Path(path).is_file():
            reader = QImageReader(path)
            reader.setDecideFormatFromContent(True)
            size = reader.size()
            if size.isValid():
                target = int(self.height * self.ratio)
                reader.setScaledSize(
                    size.scaled(QSize(target * 4, target), Qt.AspectRatioMode.KeepAspectRatio)
                )
            image = reader.read()
            self.decodes += 1
            if not image.isNull():
                pix = QPixmap.fromImage(image)
                pix.setDevicePixelRatio(self.ratio)
        self._pixmaps[path] = pix
        return pix


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
        self._progress: dict[str, tuple[str, int, int | None]] = {}
        self.estimate = estimate
        self.typical_seconds = typical_seconds or (lambda: 330.0)
        self.now = now
        self.thumbnails = ThumbnailCache()
        self._url_icon: QIcon | None = None
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
        if pix is not None:
            return pix
        if self._url_icon is None:
            self._url_icon = icon("link")
        return self._url_icon

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
            self._jobs, self._row = [], {}
            self.endRemoveRows()
        if jobs:
            self.beginInsertRows(QModelIndex(), 0, len(jobs) - 1)
            self._jobs = jobs
            self._reindex()
            self.endInsertRows()

    def _reindex(self) -> None:
        self._row = {j.id: i for i, j in enumerate(self._jobs)}

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
        return [i for i, j in enumerate(self._jobs) if j.state in ACTIVE]

    def tick(self) -> int:
        """The clock moved: repaint the elapsed time of active rows only. Returns rows touched."""
        rows = self.active_rows()
        for r in rows:
            idx = self.index(r, COL_ELAPSED)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DisplayRole, SortRole])
        return len(rows)

    def counts(self) -> dict[str, int]:
        """Jobs running at Segmind or on the way there, and waiting for their turn."""
        running = sum(1 for j in self._jobs if j.state in ACTIVE and j.state != JobState.pending)
        waiting = sum(1 for j in self._jobs if j.state == JobState.pending)
        return {"running": running, "queued": waiting}


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
