"""The batch builder's settings for every job: the batch's name, the prompt (one for all,
or one per voice clip), the seeds (N random takes per pair, or a list) and the video's
duration, quality, prompt enhancement and splitting of long clips."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from app.jobs.prepare import random_seed
from app.ui.batch_grid import Choices, parse_seeds
from app.ui.params import DEFAULT_PROMPT, DURATIONS
from app.ui.theme import tone

MAX_TAKES = 20


def default_name(now: dt.datetime | None = None) -> str:
    return f"Batch {(now or dt.datetime.now()):%Y-%m-%d %H:%M}"


class BatchForm(QGroupBox):
    """`changed` on any edit; `perVoiceChanged(bool)` when the prompt mode switches."""

    changed = Signal()
    perVoiceChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("For every job", parent)
        self._random: dict[tuple[str, str], list[int]] = {}  # a pair's seeds, kept
        self.name_edit = QLineEdit(default_name())
        self.name_edit.setAccessibleName("Batch name")
        self.name_edit.setToolTip("Shown in the queue, and {batch} in file-name templates")

        self.same_prompt = QRadioButton("Same for all")
        self.per_voice = QRadioButton("One per voice clip")
        self.per_voice.setToolTip("Write each clip's prompt in the Prompt column of the list")
        self.same_prompt.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.same_prompt)
        group.addButton(self.per_voice)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText(DEFAULT_PROMPT)
        self.prompt.setAccessibleName("Prompt for all")
        self.prompt.setTabChangesFocus(True)
        self.prompt.setMaximumHeight(52)
        self.prompt.textChanged.connect(self.changed)
        self.per_voice.toggled.connect(self._prompt_mode)

        self.takes_radio = QRadioButton("Takes per pair")
        self.takes = QSpinBox(minimum=1, maximum=MAX_TAKES, value=2)
        self.takes.setAccessibleName("Takes per pair")
        self.takes.setToolTip("Random seeds, different for each take of a pair")
        self.list_radio = QRadioButton("Seeds")
        self.seed_list = QLineEdit()
        self.seed_list.setPlaceholderText("1, 7, 42")
        self.seed_list.setAccessibleName("Seed list")
        self.seed_list.setMinimumWidth(64)
        for radio in (self.takes_radio, self.list_radio):
            radio.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.seed_list.setToolTip("Every pair is made once with each of these seeds")
        self.takes_radio.setChecked(True)
        seeds = QButtonGroup(self)
        seeds.addButton(self.takes_radio)
        seeds.addButton(self.list_radio)
        seeds.buttonToggled.connect(lambda _b, on: on and self.changed.emit())
        self.takes.valueChanged.connect(lambda _v: self._seed_mode(self.takes_radio))
        self.seed_list.textEdited.connect(lambda _t: self._seed_mode(self.list_radio))
        self.seed_note = QLabel(wordWrap=True)
        self.seed_note.setAccessibleName("Seed problem")
        self.seed_note.hide()
        seed_row = QHBoxLayout()
        for w in (self.takes_radio, self.takes, self.list_radio):
            seed_row.addWidget(w)
        seed_row.addWidget(self.seed_list, 1)
        prompt_row = QHBoxLayout()
        prompt_row.addWidget(self.same_prompt)
        prompt_row.addWidget(self.per_voice)
        prompt_row.addStretch(1)

        self.duration = QComboBox()
        self.duration.addItem("Fit each clip", None)
        for d in DURATIONS:
            self.duration.addItem(f"{d} s", d)
        self.duration.setAccessibleName("Duration")
        self.duration.setToolTip("Fit: the shortest of 5, 10 or 15 s that holds each voice clip")
        self.quality = QComboBox()
        self.quality.addItem("High", "high")
        self.quality.addItem("Mid (cheaper)", "mid")
        self.quality.setAccessibleName("Quality")
        self.quality.setToolTip("High looks best; mid costs about 40% less")
        self.enhance = QCheckBox("Enhance prompt")
        self.enhance.setToolTip("Let the service rewrite the prompt for a livelier result")
        self.split = QCheckBox("Split long clips")
        self.split.setToolTip(
            "A voice clip over 15 s becomes a long video: parts made one after another and "
            "joined into one video (each part is billed)"
        )
        for combo in (self.duration, self.quality):
            combo.currentIndexChanged.connect(self.changed)
        for box in (self.enhance, self.split):
            box.toggled.connect(self.changed)
        video = QHBoxLayout()
        video.addWidget(self.duration, 1)
        video.addWidget(self.quality, 1)
        checks = QHBoxLayout()
        checks.addWidget(self.enhance)
        checks.addWidget(self.split)
        checks.addStretch(1)

        form = self._form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Name", self.name_edit)
        form.addRow("Prompt", prompt_row)
        form.addRow("", self.prompt)
        form.addRow("Seeds", seed_row)
        form.addRow("", self.seed_note)
        form.addRow("Video", video)
        form.addRow("", checks)

    def _prompt_mode(self, per_voice: bool) -> None:
        self.prompt.setEnabled(not per_voice and self.isEnabled())
        self.perVoiceChanged.emit(per_voice)
        self.changed.emit()

    def _seed_mode(self, radio: QRadioButton) -> None:
        if radio.isChecked():
            self.changed.emit()
        else:
            radio.setChecked(True)  # the group's toggle says changed

    def name(self) -> str:
        return self.name_edit.text().strip() or default_name()

    def choices(self, images: list[str], audios: list[str]) -> Choices:
        """What the form says for these files; ValueError when the seed list is not one
        (also shown under the seeds)."""
        pairs = [(i, a) for i in images for a in audios]
        try:
            if self.list_radio.isChecked():
                seeds = parse_seeds(self.seed_list.text())
                per_pair = [list(seeds) for _ in pairs]
            else:
                per_pair = [self._seeds_of(pair, self.takes.value()) for pair in pairs]
        except ValueError as exc:
            self.seed_note.setText(f"⚠ {exc}")
            tone(self.seed_note, "error")
            self.seed_note.show()
            raise
        self.seed_note.hide()
        return Choices(
            prompt=self.prompt.toPlainText(),
            per_voice=self.per_voice.isChecked(),
            seeds_per_pair=per_pair,
            duration=self.duration.currentData(),
            quality=self.quality.currentData(),
            enhance_prompt=self.enhance.isChecked(),
            split=self.split.isChecked(),
        )

    def _seeds_of(self, pair: tuple[str, str], n: int) -> list[int]:
        """A pair's first n random seeds: the same ones on every re-check of the grid."""
        known = self._random.setdefault(pair, [])
        while len(known) < n:
            seed = random_seed()
            if seed not in known:
                known.append(seed)
        return known[:n]

    def set_locked(self, locked: bool, name: str | None = None) -> None:
        """Imported rows carry their own settings: only the name is shown (and editable)."""
        for row in range(1, self._form.rowCount()):
            self._form.setRowVisible(row, not locked)
        self.seed_note.setVisible(False)
        self.setTitle("Batch" if locked else "For every job")
        if name is not None:
            self.name_edit.setText(name)

    def reset(self) -> None:
        self._random.clear()
        self.set_locked(False, default_name())
