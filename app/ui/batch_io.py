"""Batch CSV files in the window: the file dialogs, the words for a file that cannot be
imported, and the builder's Import CSV… / Export as CSV… (app.jobs.batch_csv reads and
writes them; the command line's `s2v-studio batch` takes the same files)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app.api.errors import SegmindError


def safe_file_name(name: str) -> str:
    """A batch name as a file name (no extension)."""
    from app.jobs.naming import safe_stem

    return safe_stem(name)


def csv_dialog(
    parent: QWidget, title: str, then: Callable[[str], None], save_as: str | None = None
) -> QFileDialog:
    """A non-modal file dialog for a batch CSV (to open, or to save as `save_as`.csv)."""
    name = safe_file_name(save_as) + ".csv" if save_as is not None else ""
    dlg = QFileDialog(parent, title, name, "Batch CSV (*.csv)")
    if save_as is not None:
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setDefaultSuffix("csv")
    dlg.fileSelected.connect(then)
    dlg.open()
    return dlg


def csv_problems_text(exc: BaseException, name: str, limit: int = 6) -> str:
    """Why a CSV cannot be imported: its rows' problems (the first few), or the error."""
    problems = getattr(exc, "problems", None) or []
    if not problems:
        reason = exc.message if isinstance(exc, SegmindError) else str(exc)
        return f"{name} cannot be imported: {reason}"
    lines = [
        f"row {p.row}, {p.column}: {p.message}" if p.column else f"row {p.row}: {p.message}"
        for p in problems[:limit]
    ]
    more = f" (and {len(problems) - limit} more)" if len(problems) > limit else ""
    return f"{name} cannot be imported: " + "; ".join(lines) + more


class BatchFiles:
    """Mixed into BatchBuilder: the grid from a CSV, and the grid as a CSV."""

    def import_csv(self, path: str | None = None) -> None:
        if path is None:
            self.dialogs["import"] = csv_dialog(self, "Import a batch CSV", self.import_csv)
            return
        from app.jobs.batch_csv import read_csv

        try:
            reqs = read_csv(Path(path))
        except (SegmindError, OSError, ValueError) as exc:
            self.show_message(csv_problems_text(exc, Path(path).name), "error")
            return
        self.load_requests(reqs, Path(path).name)

    def export_csv(self, path: str | None = None) -> None:
        if path is None:
            self.dialogs["export"] = csv_dialog(
                self, "Export the batch as CSV", self.export_csv, save_as=self.form.name()
            )
            return
        from app.jobs.batch_csv import write_csv

        try:
            write_csv(Path(path), self.model.requests())
        except OSError as exc:
            self.show_message(f"Could not write {path}: {exc.strerror or exc}", "error")
            return
        self.show_message(f"Wrote {len(self.model.checked_rows())} rows to {path}.", "ok")
