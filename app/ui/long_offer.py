"""The long-video offer: a voice clip longer than 15 s becomes one video made of parts.

Shown under the parameters when the clip is longer than the longest video, beside the
trim choice: the plan (parts, where the cuts fall, what each is billed, the total at the
chosen quality) comes from the engine's planner; the cuts are drawn on the waveform.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from app.jobs.model import DURATIONS
from app.ui.theme import tone

if TYPE_CHECKING:  # asyncio (under the bridge) loads after the first paint
    from app.ui.bridge import EngineBridge


def plan_words(plan) -> str:
    """ "3 parts cut at pauses: 0:00-0:14 (15 s), ...; about $9.84 at high quality"."""
    parts = ", ".join(
        f"{_clock(p.start)}–{_clock(p.end)} (billed {p.duration} s)" for p in plan.parts
    )
    gaps = ""
    if plan.gaps:
        gaps = f"; {len(plan.gaps)} long pause(s) not sent (the picture holds)"
    return (
        f"{len(plan.parts)} parts cut at pauses: {parts}{gaps}. "
        f"About ${plan.total:.2f} at {plan.quality} quality."
    )


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


class LongVideoOffer(QWidget):
    """ "Make a long video" for a clip over 15 s; `changed` when chosen or re-planned."""

    changed = Signal()
    planned = Signal(object)  # the Plan, or None

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.plan = None
        self._key: tuple | None = None
        self.box = QCheckBox("Make a long video of the whole clip")
        self.box.setAccessibleName("Make a long video")
        self.box.setToolTip(
            "The clip is cut at its pauses into parts of at most 15 s, each part becomes a "
            "video, and they are joined into one under your original recording."
        )
        self.words = QLabel(wordWrap=True)
        self.words.setAccessibleName("Long video plan")
        tone(self.words, "muted")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.box)
        lay.addWidget(self.words)
        self.box.toggled.connect(lambda _on: self.changed.emit())
        self.setVisible(False)

    @property
    def chosen(self) -> bool:
        """The creator asked for a long video of a clip that needs one."""
        return not self.isHidden() and self.box.isChecked()

    def offer(self, audio: str | None, seconds: float | None, quality: str) -> None:
        """Offer (and plan) a long video when the clip is longer than the longest video."""
        long_enough = bool(audio) and seconds is not None and seconds > DURATIONS[-1] + 0.05
        self.setVisible(long_enough)
        if not long_enough:
            self._set_plan(None, "")
            self._key = None
            return
        key = (audio, quality)
        if key == self._key:
            return
        self._key = key
        self.words.setText("Planning the parts…")
        engine = self.bridge.engine
        if engine is None:
            self.words.setText("The plan appears once the studio has started.")
            return

        def done(plan, key=key) -> None:
            if key == self._key:  # the clip or quality did not change meanwhile
                self._set_plan(plan, plan_words(plan))

        def failed(exc: BaseException, key=key) -> None:
            if key == self._key:
                message = getattr(exc, "message", None) or str(exc)
                self._set_plan(None, f"No long video for this clip: {message}")

        self.bridge.run(engine.plan_long_video(audio, quality), done=done, failed=failed)

    def _set_plan(self, plan, words: str) -> None:
        self.plan = plan
        self.words.setText(words)
        self.planned.emit(plan)
        self.changed.emit()
