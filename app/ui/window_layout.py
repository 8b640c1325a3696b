"""The window's layout: the queue's share of the height, the collapsible preview, the
light/dark choice, and the layout remembered in the settings (never in the demo)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray

from app.ui.queue_model import ROW_HEIGHT

log = logging.getLogger(__name__)
QUEUE_ROWS = 8  # rows the queue shows at 1280x800 before the preview gets the rest
PANE_MIN = 150  # the preview's least height: a small picture and its one bar of controls


class WindowLayout:
    """Mixed into StudioWindow."""

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._laid_out:
            self._laid_out = True
            if not (self.settings.window or {}).get("right_splitter") or self.demo:
                self.fit_queue()

    def fit_queue(self) -> None:
        """The queue gets the rows it shows best (at least QUEUE_ROWS), the pane the rest."""
        total = self.right.height()
        chrome = self.queue.height() - self.queue.table.viewport().height()
        queue = min(total - PANE_MIN, max(QUEUE_ROWS * ROW_HEIGHT + chrome + 4, int(total * 0.6)))
        self.right.setSizes([queue, max(0, total - queue)])

    def set_pane_visible(self, on: bool) -> None:
        """Show or collapse the preview and details (F9); the queue takes the room."""
        if self.preview is not None:
            if not on:
                self.preview.pause() if self.preview.multimedia_available() else None
            self.preview.setVisible(on)
        else:
            self.right.widget(1).setVisible(on)

    def set_color_scheme(self, choice: str) -> None:
        self.settings.color_scheme = choice
        if self.theme is not None:
            self.theme.apply(choice)
        for c, act in getattr(self, "scheme_actions", {}).items():
            act.setChecked(c == choice)
        self.save_settings()

    # -- window state and closing ---------------------------------------------------
    # the settings the window itself changes; the rest of the file is left as it is
    WINDOW_KEYS = ("window", "color_scheme", "privacy_notice_seen")

    def save_settings(self) -> None:
        """Merge the window's own settings into the file, key by key (a `settings set`
        made meanwhile stays); never in the demo (its settings live only in memory)."""
        if self.demo:
            return
        from app.settings import update_file

        try:
            update_file(self.paths, {k: getattr(self.settings, k) for k in self.WINDOW_KEYS})
        except (OSError, ValueError):
            log.exception("could not save the settings")

    def restore_state(self) -> None:
        w = {} if self.demo else (self.settings.window or {})
        try:
            if w.get("geometry"):
                self.restoreGeometry(QByteArray.fromBase64(w["geometry"].encode()))
            if w.get("splitter"):
                self.splitter.setSizes([int(x) for x in w["splitter"]])
            if w.get("right_splitter"):
                self.right.setSizes([int(x) for x in w["right_splitter"]])
            if w.get("queue_header"):
                self.queue.restore_header(QByteArray.fromBase64(w["queue_header"].encode()))
            if w.get("columns"):
                self.queue.restore_widths(w["columns"])
            if w.get("pane") is False:
                self.pane_action.setChecked(False)
        except (TypeError, ValueError, AttributeError):
            log.warning("ignoring unreadable window state")

    def save_state(self) -> None:
        header = self.queue.table.horizontalHeader().saveState()
        self.settings.window = {
            "geometry": bytes(self.saveGeometry().toBase64()).decode(),
            "splitter": self.splitter.sizes(),
            "right_splitter": self.right.sizes(),
            "queue_header": bytes(header.toBase64()).decode(),
            "columns": {str(k): v for k, v in self.queue.column_widths().items()},
            "pane": self.pane_action.isChecked(),
        }
        self.save_settings()
