"""What a batch's header row shows in each cell (mixed into the queue's table model).

Counted once per change of one of its jobs (cached until then), so painting a header
costs a dictionary lookup; a job's change repaints its header's cells with one signal.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette

from app.ui import queue_groups as g
from app.ui.icons import icon


class GroupCells:
    """The header row's cells: its name, "4 of 12 done", a bar over its jobs, its cost."""

    def counts_of(self, batch_id: str) -> g.GroupCounts:
        c = self._counts.get(batch_id)
        if c is None:
            group = self._groups.get(batch_id)
            summary = None
            if self.batches is not None:
                try:
                    summary = self.batches(batch_id)
                except Exception:  # noqa: BLE001 - a store closed while quitting: words only
                    summary = None
            c = g.count(group or g.GroupRow(batch_id, 0.0), self._all, summary, self.estimate)
            self._counts[batch_id] = c
        return c

    def _group_changed(self, batch_id: str) -> None:
        """A job of this batch came, changed or left: its header's cells, one signal."""
        from app.ui.queue_model import COL_COST, COL_PROMPT

        self._counts.pop(batch_id, None)
        row = self.header_row(batch_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, COL_PROMPT), self.index(row, COL_COST))

    def group_data(self, group: g.GroupRow, col: int, role: int):
        from app.ui import queue_model as m

        if role == m.GroupRole:
            return group.batch_id
        if role == m.ExpandedRole:
            return not group.collapsed
        if role in (m.KeptRole, m.FrameRole):
            return None
        if role == m.ProgressRole:
            return int(100 * self.counts_of(group.batch_id).fraction)
        c = self.counts_of(group.batch_id)
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                m.COL_PROMPT: g.title(c),
                m.COL_PARAMS: f"{c.total} jobs",
                m.COL_STATE: c.words,
                m.COL_PROGRESS: g.doing(c),
                m.COL_COST: g.cost(c),
            }.get(col, "")
        if role == m.DetailRole:
            return {m.COL_PROMPT: g.subtitle(c), m.COL_STATE: g.doing(c)}.get(col)
        if role == m.BarRole:
            return (c.fraction, False) if col == m.COL_STATE else None
        if role == m.SortRole:
            return self._group_sort_key(group, c, col)
        if role == Qt.ItemDataRole.DecorationRole:
            if col == m.COL_STATE:
                return icon(_state_icon(c))
            return None
        if role == Qt.ItemDataRole.FontRole and col in (m.COL_PROMPT, m.COL_STATE):
            font = QFont(QGuiApplication.font())
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(header_color(QGuiApplication.palette()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._group_tooltip(group, c, col)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return g.spoken(c, group.collapsed) if col == m.COL_PROMPT else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (m.COL_ELAPSED, m.COL_COST):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _group_sort_key(group: g.GroupRow, c: g.GroupCounts, col: int):
        from app.ui import queue_model as m

        return {
            m.COL_THUMB: group.created_at,
            m.COL_PROMPT: c.name.casefold(),
            m.COL_PARAMS: c.total,
            m.COL_STATE: 0 if c.active else len(m._ORDER),
            m.COL_PROGRESS: int(100 * c.fraction),
            m.COL_ELAPSED: 0.0,
            m.COL_COST: c.billed,
        }.get(col)

    @staticmethod
    def _group_tooltip(group: g.GroupRow, c: g.GroupCounts, col: int) -> str | None:
        from app.ui import queue_model as m

        if col == m.COL_THUMB:
            verb = "expand" if group.collapsed else "collapse"
            return f"Click (or press {'Right' if group.collapsed else 'Left'}) to {verb} the group"
        if col == m.COL_PROMPT:
            return f"{c.name}\n{g.subtitle(c)}\nThe menu key lists the batch's actions."
        if col in (m.COL_STATE, m.COL_PROGRESS):
            return f"{c.words}\n{g.doing(c)}"
        if col == m.COL_COST:
            return g.cost_tooltip(c)
        return None


def _state_icon(c: g.GroupCounts) -> str:
    if c.active:
        return "running"
    if c.failed:  # all failed, or a mix: the state words say how many
        return "failed" if c.failed == c.total else "warning"
    return "completed"


def header_color(pal: QPalette) -> QColor:
    """A batch header's background: the base with a little of the highlight (opaque, so
    alternating row colours do not show through)."""
    base, tint = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Highlight)
    mix = 0.13
    return QColor(
        round(base.red() + (tint.red() - base.red()) * mix),
        round(base.green() + (tint.green() - base.green()) * mix),
        round(base.blue() + (tint.blue() - base.blue()) * mix),
    )
