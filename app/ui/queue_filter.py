"""The queue's filter and search: which jobs the table shows, sorted by the model's SortRole.

A batch's header stays while any of its jobs matches (collapsed or not); sorting keeps
each batch's jobs under their header: groups sort among loose jobs by the header's value,
and the jobs inside a group by their own.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from app.jobs.model import ACTIVE, JobState
from app.ui.queue_model import GroupRole, JobRole, SortRole

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

    def _matches(self, job) -> bool:
        if self._states is not None and job.state not in self._states:
            return False
        return not self._search or self._search in job.prompt.casefold()

    def filterAcceptsRow(self, row: int, parent: Idx) -> bool:  # noqa: N802
        source = self.sourceModel()
        idx = source.index(row, 0, parent)
        job = idx.data(JobRole)
        if job is not None:
            return self._matches(job)
        batch_id = idx.data(GroupRole)  # a header: while any of its jobs matches
        if batch_id is None:
            return False
        if self._states is None and not self._search:
            return True
        return any(self._matches(j) for j in source.group_jobs(batch_id))

    def lessThan(self, left: Idx, right: Idx) -> bool:  # noqa: N802
        source = self.sourceModel()
        if not getattr(source, "has_groups", bool)():  # no batch: the plain comparison
            return super().lessThan(left, right)
        return self._key(left) < self._key(right)

    def _key(self, idx: Idx) -> tuple:
        """(the group's value or the loose job's, the group, header first, own value)."""
        own = idx.data(SortRole)
        batch_id = idx.data(GroupRole)
        if batch_id is None:
            return (own, "", 0, own)
        source = self.sourceModel()
        header = source.header_row(batch_id)
        is_header = idx.data(JobRole) is None
        value = own if is_header else source.index(header, idx.column()).data(SortRole)
        first = 0 if self.sortOrder() == Qt.SortOrder.AscendingOrder else 1
        return (value, batch_id, first if is_header else 1 - first, own)
