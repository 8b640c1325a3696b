"""A non-modal bar above the window's content: what went wrong, the next step, one action."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.api.errors import ErrorKind, SegmindError
from app.ui.icons import icon

BILLING_URL = "https://cloud.segmind.com/console/billing"

# kind -> (button text, action name); actions other than "billing"/"wait" go to the window
_ACTIONS = {
    ErrorKind.invalid_key: ("Enter API key…", "enter_key"),
    ErrorKind.not_permitted: ("Enter another key…", "enter_key"),
    ErrorKind.insufficient_credits: ("Buy credits", "billing"),
    ErrorKind.spend_limit: ("Open Segmind billing", "billing"),
    ErrorKind.rate_limited: ("OK, wait", "wait"),
    ErrorKind.invalid_input: ("Fix the input", "fix_input"),
    ErrorKind.bad_request: ("Fix the input", "fix_input"),
    ErrorKind.job_failed: ("Retry", "retry"),
    ErrorKind.content_blocked: ("Fix the input", "fix_input"),
    ErrorKind.network: ("Retry", "retry"),
    ErrorKind.server: ("Retry", "retry"),
    ErrorKind.malformed: ("Retry", "retry"),
    ErrorKind.expired: ("Retry", "retry"),
    ErrorKind.interrupted: ("Retry", "retry"),
}


class ErrorBar(QFrame):
    """Shows one error at a time; `actionRequested(action, job_id)` for the window's actions."""

    actionRequested = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error: SegmindError | None = None
        self.job_id: str | None = None
        self.action: str | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Error")
        self.icon = QLabel()
        self.icon.setPixmap(icon("warning").pixmap(24, 24))
        self.message = QLabel(wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton()
        self.button.clicked.connect(self._clicked)
        self.close_button = QToolButton(icon=icon("close"))
        self.close_button.setAccessibleName("Dismiss the error")
        self.close_button.setToolTip("Dismiss (Esc)")
        self.close_button.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.message, 1)
        lay.addWidget(self.button)
        lay.addWidget(self.close_button)
        self._countdown = QTimer(self, interval=1000)
        self._countdown.timeout.connect(self._render)
        self.hide()

    def show_error(
        self,
        error: SegmindError,
        job_id: str | None = None,
        *,
        action: tuple[str, str] | None = None,
    ) -> None:
        """Show `error`; `action` (text, name) overrides the kind's usual button."""
        self.error, self.job_id = error, job_id
        text, name = action or _ACTIONS.get(error.kind, ("", ""))
        if name == "retry" and job_id is None:
            text, name = "", ""
        self.action = name or None
        self.button.setText(text)
        self.button.setVisible(bool(name))
        self.button.setAccessibleName(text)
        self._render()
        if error.kind == ErrorKind.rate_limited and error.retry_at:
            self._countdown.start()
        self.show()

    def _render(self) -> None:
        e = self.error
        if e is None:
            return
        extra = ""
        if e.kind == ErrorKind.rate_limited and e.retry_at:
            left = int(e.retry_at - time.time())
            if left <= 0:
                self._countdown.stop()
                extra = " The limit has reset."
            else:
                extra = f" Resets in {left} s."
        self.message.setText(f"<b>{_escape(e.message)}</b><br>{_escape(e.next_step)}{extra}")
        self.setToolTip(str(e))

    def _clicked(self) -> None:
        if self.action == "billing":
            QDesktopServices.openUrl(QUrl(BILLING_URL))
        elif self.action == "wait":
            self.dismiss()
            return
        elif self.action:
            self.actionRequested.emit(self.action, self.job_id)
        self.dismiss()

    def dismiss(self) -> None:
        self._countdown.stop()
        self.error, self.job_id, self.action = None, None, None
        self.hide()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Escape:
            self.dismiss()
            return
        super().keyPressEvent(event)


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
