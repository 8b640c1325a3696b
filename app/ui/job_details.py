"""A job's details beside its preview: state, why it stopped, inputs, parameters, history.

Every text wraps to the pane's width (long ids too: a value that does not fit beside its
name goes under it). A job that ended without a video keeps its reason here, always
visible, not only in a tooltip or a bar that can be dismissed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs.model import Job, JobState
from app.ui import queue_text as words
from app.ui.icons import icon
from app.ui.theme import tone

SIMULATED_BADGE = "SIMULATED — not lip-synced"
PORTRAIT_SIZE = 72
History = Callable[[str], list]  # Engine.history: HistoryEntry(at, what, detail, by)


def _label(text: str = "", *, selectable: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def history_lines(entries: list) -> list[str]:
    """The store's job log in words: "12:01:04  Uploading", "12:06:40  Retry (attempt 2)".

    Entries are HistoryEntry (at, what, detail, by) or (at, what, detail) tuples."""
    lines = []
    for entry in entries:
        if isinstance(entry, tuple):
            t, what, detail = entry[:3]
        else:
            t, what, detail = entry.at, entry.what, entry.detail
        if "->" in what:
            state = what.split("->", 1)[1]
            try:
                text = words.STATE_WORDS[JobState(state)]
            except ValueError:
                text = state
        else:
            text = what.replace("_", " ").capitalize()
        if detail and detail not in (text.lower(), what):
            text += f" ({detail})"
        lines.append(f"{time.strftime('%H:%M:%S', time.localtime(t))}  {text}")
    return lines


def part_line(part: Job) -> str:
    """ "Part 2 · 0:14.2–0:23.5 · billed 10 s · Completed · request 7f3a… · $2.81"."""
    start, end = part.part_start or 0.0, part.part_end or 0.0
    bits = [
        f"Part {(part.part_index or 0) + 1}",
        f"{words.mmss(start)}–{words.mmss(end)}",
        f"billed {part.duration} s",
        words.state_word(part),
    ]
    if part.request_id:
        bits.append(f"request {part.request_id}")
    if part.cost is not None:
        bits.append(f"${part.cost:.2f}")
    return " · ".join(bits)


class JobDetails(QWidget):
    """What the preview pane says about the selected job; `history` reads its log."""

    takesRequested = Signal(str)  # job id: "Compare takes…" for a take of a takes group

    def __init__(self, parent: QWidget | None = None, history: History | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.parts: Callable[[str], list[Job]] | None = None  # Engine.parts: a long video's
        self.badge = QLabel(SIMULATED_BADGE)
        self.badge.setAccessibleName("Simulated result")
        self.badge.setStyleSheet(
            "background:#b45309; color:white; font-weight:bold; padding:3px 6px; border-radius:3px"
        )
        self.badge.hide()
        self.state_icon = QLabel()
        self.state = _label()
        self.state.setAccessibleName("Job state")
        self.reason = _label()
        self.reason.setAccessibleName("Why the job stopped")
        tone(self.reason, "error")
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(PORTRAIT_SIZE, PORTRAIT_SIZE)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setAccessibleName("Portrait")
        self.audio = _label()
        self.params_box = QWidget()  # hidden with no job: no names without values
        self.params = QFormLayout(self.params_box)
        self.params.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.params.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.params.setContentsMargins(0, 0, 0, 0)
        self.values: dict[str, QLabel] = {}
        for name in ("Prompt", "Duration", "Quality", "Seed", "Enhance prompt", "Request id"):
            self.values[name] = _label()
            self.params.addRow(f"<b>{name}</b>", self.values[name])
        self.values["Cost"] = _label()
        self.params.addRow("<b>Cost</b>", self.values["Cost"])
        self.parts_title = QLabel("<b>Parts</b>")
        self.parts_text = _label()
        self.parts_text.setAccessibleName("Parts of the long video")
        self.history_title = QLabel("<b>History</b>")
        self.history_text = _label()
        self.history_text.setAccessibleName("Job history")
        tone(self.history_text, "muted")

        self._job_id: str | None = None
        self.takes_button = QPushButton(icon("video"), "Compare takes…")
        self.takes_button.setToolTip("Play this pair's takes side by side, in sync")
        self.takes_button.clicked.connect(lambda: self.takesRequested.emit(self._job_id or ""))
        head = QHBoxLayout()
        head.addWidget(self.state_icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.state, 1)
        head.addWidget(self.takes_button, 0, Qt.AlignmentFlag.AlignTop)
        files = QHBoxLayout()
        files.addWidget(self.thumbnail, 0, Qt.AlignmentFlag.AlignTop)
        files.addWidget(self.audio, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.badge)
        lay.addLayout(head)
        lay.addWidget(self.reason)
        lay.addLayout(files)
        lay.addWidget(self.params_box)
        self.line = QFrame(frameShape=QFrame.Shape.HLine)
        lay.addWidget(self.line)
        lay.addWidget(self.parts_title)
        lay.addWidget(self.parts_text)
        lay.addWidget(self.history_title)
        lay.addWidget(self.history_text)
        lay.addStretch(1)
        self.show_job(None)

    def show_job(self, job: Job | None, portrait: QPixmap | None = None) -> None:
        """Fill in the job (None: empty); `portrait` is its picture when already decoded."""
        self.badge.setVisible(bool(job and job.demo))
        self._job_id = job.id if job else None
        self.takes_button.setVisible(
            job is not None
            and job.state == JobState.completed
            and getattr(job, "take", None) is not None
        )
        for w in (self.history_title, self.history_text, self.reason):
            w.setVisible(False)
        for w in (self.parts_title, self.parts_text):
            w.setVisible(False)
        self.params_box.setVisible(job is not None)
        self.line.setVisible(job is not None)
        if job is None:
            self.state_icon.clear()
            self.state.setText("")  # the picture beside says "Select a job…"
            self.thumbnail.clear()
            self.audio.clear()
            for label in self.values.values():
                label.clear()
            return
        self.state_icon.setPixmap(icon(words.state_icon(job)).pixmap(20, 20))
        self.state.setText(f"<b>{words.state_word(job)}</b>")
        stopped = job.state.finished and job.state != JobState.completed
        if stopped and (job.error_message or job.error_code):
            self.reason.setText(f"⚠ {job.error_message or words.reason(job)}")
            self.reason.setVisible(True)
        self._portrait(job.image, portrait)
        audio = Path(job.audio).name if job.audio and "://" not in job.audio else job.audio
        self.audio.setText(f"Portrait: {self._name(job.image)}\nVoice: {audio or '—'}")
        v = self.values
        v["Prompt"].setText(job.prompt)
        v["Duration"].setText(f"{job.duration} s" + (" billed in all" if job.is_long else ""))
        v["Quality"].setText(job.quality)
        v["Seed"].setText(str(job.seed))
        v["Enhance prompt"].setText("yes" if job.enhance_prompt else "no")
        v["Request id"].setText(job.request_id or "—")
        v["Cost"].setText(words.cost_text(job, None) if job.cost is not None else "—")
        parts = self.parts(job.id) if self.parts and job.is_long else []
        if parts:
            self.parts_text.setText("\n".join(part_line(p) for p in parts))
            self.parts_title.setText(f"<b>Parts</b> ({words.parts_done(parts)})")
            self.parts_title.setVisible(True)
            self.parts_text.setVisible(True)
        lines = history_lines(self.history(job.id)) if self.history else []
        if lines:
            self.history_text.setText("\n".join(lines[-12:]))
            self.history_title.setVisible(True)
            self.history_text.setVisible(True)

    @staticmethod
    def _name(path: str) -> str:
        return Path(path).name if path and "://" not in path else (path or "—")

    def _portrait(self, image: str, portrait: QPixmap | None) -> None:
        if portrait is None or portrait.isNull():
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText("online" if "://" in (image or "") else "")
            return
        ratio = self.devicePixelRatioF()
        pix = portrait.scaled(
            int(PORTRAIT_SIZE * ratio),
            int(PORTRAIT_SIZE * ratio),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        pix.setDevicePixelRatio(ratio)
        self.thumbnail.setPixmap(pix)
