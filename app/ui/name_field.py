"""The file-name template field: the template, a menu of fields, a live example, the problem.

Used by the settings dialog (Settings.name_template); any form that takes a template can
use it. The example is rendered by app/jobs/naming.py from a sample job, so it is exactly
the name a video would get.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs.model import Job
from app.jobs.naming import DEFAULT_TEMPLATE, FIELD_HELP, FIELDS, check_template, render
from app.ui.theme import tone

SAMPLE_BATCH = "launch"


def sample_job() -> Job:
    """The job the example is rendered from (a portrait, a voice clip, take 2 of a batch)."""
    return Job(
        image="astronaut.png",
        audio="intro.wav",
        prompt="A calm presenter explains the plan",
        seed=4242,
        duration=10,
        quality="high",
        id="3f9c2a1b7d04",
        take=2,
    )


def _breakable(name: str) -> str:
    # a long name has no spaces: let the label wrap after its separators
    return "".join(c + "\u200b" if c in "-_" else c for c in name)


class NameTemplateField(QWidget):
    """A template editor. `template()` is the text (empty: DEFAULT_TEMPLATE), `problem()`
    what is wrong with it (None when valid); `validityChanged(bool)` when that flips."""

    validityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._valid = True
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(DEFAULT_TEMPLATE)
        self.edit.setClearButtonEnabled(True)
        fields = "\n".join(f"{{{f}}}  {FIELD_HELP[f]}" for f in FIELDS)
        self.edit.setToolTip(f"The name of each video, made from these fields:\n{fields}")
        self.edit.setAccessibleName("File name template")

        # room for today's template and then some: a name is read whole, not scrolled
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance(DEFAULT_TEMPLATE) + 80)

        self.fields_button = QPushButton("Insert field")
        self.fields_button.setToolTip("Insert a field where the cursor is")
        menu = QMenu(self.fields_button)
        for name in FIELDS:
            action = QAction(f"{{{name}}}  –  {FIELD_HELP[name]}", menu)
            action.setData(name)
            action.triggered.connect(lambda _=False, n=name: self.insert_field(n))
            menu.addAction(action)
        menu.addSeparator()
        reset = menu.addAction("Today's names (the default)")
        reset.triggered.connect(lambda: self.set_template(DEFAULT_TEMPLATE))
        self.fields_button.setMenu(menu)
        self.menu = menu

        self.example = QLabel()
        self.example.setWordWrap(True)
        tone(self.example, "muted")
        self.error = QLabel()
        self.error.setWordWrap(True)
        tone(self.error, "error")
        self.error.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.fields_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(row)
        lay.addWidget(self.example)
        lay.addWidget(self.error)
        self.edit.textChanged.connect(self._changed)
        self._changed()

    def template(self) -> str:
        return self.edit.text().strip() or DEFAULT_TEMPLATE

    def set_template(self, template: str) -> None:
        self.edit.setText(template)

    def problem(self) -> str | None:
        return check_template(self.template())

    def example_name(self) -> str:
        """The file name the sample job would get (no line-break hints)."""
        return render(self.template(), sample_job(), batch_name=SAMPLE_BATCH) + ".mp4"

    def insert_field(self, name: str) -> None:
        self.edit.insert(f"{{{name}}}")
        self.edit.setFocus()

    def _changed(self) -> None:
        problem = self.problem()
        if problem:
            self.example.hide()
            self.error.setText(problem)
            self.error.show()
        else:
            self.error.hide()
            self.example.setText(f"For example: {_breakable(self.example_name())}")
            self.example.show()
        if self._valid != (problem is None):
            self._valid = problem is None
            self.validityChanged.emit(self._valid)
