"""What each row of the queue shows: columns, roles, and the cells a change touches.

The rows themselves (newest first, older history in chunks) are app.ui.queue_rows; the
words come from app.ui.queue_text; pictures (the portrait, a finished video's first frame)
from a ThumbnailCache, decoded off the UI thread. A progress tick touches single cells.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPixmap

from app.jobs.model import ACTIVE, Job, JobState
from app.ui import queue_text as words
from app.ui.icons import icon
from app.ui.queue_group_cells import GroupCells
from app.ui.queue_groups import GroupRow
from app.ui.queue_rows import JobRows
from app.ui.queue_text import DEMO_BADGE, STATE_WORDS, mmss  # noqa: F401 - re-exported
from app.ui.thumbnails import IMAGE, VIDEO, ThumbnailCache

COL_THUMB, COL_PROMPT, COL_PARAMS, COL_STATE, COL_PROGRESS, COL_ELAPSED, COL_COST = range(7)
HEADERS = ("Result", "Prompt", "Settings", "State", "Progress", "Time", "Cost")
JobRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
ProgressRole = Qt.ItemDataRole.UserRole + 3  # 0..100, or -1 when no honest percentage exists
DetailRole = Qt.ItemDataRole.UserRole + 4  # the second line: settings, or what the job does
BarRole = Qt.ItemDataRole.UserRole + 5  # (fraction 0..1, is an estimate) or None
FrameRole = Qt.ItemDataRole.UserRole + 6  # a finished video's first frame, PENDING or None
GroupRole = Qt.ItemDataRole.UserRole + 7  # the batch id of a header row or of a batch's job
KeptRole = Qt.ItemDataRole.UserRole + 8  # a job: the kept take (a star)
ExpandedRole = Qt.ItemDataRole.UserRole + 9  # a header row: True/False; None on a job's row
THUMB_HEIGHT = 44  # the result frame; the portrait beside it is smaller
PORTRAIT = 26
ROW_HEIGHT = THUMB_HEIGHT + 10
PENDING = ThumbnailCache.PENDING
Idx = QModelIndex | QPersistentModelIndex

if TYPE_CHECKING:
    from app.jobs.estimates import JobTimes


@functools.cache
def default_times() -> JobTimes:
    """Segmind's published range, until the engine knows better (imported on first use:
    statistics and fractions are not needed before the first paint)."""
    from app.jobs.estimates import job_times

    return job_times([], 330.0)


class JobTableModel(GroupCells, JobRows):
    """Jobs as rows (newest first), a batch's jobs under its header row. Update with
    `upsert`, `remove_job`, `set_progress`, `tick`; `batches` looks a batch up by id
    (Engine.batch_summary, or Engine.batch): its name, kind and money."""

    def __init__(
        self,
        jobs: Iterable[Job] = (),
        parent=None,
        *,
        estimate: Callable[[str, int], float | None] | None = None,
        times: Callable[[], JobTimes] | None = None,
        now: Callable[[], float] = time.time,
        batches: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.batches = batches
        self._counts: dict = {}  # batch id -> GroupCounts, until one of its jobs changes
        self._progress: dict[str, tuple[str, int, int | None]] = {}
        self._waiting: dict[str, str] = {}  # job id -> "job_slot" | "request_slot"
        self._waiting_until: dict[str, float | None] = {}
        self.estimate = estimate
        self.times = times or default_times
        self.now = now
        self.parts: Callable[[str], list[Job]] | None = None  # Engine.parts (long videos)
        self.thumbnails = ThumbnailCache(THUMB_HEIGHT, parent=self)
        self.thumbnails.ready.connect(self._thumbnail_ready)
        self._waiting_thumbs: dict[tuple[str, str], set[str]] = {}  # (kind, path) -> row ids
        self._placeholder: QPixmap | None = None
        self.set_jobs(jobs)

    # -- shape ----------------------------------------------------------------
    def columnCount(self, parent: Idx = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def _forget(self, job_id: str) -> None:
        self._progress.pop(job_id, None)
        self._waiting.pop(job_id, None)
        self._waiting_until.pop(job_id, None)

    # -- content --------------------------------------------------------------
    def data(self, index: Idx, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        job, col = self._rows[index.row()], index.column()
        if isinstance(job, GroupRow):
            return None if role == JobRole else self.group_data(job, col, role)
        if role == JobRole:
            return job
        if role == GroupRole:
            return getattr(job, "batch_id", None)
        if role == KeptRole:
            return bool(getattr(job, "kept", False)) if col == COL_PROMPT else None
        if role == ExpandedRole:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(job, col)
        if role == DetailRole:
            return self._detail(job, col)
        if role == SortRole:
            return self._sort_key(job, col)
        if role == ProgressRole:
            return self._percent(job)
        if role == BarRole:  # under the state only, while there is something to wait for
            if col != COL_STATE or job.state.finished:
                return None
            p = self._progress_of(job)
            return (p.fraction, p.estimate) if p.fraction is not None else None
        if role == FrameRole and col == COL_THUMB:
            return self._picture(job, VIDEO) if job.state == JobState.completed else None
        if role == Qt.ItemDataRole.DecorationRole:
            if col == COL_THUMB:
                return self._picture(job, IMAGE) or icon("link")
            if col == COL_STATE:
                return icon(words.state_icon(job))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(job, col)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(job, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_ELAPSED, COL_COST):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _picture(self, job: Job, kind: str):
        path = job.image if kind == IMAGE else job.output_path
        pix = self.thumbnails.get(path, kind)
        if pix is PENDING:
            self._waiting_thumbs.setdefault((kind, path), set()).add(job.id)
            if self._placeholder is None:  # same size as a thumbnail: rows do not jump
                self._placeholder = QPixmap(PORTRAIT, PORTRAIT)
                self._placeholder.fill(QColor(0, 0, 0, 0))
            return self._placeholder if kind == IMAGE else PENDING
        return pix

    def _thumbnail_ready(self, kind: str, path: str) -> None:
        for job_id in self._waiting_thumbs.pop((kind, path), ()):
            row = self._row.get(job_id)
            if row is not None:
                idx = self.index(row, COL_THUMB)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole, FrameRole])

    def _progress_of(self, job: Job) -> words.Progress:
        if job.is_long and self.parts is not None and not job.state.finished:
            parts = self.parts(job.id)
            if parts:
                return words.long_progress(job, parts)
        return words.progress(
            job,
            self._elapsed(job),
            self.times(),
            self._progress.get(job.id),
            self._waits(job.id),
        )

    def _text(self, job: Job, col: int) -> str:
        if col == COL_PROMPT:
            first = job.prompt.splitlines()[0] if job.prompt else ""
            return f"[DEMO] {first}" if job.demo else first
        if col == COL_PARAMS:
            return words.settings_text(job)
        if col == COL_STATE:
            return words.state_word(job)
        if col == COL_PROGRESS:
            return self._progress_of(job).text
        if col == COL_ELAPSED:
            return mmss(self._elapsed(job))
        if col == COL_COST:
            if job.is_long and self.parts is not None:  # the charges are on its parts
                return words.long_cost_text(self.parts(job.id), self.estimate)
            est = self.estimate(job.quality, job.duration) if self.estimate else None
            return words.cost_text(job, est)
        return ""

    def _detail(self, job: Job, col: int) -> str | None:
        if col == COL_PROMPT:
            return words.settings_text(job)
        if col == COL_STATE:
            return self._progress_of(job).text
        return None

    def _spoken(self, job: Job, col: int) -> str:
        text, detail = self._text(job, col), self._detail(job, col)
        if col == COL_THUMB:
            done = job.state == JobState.completed and job.output_path
            return "First frame of the video, and the portrait" if done else "Portrait"
        spoken = ", ".join(t for t in (text, detail) if t) or HEADERS[col]
        kept = col == COL_PROMPT and getattr(job, "kept", False)
        return f"Kept take, {spoken}" if kept else spoken

    def _percent(self, job: Job) -> int:
        if job.state == JobState.completed:
            return 100
        p = self._progress.get(job.id)
        if p and p[2] and job.state in (JobState.uploading, JobState.downloading):
            return int(100 * p[1] / p[2])
        return -1

    def _elapsed(self, job: Job) -> float:
        start = job.submitted_at or job.created_at
        end = job.finished_at if job.state.finished else None
        return (end or (self.now() if job.state in ACTIVE else job.updated_at)) - start

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
        part = {
            COL_PROMPT: "prompt",
            COL_THUMB: "files",
            COL_STATE: "state",
            COL_PROGRESS: "state",
            COL_COST: "cost",
        }.get(col)
        tip = words.tooltip(job, part, self.times()) if part else None
        if part == "prompt" and getattr(job, "kept", False):
            return f"★ The kept take\n{tip}"
        return tip

    # -- updates: never a reset ----------------------------------------------
    def upsert(self, job: Job) -> None:
        """Add a new job on top, or replace a known one and signal only the cells that changed."""
        known = self._put(job)
        if known is None:
            return
        old, row = known
        if job.state != old.state:
            self._waiting.pop(job.id, None)
            if job.state not in (JobState.uploading, JobState.downloading):
                self._progress.pop(job.id, None)
        cols = self._changed_columns(old, job)
        if cols and row is not None:
            self.dataChanged.emit(self.index(row, min(cols)), self.index(row, max(cols)))
        if cols and getattr(job, "batch_id", None):
            self._group_changed(job.batch_id)

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
            cols |= {COL_THUMB, COL_PROGRESS}
        if getattr(old, "requested", None) != getattr(new, "requested", None):
            cols |= {COL_STATE, COL_PROGRESS}
        if getattr(old, "kept", False) != getattr(new, "kept", False):
            cols.add(COL_PROMPT)
        if old.may_be_billed != new.may_be_billed:
            cols.add(COL_COST)
        return sorted(cols)

    def set_progress(self, job_id: str, phase: str, done: int, total: int | None) -> None:
        """Bytes moved for an upload or download: one cell changes."""
        row = self._row.get(job_id)
        if row is None:
            return
        self._progress[job_id] = (phase, done, total)
        self.dataChanged.emit(
            self.index(row, COL_STATE),
            self.index(row, COL_PROGRESS),
            [Qt.ItemDataRole.DisplayRole, DetailRole, BarRole, ProgressRole],
        )

    def tick(self) -> int:
        """The clock moved: repaint the state, progress and time of active rows only.

        Returns the number of rows touched."""
        rows = self.active_rows()
        runs: list[list[int]] = []  # one signal per run of adjacent rows, not one per row
        for r in rows:
            if runs and runs[-1][1] == r - 1:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        for top, bottom in runs:
            self.dataChanged.emit(
                self.index(top, COL_STATE),
                self.index(bottom, COL_ELAPSED),
                [Qt.ItemDataRole.DisplayRole, DetailRole, BarRole, SortRole],
            )
        return len(rows)

    def set_waiting(self, job_id: str, reason: str | None, until: float | None = None) -> None:
        """Why a job waits ("job_slot", "request_slot"; None: it no longer waits); a wait
        with an `until` (epoch seconds) ends by itself then."""
        if reason:
            self._waiting[job_id] = reason
            self._waiting_until[job_id] = until
        else:
            self._waiting.pop(job_id, None)
        row = self._row.get(job_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, COL_STATE), self.index(row, COL_PROGRESS))

    def _waits(self, job_id: str) -> str | None:
        until = self._waiting_until.get(job_id)
        if until is not None and until < self.now():
            self._waiting.pop(job_id, None)
            self._waiting_until.pop(job_id, None)
        return self._waiting.get(job_id)


_ORDER = {s: i for i, s in enumerate(JobState)}
