"""The queue table with its filter, search and the actions each job's state allows.

Local actions (open, show in folder, copy) happen here; the engine's verbs (cancel, retry,
rerun, remove, delete) are emitted as `requested(action, job_ids)` for the window to route.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.jobs.model import ACTIVE, Job, JobState
from app.ui.icons import icon
from app.ui.queue_model import (
    COL_COST,
    COL_ELAPSED,
    COL_PARAMS,
    COL_PROGRESS,
    COL_PROMPT,
    COL_STATE,
    COL_THUMB,
    FILTERS,
    THUMB_HEIGHT,
    JobFilterProxy,
    JobRole,
    JobTableModel,
    ProgressRole,
)

RETRYABLE = frozenset({JobState.failed, JobState.expired, JobState.interrupted, JobState.cancelled})


def _has_video(job: Job) -> bool:
    return job.state == JobState.completed and bool(job.output_path)


# action -> (label, icon, shortcut, tooltip, which jobs it applies to)
ACTIONS = {
    "open": (
        "&Open video",
        "video",
        QKeySequence(Qt.Key.Key_Return),
        "Open the video in your player (Enter)",
        _has_video,
    ),
    "folder": (
        "Show in &folder",
        "folder",
        QKeySequence("Ctrl+Shift+O"),
        "Open the folder that holds the video",
        _has_video,
    ),
    "cancel": (
        "&Cancel",
        "cancel",
        QKeySequence("Ctrl+."),
        "Stop waiting for this job (a submitted job may still be billed)",
        lambda j: j.state in ACTIVE,
    ),
    "retry": (
        "&Retry",
        "retry",
        QKeySequence("Ctrl+R"),
        "Run the same job again",
        lambda j: j.state in RETRYABLE,
    ),
    "rerun": (
        "Re-run with a &new seed",
        "rerun",
        QKeySequence("Ctrl+Shift+R"),
        "A new job with the same inputs and a random seed",
        lambda j: j.state.finished,
    ),
    "copy_id": (
        "Copy request &ID",
        "copy",
        QKeySequence.StandardKey.Copy,
        "Copy Segmind's request id (Ctrl+C)",
        lambda j: bool(j.request_id),
    ),
    "copy_url": (
        "Copy video &URL",
        "link",
        QKeySequence("Ctrl+Shift+C"),
        "Copy the video's public URL",
        lambda j: bool(j.output_url),
    ),
    "remove": (
        "Re&move from list",
        "remove",
        QKeySequence.StandardKey.Delete,
        "Forget the job; the video stays on disk (Delete)",
        lambda j: j.state.finished,
    ),
    "delete": (
        "&Delete with files…",
        "delete",
        QKeySequence("Shift+Del"),
        "Forget the job and delete its video (Shift+Delete)",
        lambda j: j.state.finished and bool(j.output_path),
    ),
}
TOOLBAR = ("open", "folder", "cancel", "retry", "rerun", "remove")


class ProgressDelegate(QStyledItemDelegate):
    """A progress bar where a real percentage exists, the plain text otherwise."""

    def paint(self, painter, option, index) -> None:
        pct = index.data(ProgressRole)
        if pct is None or pct < 0 or pct >= 100:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 4, -2, -4)
        bar.minimum, bar.maximum, bar.progress = 0, 100, pct
        bar.text = index.data() or f"{pct}%"
        bar.textVisible = True
        bar.state = option.state
        bar.palette = option.palette
        QWidgetStyle = option.widget.style() if option.widget else None  # noqa: N806
        if QWidgetStyle:
            QWidgetStyle.drawControl(
                QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget
            )


class StateDelegate(QStyledItemDelegate):
    """Small state icons, whatever size the rows' thumbnails are."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt API
        super().initStyleOption(option, index)
        option.decorationSize = QSize(16, 16)


class QueueTable(QTableView):
    """The table itself: drags finished videos out as file URLs."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)


class QueueView(QWidget):
    """Filter, search, table and the state-dependent actions on the selected jobs."""

    requested = Signal(str, list)  # engine verb ("cancel", "retry"...), job ids
    currentJobChanged = Signal(object)  # Job | None

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = JobFilterProxy(self)
        self.proxy.setSourceModel(model)

        self.filter = QComboBox()
        self.filter.addItems(list(FILTERS))
        self.filter.setAccessibleName("Show jobs")
        self.filter.setToolTip("Show all jobs or only some states")
        self.filter.currentTextChanged.connect(lambda t: self.proxy.set_states(FILTERS[t]))
        self.search = QLineEdit(placeholderText="Search prompts")
        self.search.setAccessibleName("Search prompts")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_search)

        self.table = QueueTable()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Job queue")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # The model is already newest first: no sort pass at start (a Python data() call
        # per comparison). Column -1 keeps it; a header click sorts.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(THUMB_HEIGHT + 8)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setIconSize(
            self.table.iconSize().expandedTo(
                self.table.iconSize().scaled(
                    THUMB_HEIGHT, THUMB_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio
                )
            )
        )
        self.table.setItemDelegateForColumn(COL_PROGRESS, ProgressDelegate(self.table))
        self.table.setItemDelegateForColumn(COL_STATE, StateDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_PROMPT, QHeaderView.ResizeMode.Stretch)
        for col, width in (
            (COL_THUMB, THUMB_HEIGHT + 40),
            (COL_PARAMS, 175),
            (COL_STATE, 170),
            (COL_PROGRESS, 130),
            (COL_ELAPSED, 110),
            (COL_COST, 64),
        ):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda _i: self.trigger("open"))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        model.dataChanged.connect(self._data_changed)
        model.rowsRemoved.connect(self._selection_changed)

        self.actions_: dict[str, QAction] = {}
        self.toolbar = QToolBar("Job actions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for name, (label, ic, keys, tip, _applies) in ACTIONS.items():
            act = QAction(icon(ic), label, self)
            act.setShortcut(keys)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setToolTip(tip)
            act.triggered.connect(lambda _checked=False, n=name: self.trigger(n))
            self.table.addAction(act)
            self.actions_[name] = act
            if name in TOOLBAR:
                self.toolbar.addAction(act)
        enter = QAction(self)
        enter.setShortcut(QKeySequence(Qt.Key.Key_Enter))
        enter.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        enter.triggered.connect(lambda: self.trigger("open"))
        self.table.addAction(enter)

        top = QHBoxLayout()
        top.addWidget(self.filter)
        top.addWidget(self.search, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.toolbar)
        self._selection_changed()

    # -- selection ------------------------------------------------------------
    def selected_jobs(self) -> list[Job]:
        rows = self.table.selectionModel().selectedRows()
        jobs = [self.proxy.data(i, JobRole) for i in rows]
        return [j for j in jobs if j is not None]

    def current_job(self) -> Job | None:
        jobs = self.selected_jobs()
        return jobs[0] if len(jobs) == 1 else None

    def select_job(self, job_id: str) -> bool:
        row = self.model.row_of(job_id)
        if row is None:
            return False
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
        rows = self.table.selectionModel().selectedRows()
        if any(top.row() <= self.proxy.mapToSource(i).row() <= bottom.row() for i in rows):
            self._selection_changed()

    def restore_header(self, state) -> None:
        """Column widths and sort order as saved; the default order needs no sort pass."""
        header = self.table.horizontalHeader()
        self.table.setSortingEnabled(False)
        header.restoreState(state)
        if header.sortIndicatorSection() == COL_THUMB and (
            header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        ):
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # newest first: as stored
        self.table.setSortingEnabled(True)

    def _selection_changed(self, *_args) -> None:
        jobs = self.selected_jobs()
        for name, act in self.actions_.items():
            applies = ACTIONS[name][4]
            act.setEnabled(bool(jobs) and any(applies(j) for j in jobs))
        self.currentJobChanged.emit(jobs[0] if len(jobs) == 1 else None)

    def _context_menu(self, pos) -> None:
        self._selection_changed()
        menu = QMenu(self)
        for name, act in self.actions_.items():
            if name in ("remove", "copy_id"):
                menu.addSeparator()
            menu.addAction(act)
        menu.popup(self.table.viewport().mapToGlobal(pos))
        self._menu = menu

    # -- actions --------------------------------------------------------------
    def trigger(self, name: str) -> None:
        """Run an action on the selected jobs it applies to."""
        jobs = [j for j in self.selected_jobs() if ACTIONS[name][4](j)]
        if not jobs:
            return
        if name == "open":
            for j in jobs:
                QDesktopServices.openUrl(QUrl.fromLocalFile(j.output_path))
        elif name == "folder":
            for folder in dict.fromkeys(str(Path(j.output_path).parent) for j in jobs):
                QDesktopServices.openUrl(QUrl.fromLocalFile(folder))
        elif name == "copy_id":
            QGuiApplication.clipboard().setText("\n".join(j.request_id for j in jobs))
        elif name == "copy_url":
            QGuiApplication.clipboard().setText("\n".join(j.output_url for j in jobs))
        else:
            self.requested.emit(name, [j.id for j in jobs])
