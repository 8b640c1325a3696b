"""The two bands above the work area: the demo's banner, and the first-run offer."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from app.ui.icons import icon
from app.ui.queue_text import DEMO_BADGE


def banner(demo: bool) -> QLabel:
    """What the demo is, always in sight while it runs."""
    label = QLabel(
        f"<b>{DEMO_BADGE}</b>: jobs run on a local simulator; "
        "results are placeholder videos, free and not lip-synced."
    )
    label.setWordWrap(True)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setAccessibleName("Demo mode")
    label.setVisible(demo)
    return label


class FirstRun(QFrame):
    """No key yet: enter one, or try the offline demo."""

    keyRequested = Signal()
    demoRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Getting started")
        text = QLabel(
            "<b>Welcome.</b> To make videos, enter your Segmind API key. "
            "Or try the offline demo first: it runs on a local simulator, "
            "costs nothing and needs no key."
        )
        text.setWordWrap(True)
        self.enter_key_button = QPushButton(icon("key"), "Enter API key…")
        self.enter_key_button.clicked.connect(lambda _c=False: self.keyRequested.emit())
        self.demo_button = QPushButton(icon("demo"), "Try the offline demo")
        self.demo_button.clicked.connect(lambda _c=False: self.demoRequested.emit())
        lay = QHBoxLayout(self)
        lay.addWidget(text, 1)
        lay.addWidget(self.enter_key_button)
        lay.addWidget(self.demo_button)
        self.hide()
