"""The queue table with its filter, search and the actions each job's state allows.

Local actions (open, show in folder, copy) happen here; the engine's verbs (cancel, retry,
rerun, remove, delete) and the form's (edit, use) are emitted as `requested(action,
job_ids)` for the window to route; a batch's (on its header row: cancel, retry failed,
remove, export) as `batchRequested(action, batch_id)`. A header's arrow (a click, or
Left/Right) collapses and expands its group. Columns shrink with the window: the prompt
first.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs.model import Job
from app.ui.desktop import open_path
from app.ui.icons import icon
from app.ui.queue_actions import ACTIONS, BATCH_ACTIONS, BATCH_SHORT, SHORT, TOOLBAR
from app.ui.queue_delegates import THUMB_WIDTH, ThumbDelegate, TwoLineDelegate
from app.ui.queue_filter import FILTERS, JobFilterProxy
from app.ui.queue_model import (
    COL_COST,
    COL_ELAPSED,
    COL_PARAMS,
    COL_PROGRESS,
    COL_PROMPT,
    COL_STATE,
    COL_THUMB,
    ROW_HEIGHT,
    ExpandedRole,
    GroupRole,
    JobRole,
    JobTableModel,
)
from app.ui.queue_table import QueueTable

# visible columns: preferred and smallest widths; the prompt takes what is left
WIDTHS = {COL_THUMB: (THUMB_WIDTH, THUMB_WIDTH), COL_STATE: (240, 150), COL_ELAPSED: (64, 54)}
WIDTHS[COL_COST] = (70, 58)
PROMPT_MIN = 120


class QueueView(QWidget):
    """Filter, search, table and the state-dependent actions on the selected jobs."""

    requested = Signal(str, list)  # verb ("cancel", "retry", "edit"...), job ids
    batchRequested = Signal(str, str)  # "batch_cancel" | "batch_retry" | ..., batch id
    currentJobChanged = Signal(object)  # Job | None

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(model)
        self._widths = {col: preferred for col, (preferred, _least) in WIDTHS.items()}
        self._fitting = False

        self.filter = QComboBox()
        self.filter.addItems(list(FILTERS))
        self.filter.setAccessibleName("Show jobs")
        self.filter.setToolTip("Show all jobs or only some states")
        self.filter.currentTextChanged.connect(lambda t: self.proxy.set_states(FILTERS[t]))
        self.search = QLineEdit(placeholderText="Search prompts")
        self.search.setAccessibleName("Search prompts")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_search)
        self.pane_button = QToolButton()  # the window gives it the "show preview" action
        self.pane_button.setAutoRaise(True)

        self.table = QueueTable()
        self.table.setModel(self.proxy)
        self._build_table()
        self.actions_: dict[str, QAction] = {}
        self.toolbar = QToolBar("Job actions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._build_actions()

        top = QHBoxLayout()
        top.addWidget(self.filter)
        top.addWidget(self.search, 1)
        top.addWidget(self.pane_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.toolbar)
        self._selection_changed()

    def _build_table(self) -> None:
        t = self.table
        t.setAccessibleName("Job queue")
        t.setAccessibleDescription(
            "Jobs, newest first. Enter opens the video; the menu key lists actions."
        )
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # The model is already newest first: no sort pass at start (a Python data() call
        # per comparison). Column -1 keeps it; a header click sorts.
        t.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        t.setSortingEnabled(True)
        t.setAlternatingRowColors(True)
        t.setWordWrap(False)
        t.setShowGrid(False)
        t.setTextElideMode(Qt.TextElideMode.ElideRight)
        t.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        t.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        t.verticalHeader().hide()
        t.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        two_lines = TwoLineDelegate(t)
        t.setItemDelegateForColumn(COL_THUMB, ThumbDelegate(t))
        t.setItemDelegateForColumn(COL_PROMPT, two_lines)
        t.setItemDelegateForColumn(COL_STATE, two_lines)
        self._set_columns()
        t.horizontalHeader().sectionResized.connect(self._column_resized)
        t.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        t.customContextMenuRequested.connect(self._context_menu)
        t.doubleClicked.connect(self._double_clicked)
        t.groupToggled.connect(self.set_collapsed)
        t.groupParent.connect(self.select_batch)
        t.selectionModel().selectionChanged.connect(self._selection_changed)
        t.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.model.dataChanged.connect(self._data_changed)
        self.model.rowsRemoved.connect(self._selection_changed)

    def _set_columns(self) -> None:
        """The settings and progress live on the second lines: their own columns stay hidden."""
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        header.setSectionResizeMode(COL_PROMPT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_THUMB, QHeaderView.ResizeMode.Fixed)
        for col in (COL_STATE, COL_ELAPSED, COL_COST):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        for col in (COL_PARAMS, COL_PROGRESS):
            header.setSectionHidden(col, True)
        self._fit()

    def _build_actions(self) -> None:
        for name, (label, ic, keys, tip, _applies) in ACTIONS.items():
            act = QAction(icon(ic), label, self)
            act.setShortcut(keys)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setToolTip(tip)
            if name in SHORT:
                act.setIconText(SHORT[name])
            act.triggered.connect(lambda _checked=False, n=name: self.trigger(n))
            self.table.addAction(act)
            self.actions_[name] = act
            if name in TOOLBAR:
                self.toolbar.addAction(act)
        self.batch_actions: dict[str, QAction] = {}
        for name, (label, ic, keys, tip, _applies) in BATCH_ACTIONS.items():
            act = QAction(icon(ic), label, self)
            act.setShortcut(keys)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setToolTip(tip)
            act.setIconText(BATCH_SHORT[name])
            act.setEnabled(False)
            act.setVisible(False)  # on the toolbar while a header row is selected
            act.triggered.connect(lambda _checked=False, n=name: self.trigger_batch(n))
            self.table.addAction(act)
            self.toolbar.addAction(act)
            self.batch_actions[name] = act
        self.toggle_action = QAction("Colla&pse", self)
        self.toggle_action.setToolTip("Hide or show the batch's jobs (Left / Right)")
        self.toggle_action.triggered.connect(lambda: self.set_collapsed(self.selected_batch()))
        enter = QAction(self)
        enter.setShortcut(QKeySequence(Qt.Key.Key_Enter))
        enter.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        enter.triggered.connect(lambda: self.trigger("open"))
        self.table.addAction(enter)

    # -- columns that shrink sensibly ---------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()
        wide = self.width() >= 600
        self.toolbar.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if wide
            else Qt.ToolButtonStyle.ToolButtonIconOnly
        )

    def _fit(self) -> None:
        """Give each column its preferred width; when room runs out the prompt elides first,
        then the state column shrinks to its smallest; only then does the table scroll."""
        header = self.table.horizontalHeader()
        room = self.table.viewport().width() - sum(self._widths.values())
        widths = dict(self._widths)
        if room < PROMPT_MIN:
            least = WIDTHS[COL_STATE][1]
            widths[COL_STATE] = max(least, widths[COL_STATE] - (PROMPT_MIN - room))
        self._fitting = True
        try:
            for col, width in widths.items():
                header.resizeSection(col, width)
        finally:
            self._fitting = False

    def _column_resized(self, col: int, _old: int, new: int) -> None:
        if not self._fitting and col in (COL_STATE, COL_ELAPSED, COL_COST):
            self._widths[col] = max(WIDTHS[col][1], new)  # the creator's choice is preferred

    def column_widths(self) -> dict[int, int]:
        return dict(self._widths)

    # -- selection ------------------------------------------------------------
    def selected_jobs(self) -> list[Job]:
        rows = self.table.selectionModel().selectedRows()
        jobs = [self.proxy.data(i, JobRole) for i in rows]
        return [j for j in jobs if j is not None]

    def current_job(self) -> Job | None:
        jobs = self.selected_jobs()
        return jobs[0] if len(jobs) == 1 else None

    def selected_batch(self) -> str | None:
        """The batch whose header row alone is selected (no job row with it)."""
        rows = self.table.selectionModel().selectedRows()
        ids = {self.proxy.data(i, GroupRole) for i in rows if self.proxy.data(i, JobRole) is None}
        if len(ids) != 1 or len(rows) != 1:
            return None
        return ids.pop()

    def select_batch(self, batch_id: str) -> bool:
        row = self.model.header_row(batch_id)
        return row is not None and self._select_row(row)

    def set_collapsed(self, batch_id: str | None, collapsed: bool | None = None) -> None:
        """Collapse (True), expand (False) or toggle (None) a group; a job selected in a
        group that collapses leaves its header selected."""
        if not batch_id or self.model.group(batch_id) is None:
            return
        if collapsed is None:
            collapsed = not self.model.is_collapsed(batch_id)
        inside = any(getattr(j, "batch_id", None) == batch_id for j in self.selected_jobs())
        self.model.set_collapsed(batch_id, collapsed)
        if collapsed and inside or self.table.currentIndex().data(GroupRole) == batch_id:
            self.select_batch(batch_id)

    def _double_clicked(self, idx: QModelIndex) -> None:
        if idx.data(ExpandedRole) is not None:
            if idx.column() != COL_THUMB:  # the arrow's own click toggled it already
                self.set_collapsed(idx.data(GroupRole))
            return
        self.trigger("open")

    def select_job(self, job_id: str) -> bool:
        row = self.model.row_of(job_id)
        job = self.model.find(job_id)
        batch_id = getattr(job, "batch_id", None) if job is not None else None
        if row is None and batch_id and self.model.is_collapsed(batch_id):
            self.model.set_collapsed(batch_id, False)  # show the job: open its group
            row = self.model.row_of(job_id)
        if row is None:
            return False
        return self._select_row(row)

    def _select_row(self, row: int) -> bool:
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if not idx.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            idx,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(idx)
        return True

    def _data_changed(self, top: QModelIndex, bottom: QModelIndex, roles=()) -> None:
        """A selected job changed state: its actions (and preview) follow. Others cost nothing."""
        if not top.column() <= COL_STATE <= bottom.column():
            return
        if roles and Qt.ItemDataRole.DisplayRole not in roles and JobRole not in roles:
            return
        rows = self.table.selectionModel().selectedRows()
        if any(top.row() <= self.proxy.mapToSource(i).row() <= bottom.row() for i in rows):
            self._selection_changed()

    def restore_header(self, state) -> None:
        """Sort order as saved (the column layout is the view's own); newest first needs no
        sort pass."""
        header = self.table.horizontalHeader()
        self.table.setSortingEnabled(False)
        header.restoreState(state)
        self._set_columns()
        if header.sortIndicatorSection() == COL_THUMB and (
            header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        ):
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # newest first: as stored
        self.table.setSortingEnabled(True)

    def restore_widths(self, widths: dict) -> None:
        for col, (_preferred, least) in WIDTHS.items():
            value = widths.get(str(col), widths.get(col))
            if isinstance(value, int) and col != COL_THUMB:
                self._widths[col] = max(least, value)
        self._fit()

    def _selection_changed(self, *_args) -> None:
        jobs = self.selected_jobs()
        for name, act in self.actions_.items():
            applies = ACTIONS[name][4]
            act.setEnabled(bool(jobs) and any(applies(j) for j in jobs))
        one = jobs[0] if len(jobs) == 1 else None
        self.actions_["use"].setEnabled(one is not None)
        self.actions_["edit"].setEnabled(one is not None and ACTIONS["edit"][4](one))
        self._batch_actions_follow(None if jobs else self.selected_batch())
        self.currentJobChanged.emit(one)

    def _batch_actions_follow(self, batch_id: str | None) -> None:
        """A header row selected: the toolbar shows the batch's actions instead of a job's."""
        counts = self.model.counts_of(batch_id) if batch_id else None
        for name, act in self.batch_actions.items():
            act.setEnabled(counts is not None and BATCH_ACTIONS[name][4](counts))
            act.setVisible(counts is not None)
        for name in TOOLBAR:
            self.actions_[name].setVisible(counts is None)
        if batch_id:
            self.toggle_action.setText(
                "&Expand" if self.model.is_collapsed(batch_id) else "Colla&pse"
            )

    def _context_menu(self, pos) -> None:
        self._selection_changed()
        menu = QMenu(self)
        if self.selected_batch():
            menu.addAction(self.toggle_action)
            menu.addSeparator()
            for act in self.batch_actions.values():
                menu.addAction(act)
            menu.popup(self.table.viewport().mapToGlobal(pos))
            self._menu = menu
            return
        for name, act in self.actions_.items():
            if name in ("edit", "copy_id", "remove"):
                menu.addSeparator()
            menu.addAction(act)
        menu.popup(self.table.viewport().mapToGlobal(pos))
        self._menu = menu

    # -- actions --------------------------------------------------------------
    def trigger_batch(self, name: str) -> None:
        """Ask for a batch action on the selected header's batch, when it applies."""
        batch_id = self.selected_batch()
        if batch_id and BATCH_ACTIONS[name][4](self.model.counts_of(batch_id)):
            self.batchRequested.emit(name, batch_id)

    def trigger(self, name: str) -> None:
        """Run an action on the selected jobs it applies to."""
        jobs = [j for j in self.selected_jobs() if ACTIONS[name][4](j)]
        if not jobs:
            return
        if name == "open":
            for j in jobs:
                open_path(j.output_path, parent=self)
        elif name == "folder":
            for video in {str(Path(j.output_path).parent): j.output_path for j in jobs}.values():
                open_path(video, folder=True, parent=self)
        elif name == "copy_id":
            QGuiApplication.clipboard().setText("\n".join(j.request_id for j in jobs))
        elif name == "copy_url":
            QGuiApplication.clipboard().setText("\n".join(j.output_url for j in jobs))
        else:
            self.requested.emit(name, [j.id for j in jobs])
