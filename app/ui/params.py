"""The model's parameters: prompt, duration, quality, seed, enhance prompt (and the trim offer).

The prompt shows its length against the limit the app enforces as it is typed, and what
an empty prompt means (the model's default is sent). A trim keeps a window of the clip
that the creator places on the waveform (`trim_start`).
"""

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
from app.ui.theme import tone
from app.ui.waveform import clock

PROMPT_LIMIT = 2000  # what app.jobs.prepare.check_parameters accepts


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
    trimChanged = Signal()  # the trim was switched, or the kept length changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._audio_seconds: float | None = None
        self.trim_start = 0.0
        self._pinned: int | None = None  # a loaded job's duration, kept when its clip arrives

        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText(DEFAULT_PROMPT)
        self.prompt.setTabChangesFocus(True)
        self.prompt.setAccessibleName("Prompt")
        self.prompt.setToolTip(
            "Describe the video's mood and gestures. Empty: the model's default prompt."
        )
        self.prompt.setMinimumHeight(60)
        self.prompt.setMaximumHeight(90)
        self.prompt.textChanged.connect(self._prompt_changed)
        self.count = QLabel(wordWrap=True)
        self.count.setAccessibleName("Prompt length")

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
        self.trim_box.toggled.connect(self._trim_toggled)

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
        form.addRow("", self.count)
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
        self._prompt_changed()

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

    @property
    def trimming(self) -> bool:
        return self.needs_trim and self.trim_box.isChecked()

    @property
    def prompt_problem(self) -> str | None:
        """Why the prompt cannot be sent, in the words of the Generate button."""
        if len(self.prompt.toPlainText().strip()) > PROMPT_LIMIT:
            return f"Shorten the prompt ({PROMPT_LIMIT:,} characters at most)"
        return None

    def values(self) -> dict:
        """The parameters for a JobRequest."""
        return {
            "prompt": self.prompt.toPlainText().strip() or DEFAULT_PROMPT,
            "duration": self.duration,
            "quality": self.quality.currentData(),
            "seed": self.seed.value(),
            "enhance_prompt": self.enhance.isChecked(),
            "trim": self.trimming,
            "trim_start": round(self.trim_start, 2) if self.trimming else 0.0,
        }

    def set_values(self, v: dict) -> None:
        """Fill the form from a job, a draft or a video's sidecar (unknown keys ignored)."""
        if "prompt" in v:
            prompt = v["prompt"] or ""
            self.prompt.setPlainText("" if prompt == DEFAULT_PROMPT else prompt)
        if v.get("duration") in DURATIONS:
            self._pinned = int(v["duration"])
            self.set_duration(self._pinned)
        i = self.quality.findData(v.get("quality"))
        if i >= 0:
            self.quality.setCurrentIndex(i)
        if isinstance(v.get("seed"), int):
            self.seed.setValue(v["seed"])
        if "enhance_prompt" in v:
            self.enhance.setChecked(bool(v["enhance_prompt"]))
        self.trim_start = float(v.get("trim_start") or 0.0)
        self.trim_box.setChecked(bool(v.get("trim")))
        self._update_trim()

    def set_trim_start(self, seconds: float) -> None:
        """Where the kept part of the clip starts (the waveform's window moved)."""
        self.trim_start = max(0.0, seconds)
        self._update_trim()
        self.changed.emit()

    def _prompt_changed(self) -> None:
        n = len(self.prompt.toPlainText().strip())
        if n == 0:
            self.count.setText(f"Empty: the model's default prompt is sent (“{DEFAULT_PROMPT}”)")
            tone(self.count, "muted")
        elif n > PROMPT_LIMIT:
            self.count.setText(
                f"⚠ {n:,} / {PROMPT_LIMIT:,} characters: {n - PROMPT_LIMIT:,} too many"
            )
            tone(self.count, "error")
        else:
            self.count.setText(f"{n:,} / {PROMPT_LIMIT:,} characters")
            tone(self.count, "muted")
        self.changed.emit()

    def _trim_toggled(self, _on: bool) -> None:
        self._update_trim()
        self.changed.emit()

    def set_audio_seconds(self, seconds: float | None) -> None:
        """Pre-select the shortest duration that holds the clip; flag a longer clip."""
        self._audio_seconds = seconds
        if seconds is not None:
            pinned, self._pinned = self._pinned, None
            self.set_duration(pinned or choose_duration(seconds) or DURATIONS[-1])
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
            top = max(0.0, self._audio_seconds - self.duration)
            self.trim_start = min(self.trim_start, top)
            note = (
                f"⚠ The clip is {self._audio_seconds:.1f} s, longer than {self.duration} s: "
                "the video would stop before the voice does."
            )
            if self.trim_box.isChecked():
                end = self.trim_start + self.duration
                self.trim_box.setText(f"Trim: keep {clock(self.trim_start)}–{clock(end)}")
                note += " Drag the window on the waveform to keep another part."
            else:
                self.trim_box.setText(f"Trim to {self.duration} s")
            self.trim_note.setText(note)
        self.trimChanged.emit()
