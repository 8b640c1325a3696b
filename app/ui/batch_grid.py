"""The batch builder's grid: the jobs a batch will make (portrait x voice x seed), one row
each, with what the engine's check said about it and what it costs.

`make_requests` turns the builder's choices into JobRequests (pure); `BatchGridModel`
shows them, a check box per row (unchecked rows are left out of the batch), the row's
problem in red, and its estimate.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from app.jobs.model import SEED_MAX, SEED_MIN
from app.jobs.prepare import JobRequest
from app.ui.theme import tone_color

MAX_ROWS = 1000  # one batch; more is a CSV for the command line
LONG_CLIP = 15.0  # seconds: a clip over this is a long video with "Split long clips"

COL_USE, COL_ROW, COL_IMAGE, COL_AUDIO, COL_SEED, COL_PROMPT, COL_DURATION, COL_COST = range(8)
COL_PROBLEM = 8
HEADERS = ("", "Row", "Portrait", "Voice clip", "Seed", "Prompt", "Length", "Estimate", "Check")


def parse_seeds(text: str) -> list[int]:
    """ "1, 7, 42" -> [1, 7, 42]; ValueError naming what is wrong. Repeats are dropped."""
    seeds: list[int] = []
    for word in (w for w in re.split(r"[\s,;]+", text.strip()) if w):
        if not re.fullmatch(r"\d+", word):
            raise ValueError(f"“{word}” is not a seed: give whole numbers, like 1, 7, 42.")
        seed = int(word)
        if not SEED_MIN <= seed <= SEED_MAX:
            raise ValueError(f"Seed {seed} is out of range: use {SEED_MIN:,} to {SEED_MAX:,}.")
        if seed not in seeds:
            seeds.append(seed)
    if not seeds:
        raise ValueError("Give at least one seed, like 1, 7, 42.")
    return seeds


@dataclass
class Voice:
    """A voice clip of the batch, its length once measured, and its own prompt."""

    path: str
    seconds: float | None = None
    prompt: str = ""


@dataclass
class Choices:
    """What the builder's form says (everything but the files)."""

    prompt: str  # the one prompt for all (empty: the model's default)
    per_voice: bool  # each voice clip's own prompt instead
    seeds_per_pair: list[list[int]] = field(default_factory=list)  # by pair, in grid order
    duration: int | None = None  # None: the shortest that holds each clip
    quality: str = "high"
    enhance_prompt: bool = False
    split: bool = False  # clips over 15 s become long videos


def make_requests(
    images: list[str], voices: list[Voice], choices: Choices, default_prompt: str
) -> list[JobRequest]:
    """Portrait x voice x seed, portrait first; row numbers as in the exported CSV."""
    out: list[JobRequest] = []
    pair = 0
    for image in images:
        for voice in voices:
            seeds = choices.seeds_per_pair[pair] if pair < len(choices.seeds_per_pair) else []
            pair += 1
            prompt = (voice.prompt if choices.per_voice else choices.prompt).strip()
            long = choices.split and voice.seconds is not None and voice.seconds > LONG_CLIP
            for seed in seeds:
                req = JobRequest(
                    image=image,
                    audio=voice.path,
                    prompt=prompt or default_prompt,
                    duration=None if long else choices.duration,
                    quality=choices.quality,
                    seed=seed,
                    enhance_prompt=choices.enhance_prompt,
                    split=long,
                    row=len(out) + 2,
                )
                out.append(req)
    return out


def set_row(req: JobRequest, row: int) -> None:
    """The row number problems are reported by (spreadsheet numbering, header = 1)."""
    req.row = row


def row_of(req: JobRequest, index: int) -> int:
    return req.row if req.row is not None else index + 2


@dataclass
class GridRow:
    request: JobRequest
    checked: bool = True
    problem: str | None = None  # the engine's check, in its words
    twin: str | None = None  # it would pay again for the same video (Submit asks)
    estimate: float | None = None
    duration: int | None = None  # as planned (0: a long video)
    parts: int = 0
    checked_by_engine: bool = False


class BatchGridModel(QAbstractTableModel):
    """The rows of a batch; `changed` when rows, checks or check results change."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[GridRow] = []

    # -- contents ---------------------------------------------------------------------
    def set_requests(self, requests: list[JobRequest]) -> None:
        """New rows, unchecked by the engine yet (rows the same as before keep their
        result and their check box)."""
        before = {_key(r.request): r for r in self.rows}
        self.beginResetModel()
        self.rows = []
        for req in requests:
            old = before.get(_key(req))
            row = dataclasses.replace(old, request=req) if old is not None else GridRow(req)
            self.rows.append(row)
        self.endResetModel()
        self.changed.emit()

    def requests(self, only_checked: bool = True) -> list[JobRequest]:
        return [r.request for r in self.rows if r.checked or not only_checked]

    def checked_rows(self) -> list[GridRow]:
        return [r for r in self.rows if r.checked]

    def set_results(self, result: tuple[dict, dict, dict], estimate) -> None:
        """What check_rows said: a planned job or a problem per row number, and twins."""
        jobs_by_row, problems, twins = result
        for i, row in enumerate(self.rows):
            n = row_of(row.request, i)
            job = jobs_by_row.get(n)
            row.problem, row.twin = problems.get(n), twins.get(n)
            row.checked_by_engine = job is not None or row.problem is not None
            if job is not None:
                row.duration = job.duration
                row.parts = int(getattr(job, "part_count", 0) or 0)
                row.estimate = getattr(job, "estimate", None)
                if row.estimate is None and job.duration:
                    row.estimate = estimate(job.quality, job.duration)
            else:
                row.estimate, row.duration, row.parts = None, None, 0
        self._all_changed()

    def problem_rows(self) -> list[GridRow]:
        return [r for r in self.checked_rows() if r.problem]

    def twin_rows(self) -> list[GridRow]:
        return [r for r in self.checked_rows() if r.twin and not r.problem]

    def total(self) -> float:
        return sum(r.estimate or 0.0 for r in self.checked_rows() if not r.problem)

    def all_checked_by_engine(self) -> bool:
        return all(r.checked_by_engine for r in self.checked_rows())

    def uncheck_problems(self) -> None:
        for r in self.rows:
            r.checked = r.checked and not r.problem
        self._all_changed()

    def _all_changed(self) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, COL_PROBLEM))
        self.changed.emit()

    # -- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return "Include this row in the batch" if section == COL_USE else None
        return None

    def flags(self, index):
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COL_USE:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == COL_USE:
            return Qt.CheckState.Checked if row.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, index.row(), col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in (COL_IMAGE, COL_AUDIO):
                return row.request.image if col == COL_IMAGE else row.request.audio
            if col == COL_PROMPT:
                return row.request.prompt
            return row.problem or row.twin
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.problem and row.checked:
                return tone_color("error")
            if row.twin and row.checked and col == COL_PROBLEM:
                return tone_color("warning")
            if not row.checked or (col == COL_PROBLEM and not row.checked_by_engine):
                return tone_color("muted")
            if col == COL_PROBLEM:
                return tone_color("ok")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_ROW, COL_SEED, COL_COST):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: GridRow, i: int, col: int) -> str | None:
        req = row.request
        if col == COL_ROW:
            return str(row_of(req, i))
        if col == COL_IMAGE:
            return Path(req.image).name
        if col == COL_AUDIO:
            return Path(req.audio).name
        if col == COL_SEED:
            return str(req.seed) if req.seed is not None else "random"
        if col == COL_PROMPT:
            return " ".join(req.prompt.split())
        if col == COL_DURATION:
            if row.parts:
                return f"{row.parts} parts"
            d = row.duration or req.duration
            return f"{d} s" if d else ("long" if req.split else "fit")
        if col == COL_COST:
            return f"${row.estimate:.2f}" if row.estimate is not None else "—"
        if col == COL_PROBLEM:
            if not row.checked:
                return "left out"
            if row.problem:
                return f"⚠ {row.problem}"
            if row.twin:
                return f"Pays twice: {row.twin}"
            return "OK" if row.checked_by_engine else "checking…"
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if index.column() != COL_USE or role != Qt.ItemDataRole.CheckStateRole:
            return False
        row = self.rows[index.row()]
        row.checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), COL_PROBLEM))
        self.changed.emit()
        return True


def grid_view(model: BatchGridModel) -> QTableView:
    """The table that shows the grid: fixed narrow columns, the check last and widest."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName("Jobs of the batch")
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    head = view.horizontalHeader()
    head.setStretchLastSection(True)
    for col, width in ((COL_USE, 28), (COL_ROW, 40), (COL_SEED, 64), (COL_COST, 64)):
        head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
        head.resizeSection(col, width)
    for col, width in ((COL_IMAGE, 150), (COL_AUDIO, 130), (COL_PROMPT, 160), (COL_DURATION, 60)):
        head.resizeSection(col, width)
    return view


def _key(req: JobRequest) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in vars(req).items() if k != "row"))


async def check_rows(engine, requests: list) -> tuple[dict, dict, dict]:
    """Every row checked by the engine: ({row: planned job}, {row: problem},
    {row: why it would pay twice}).

    plan_batch refuses a batch with any bad row; the others are then checked again
    without the bad ones (duplicates allowed), so good rows still get their estimates,
    and a duplicate (of a row or of a completed job) is told apart from a bad row."""
    from app.jobs.batches import BatchProblems

    try:
        jobs = await engine.plan_batch(requests)
        return _by_row(requests, jobs), {}, {}
    except BatchProblems as exc:
        first = problems_by_row(exc.problems)
    problems: dict[int, str] = {}
    rest = list(requests)
    while rest:
        try:
            jobs = await engine.plan_batch(rest, force=True)
        except BatchProblems as exc:
            found = problems_by_row(exc.problems)
            left = [r for i, r in enumerate(rest) if row_of(r, i) not in found]
            if len(left) == len(rest):  # problems of no row we asked about
                raise
            problems.update(found)
            rest = left
            continue
        planned = _by_row(rest, jobs)
        return planned, problems, {r: m for r, m in first.items() if r in planned}
    return {}, problems, {}


def _by_row(requests: list, jobs: list) -> dict:
    return {row_of(r, i): j for i, (r, j) in enumerate(zip(requests, jobs, strict=True))}


def problems_by_row(problems) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    for p in problems:
        out.setdefault(p.row, []).append(p.message)
    return {row: " · ".join(msgs) for row, msgs in out.items()}
