"""The model's parameters: prompt, duration, quality, seed, enhance prompt (and the trim offer)."""

from __future__ import annotations

import random

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from app.jobs.model import DEFAULT_PROMPT, DURATIONS, SEED_MAX, SEED_MIN
from app.ui.icons import icon


def choose_duration(seconds: float) -> int | None:
    """The shortest duration that holds the clip (None if none does); app.jobs.media's rule."""
    try:
        from app.jobs.media import choose_duration as rule
    except ImportError:  # media module not importable: same rule, stated here
        return next((d for d in DURATIONS if seconds <= d + 0.05), None)
    return rule(seconds)


class ParamsPanel(QWidget):
    """Everything the creator sets besides the media; `changed` fires on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._audio_seconds: float | None = None

        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText(DEFAULT_PROMPT)
        self.prompt.setTabChangesFocus(True)
        self.prompt.setAccessibleName("Prompt")
        self.prompt.setToolTip(
            "Describe the video's mood and gestures. Empty: the model's default prompt."
        )
        self.prompt.setMinimumHeight(60)
        self.prompt.setMaximumHeight(90)
        self.prompt.textChanged.connect(self.changed)

        self.duration_group = QButtonGroup(self)
        durations = QHBoxLayout()
        for d in DURATIONS:
            b = QRadioButton(f"{d} s")
            b.setAccessibleName(f"Duration {d} seconds")
            b.setToolTip(f"A {d}-second video (longer costs more)")
            self.duration_group.addButton(b, d)
            durations.addWidget(b)
        durations.addStretch(1)
        self.duration_group.button(10).setChecked(True)
        self.duration_group.idToggled.connect(self._duration_toggled)

        self.trim_note = QLabel(wordWrap=True)
        self.trim_box = QCheckBox()
        self.trim_box.setAccessibleName("Trim the voice clip")
        self.trim_box.toggled.connect(self.changed)

        self.quality = QComboBox()
        self.quality.addItem("High", "high")
        self.quality.addItem("Mid (cheaper)", "mid")
        self.quality.setAccessibleName("Quality")
        self.quality.setToolTip("High looks best; mid costs about 40% less")
        self.quality.currentIndexChanged.connect(self.changed)

        self.seed = QSpinBox()
        self.seed.setRange(SEED_MIN, SEED_MAX)
        self.seed.setValue(42)
        self.seed.setAccessibleName("Seed")
        self.seed.setToolTip("The same seed and inputs give a similar video")
        self.seed.valueChanged.connect(self.changed)
        self.dice = QToolButton(icon=icon("dice"), text="Random")
        self.dice.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.dice.setAccessibleName("Random seed")
        self.dice.setToolTip("Pick a random seed")
        self.dice.clicked.connect(self.roll_seed)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.dice)

        self.enhance = QCheckBox("Enhance prompt")
        self.enhance.setToolTip("Let the service rewrite the prompt for a livelier result")
        self.enhance.toggled.connect(self.changed)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Prompt", self.prompt)
        form.addRow("&Duration", durations)
        form.addRow("", self.trim_note)
        form.addRow("", self.trim_box)
        form.addRow("&Quality", self.quality)
        form.addRow("&Seed", seed_row)
        form.addRow("", self.enhance)
        for w in (self.prompt, self.quality, self.seed):
            label = form.labelForField(w if w is not self.seed else seed_row)
            if isinstance(label, QLabel):
                label.setBuddy(w)
        label = form.labelForField(durations)
        if isinstance(label, QLabel):
            label.setBuddy(self.duration_group.button(10))
        self._update_trim()

    # -- values ---------------------------------------------------------------
    @property
    def duration(self) -> int:
        return self.duration_group.checkedId()

    def set_duration(self, seconds: int) -> None:
        self.duration_group.button(seconds).setChecked(True)

    @property
    def needs_trim(self) -> bool:
        """The clip is longer than the chosen duration."""
        return self._audio_seconds is not None and self._audio_seconds > self.duration + 0.05

    @property
    def trim_blocks(self) -> bool:
        """The clip is too long and the creator has not agreed to trim it."""
        return self.needs_trim and not self.trim_box.isChecked()

    def roll_seed(self) -> int:
        self.seed.setValue(random.randint(SEED_MIN, SEED_MAX))
        return self.seed.value()

    def values(self) -> dict:
        """The parameters for a JobRequest."""
        return {
            "prompt": self.prompt.toPlainText().strip() or DEFAULT_PROMPT,
            "duration": self.duration,
            "quality": self.quality.currentData(),
            "seed": self.seed.value(),
            "enhance_prompt": self.enhance.isChecked(),
            "trim": self.needs_trim and self.trim_box.isChecked(),
        }

    def set_audio_seconds(self, seconds: float | None) -> None:
        """Pre-select the shortest duration that holds the clip; flag a longer clip."""
        self._audio_seconds = seconds
        if seconds is not None:
            self.set_duration(choose_duration(seconds) or DURATIONS[-1])
        self._update_trim()
        self.changed.emit()

    def _duration_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self._update_trim()
            self.changed.emit()

    def _update_trim(self) -> None:
        show = self.needs_trim
        self.trim_note.setVisible(show)
        self.trim_box.setVisible(show)
        if show:
            self.trim_note.setText(
                f"⚠ The clip is {self._audio_seconds:.1f} s, longer than {self.duration} s: "
                "the video would stop before the voice does."
            )
            self.trim_box.setText(f"Trim the clip to its first {self.duration} s")
