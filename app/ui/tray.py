"""The tray icon: notifications when a job finishes, and a way back to the window."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.jobs.model import Job, JobState
from app.ui.icons import app_icon


class Tray(QObject):
    """A QSystemTrayIcon when the desktop has a tray; otherwise every call is a no-op."""

    showRequested = Signal()
    quitRequested = Signal()

    def __init__(self, parent: QObject | None = None, *, enabled: bool = True) -> None:
        super().__init__(parent)
        self.notifications = enabled
        self.messages: list[tuple[str, str]] = []  # what was shown (tests, logs)
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setToolTip("Speech2Video Studio")
            menu = QMenu()
            show = QAction("Show Speech2Video Studio", menu)
            show.triggered.connect(self.showRequested)
            quit_ = QAction("Quit", menu)
            quit_.triggered.connect(self.quitRequested)
            menu.addAction(show)
            menu.addAction(quit_)
            self._menu = menu
            self.icon.setContextMenu(menu)
            self.icon.activated.connect(self._activated)
            self.icon.show()

    @property
    def available(self) -> bool:
        return self.icon is not None

    def _activated(self, reason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.showRequested.emit()

    def notify(self, title: str, message: str, *, error: bool = False) -> None:
        self.messages.append((title, message))
        if self.icon is None or not self.notifications:
            return
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if error
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(title, message, kind, 8000)

    def job_finished(self, job: Job) -> None:
        """Tell the creator a job finished (or failed) while they may be elsewhere."""
        label = (job.prompt.splitlines() or [""])[0][:60]
        demo = " (demo, simulated)" if job.demo else ""
        if job.state == JobState.completed:
            self.notify(f"Video ready{demo}", label)
        else:
            reason = job.error_message or job.state.value
            self.notify(f"Job {job.state.value}{demo}", f"{label}\n{reason}", error=True)

    def set_status(self, text: str) -> None:
        if self.icon is not None:
            self.icon.setToolTip(f"Speech2Video Studio — {text}")

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
