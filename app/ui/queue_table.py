"""The queue's table widget: drags finished videos out as file URLs, says what to do when
empty, and turns a click on a batch header's arrow (or Left/Right) into a collapse."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QTableView

from app.ui.queue_model import COL_THUMB, ExpandedRole, GroupRole


class QueueTable(QTableView):
    """The table itself: drags finished videos out as file URLs; says what to do when empty."""

    EMPTY = "No jobs yet. Add a portrait and a voice clip on the left, then Generate video."
    NOTHING_MATCHES = "No job matches the filter or the search."
    groupToggled = Signal(str, object)  # batch id, collapse (True/False; None: toggle)
    groupParent = Signal(str)  # Left on a batch's job: go to its header

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        idx = self.indexAt(event.position().toPoint())
        super().mousePressEvent(event)
        left = event.button() == Qt.MouseButton.LeftButton
        arrow = idx.isValid() and idx.column() == COL_THUMB and idx.data(ExpandedRole) is not None
        if left and arrow:  # the arrow of a header row
            self.groupToggled.emit(idx.data(GroupRole), None)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        key, idx = event.key(), self.currentIndex()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and idx.isValid():
            batch_id, expanded = idx.data(GroupRole), idx.data(ExpandedRole)
            if expanded is not None:  # a header: Left collapses, Right expands
                self.groupToggled.emit(batch_id, key == Qt.Key.Key_Left)
                return
            if batch_id and key == Qt.Key.Key_Left:
                self.groupParent.emit(batch_id)
                return
        super().keyPressEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() > 0:
            return
        source = getattr(model, "sourceModel", lambda: None)()
        text = self.NOTHING_MATCHES if source is not None and source.rowCount() else self.EMPTY
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            self.viewport().rect().adjusted(24, 24, -24, -24),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            text,
        )
        painter.end()
