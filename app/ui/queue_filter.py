"""The queue's filter and search: which jobs the table shows, sorted by the model's SortRole."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel

from app.jobs.model import ACTIVE, JobState
from app.ui.queue_model import JobRole, SortRole

Idx = QModelIndex | QPersistentModelIndex

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
