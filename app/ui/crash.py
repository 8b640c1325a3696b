"""Uncaught exceptions: a non-modal crash dialog with a redacted report, also saved to a file.

`install()` replaces sys.excepthook and threading.excepthook. qasync's asyncSlot already
sends the failures of slot coroutines to sys.excepthook, so they land here too.
The report goes through `app.secrets.redact`: the API key is never in it.
"""

from __future__ import annotations

import platform
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.secrets import redact
from app.settings import Paths, app_paths


def build_report(exc_type, exc, tb, keys: Iterable[str | None] = ()) -> str:
    """The crash report: versions, then the traceback; keys redacted."""
    lines = [
        f"{APP_NAME} {__version__} crash report",
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"python: {sys.version.split()[0]}  PySide6: {pyside_version}  "
        f"platform: {platform.platform()}",
        f"thread: {threading.current_thread().name}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)),
    ]
    return redact("\n".join(lines), *keys)


def save_report(report: str, logs: Path) -> Path | None:
    """Write the (already redacted) report to logs/crash-<time>.txt; None if that fails."""
    try:
        logs.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = logs / f"crash-{stamp}.txt"
        n = 1
        while path.exists():
            n += 1
            path = logs / f"crash-{stamp}-{n}.txt"
        path.write_text(report, encoding="utf-8")
        return path
    except OSError:
        return None


class CrashDialog(QDialog):
    """Shows crash reports (several stack up in one dialog) with "Copy report"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME}: something went wrong")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        intro = QLabel(
            "Something went wrong inside the app. Your jobs are safe and keep running. "
            "Please copy this report into a bug report (your API key is not in it)."
        )
        intro.setWordWrap(True)
        self.where = QLabel()
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setMinimumSize(640, 300)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.clicked.connect(self.copy_report)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        for w in (intro, self.where, self.text, buttons):
            lay.addWidget(w)
        self.reports: list[str] = []

    def add_report(self, report: str, saved: Path | None) -> None:
        self.reports.append(report)
        self.text.setPlainText("\n\n".join(self.reports))
        self.where.setText(f"Saved in {saved}" if saved else "The report could not be saved.")

    def report(self) -> str:
        return "\n\n".join(self.reports)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.reports.clear()
        super().closeEvent(event)


class CrashHandler(QObject):
    """Receives uncaught exceptions from any thread and shows them on the GUI thread."""

    _reported = Signal(str, str)  # report, saved path ("" if not saved)

    def __init__(self, parent_getter, logs: Path, keys: Callable[[], Iterable[str | None]]):
        super().__init__()
        self.parent_getter = parent_getter
        self.logs = logs
        self.keys = keys
        self.dialog: CrashDialog | None = None
        self._previous = (sys.excepthook, threading.excepthook)
        # queued when emitted from another thread: widgets only on the GUI thread
        self._reported.connect(self._show)

    def excepthook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous[0](exc_type, exc, tb)
            return
        try:
            self.handle(exc_type, exc, tb)
        except Exception:  # noqa: BLE001 - the crash handler itself must never crash the app
            self._previous[0](exc_type, exc, tb)

    def thread_excepthook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def handle(self, exc_type, exc, tb) -> Path | None:
        try:
            keys = list(self.keys())
        except Exception:  # noqa: BLE001
            keys = []
        report = build_report(exc_type, exc, tb, keys)
        saved = save_report(report, self.logs)
        print(report, file=sys.stderr)
        self._reported.emit(report, str(saved) if saved else "")
        return saved

    def _show(self, report: str, saved: str) -> None:
        if self.dialog is None:
            parent = None
            try:
                parent = self.parent_getter() if self.parent_getter else None
            except Exception:  # noqa: BLE001
                pass
            self.dialog = CrashDialog(parent)
        self.dialog.add_report(report, Path(saved) if saved else None)
        self.dialog.show()
        self.dialog.raise_()

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous


_handler: CrashHandler | None = None


def install(
    parent_getter: Callable[[], QWidget | None] | None = None,
    paths: Paths | None = None,
    keys: Callable[[], Iterable[str | None]] = lambda: (),
) -> CrashHandler:
    """Route uncaught exceptions (main thread, threads, asyncSlots) to the crash dialog.

    `keys` returns extra secrets to redact (e.g. the keyring or session key);
    SEGMIND_API_KEY and SG_-looking keys are always redacted.
    """
    global _handler
    if _handler is not None:
        _handler.uninstall()
    _handler = CrashHandler(parent_getter, (paths or app_paths()).logs, keys)
    sys.excepthook = _handler.excepthook
    threading.excepthook = _handler.thread_excepthook
    return _handler


def uninstall() -> None:
    global _handler
    if _handler is not None:
        _handler.uninstall()
        _handler = None
