"""The form on the left: portrait, voice clip, parameters, the cost and the Generate button.

It keeps a draft (inputs and parameters) on disk as it changes, so the form survives a
restart and a crash, and it loads a job's settings back ("Edit and resubmit", "Use these
settings", a video made here dropped onto the window, via its sidecar JSON).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.settings import write_atomic
from app.ui.audio_slot import AudioSlot
from app.ui.bridge import EngineBridge
from app.ui.icons import icon
from app.ui.long_offer import LongVideoOffer
from app.ui.media_slot import ImageSlot
from app.ui.params import ParamsPanel

log = logging.getLogger(__name__)
READY = "Generate video"


def job_values(job) -> dict:
    """A job's inputs and parameters as the form takes them."""
    return {
        "image": job.image,
        "audio": job.audio,
        **job.params(),
        "trim": job.trim,
        "trim_start": getattr(job, "trim_start", 0.0) or 0.0,
    }


def sidecar_values(video: Path) -> tuple[dict, str | None, list[str]]:
    """What a video made here was made from: (values, its job id, inputs not found).

    The sidecar names the inputs (and their hashes); they are looked for next to the video.
    Raises ValueError when the file has no sidecar from this app.
    """
    side = video.with_suffix(".json")
    try:
        info = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{video.name} has no settings file from this app ({side.name}).") from exc
    if not isinstance(info, dict) or info.get("app") != "Speech2Video Studio":
        raise ValueError(f"{side.name} was not written by Speech2Video Studio.")
    values = dict(info.get("parameters") or {})
    inputs = info.get("inputs") or {}
    audio = inputs.get("audio") or {}
    values["trim"] = bool(audio.get("trimmed"))
    values["trim_start"] = float(audio.get("trim_start") or 0.0)
    missing = []
    for kind in ("image", "audio"):
        name = (inputs.get(kind) or {}).get("name")
        found = video.parent / name if name else None
        if found is not None and found.is_file():
            values[kind] = str(found)
        elif name:
            missing.append(name)
    return values, info.get("job_id"), missing


class InputsPanel(QWidget):
    """Everything the creator fills in before Generate; `generateRequested` on the button."""

    generateRequested = Signal()
    changed = Signal()

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image_slot = ImageSlot(bridge=bridge)
        self.audio_slot = AudioSlot(bridge=bridge)
        self.params = ParamsPanel()
        self.long_offer = LongVideoOffer(bridge)
        self.money = QLabel(wordWrap=True)
        self.money.setAccessibleName("Cost")
        self.generate_button = QPushButton(icon("generate"), READY)
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumHeight(36)
        self.generate_button.setAccessibleName(READY)
        self.generate_button.clicked.connect(lambda _c=False: self.generateRequested.emit())
        self._draft: Path | None = None
        self._restoring = False
        self._save_timer = QTimer(self, singleShot=True, interval=400)
        self._save_timer.timeout.connect(self.save_draft)

        form = QWidget()
        fl = QVBoxLayout(form)
        fl.setContentsMargins(0, 0, 4, 0)
        for w in (self.image_slot, self.audio_slot, self.long_offer, self.params):
            fl.addWidget(w)
        fl.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(form)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(self.money)  # cost and Generate stay visible however tall the inputs
        lay.addWidget(self.generate_button)
        self.setMinimumWidth(300)

        for slot in (self.image_slot, self.audio_slot):
            slot.changed.connect(self._changed)
        self.audio_slot.changed.connect(
            lambda: self.params.set_audio_seconds(self.audio_slot.seconds)
        )
        self.params.changed.connect(self._changed)
        self.params.trimChanged.connect(self._show_trim)
        self.audio_slot.changed.connect(self._offer_long_video)
        self.params.quality.currentIndexChanged.connect(lambda _i: self._offer_long_video())
        self.long_offer.changed.connect(self._long_video_changed)
        self.long_offer.planned.connect(
            lambda plan: self.audio_slot.waveform.set_cuts(list(plan.cuts) if plan else [])
        )
        self.audio_slot.waveform.windowMoved.connect(self.params.set_trim_start)

    def tab_order(self) -> list[QWidget]:
        s, a = self.image_slot, self.audio_slot
        return [s, s.browse_button, s.url_edit, a, a.play_button, a.waveform, a.browse_button]

    # -- Generate -----------------------------------------------------------------
    def blocker(self) -> str | None:
        """Why the form cannot be sent yet, in the words of the button; None when it can."""
        for slot, add in (
            (self.image_slot, "Add a portrait"),
            (self.audio_slot, "Add a voice clip"),
        ):
            if not slot.value:
                return add
            if slot.loading:
                return f"Checking the {slot.noun}…"
            if slot.error:
                return f"Fix the {slot.noun}"
        if self.params.trim_blocks and not self.long_offer.chosen:
            if not self.long_offer.isHidden():
                return "Trim the clip or make a long video"
            return "Trim the clip or pick a longer video"
        return self.params.prompt_problem

    def show_blocker(self, reason: str | None) -> None:
        b = self.generate_button
        b.setEnabled(reason is None)
        b.setText(reason or READY)
        b.setToolTip(
            reason or "Send the job to Segmind (Ctrl+Enter). Your files are uploaded first."
        )
        b.setAccessibleDescription(reason or "")

    def values(self) -> dict:
        values = {
            "image": self.image_slot.value,
            "audio": self.audio_slot.value,
            **self.params.values(),
        }
        if self.long_offer.chosen:  # the whole clip, in parts: no trim, no one duration
            values.update(split=True, duration=None, trim=False, trim_start=0.0)
        return values

    def _offer_long_video(self) -> None:
        a = self.audio_slot
        ok = a.value and not a.error and not a.loading
        self.long_offer.offer(a.value if ok else None, a.seconds, self.params.quality.currentData())

    def _long_video_changed(self) -> None:
        chosen = self.long_offer.chosen
        if chosen and self.params.trim_box.isChecked():
            self.params.trim_box.setChecked(False)  # one or the other
        self.params.trim_box.setEnabled(not chosen)
        self._changed()

    def request(self):
        """The JobRequest the form describes."""
        from app.jobs.prepare import JobRequest

        known = {f.name for f in dataclasses.fields(JobRequest)}
        return JobRequest(**{k: v for k, v in self.values().items() if k in known})

    def _show_trim(self) -> None:
        p, wave = self.params, self.audio_slot.waveform
        wave.set_window(p.duration if p.trimming else None, p.trim_start)

    # -- loading settings -------------------------------------------------------------
    def load(self, values: dict) -> None:
        """Fill the form: the inputs that are given and the parameters."""
        self._restoring = True
        try:
            for slot, key in ((self.image_slot, "image"), (self.audio_slot, "audio")):
                if values.get(key) and values[key] != slot.value:
                    slot.take(values[key])
            self.params.set_values(values)
        finally:
            self._restoring = False
        self._changed()

    # -- the draft ----------------------------------------------------------------------
    def keep_draft(self, path: Path | None) -> None:
        """Restore the form from `path` and keep it there as it changes (None: no draft)."""
        self._draft = path
        if path is None or not path.exists():
            return
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("ignoring an unreadable draft at %s", path)
            return
        if isinstance(values, dict):
            if values.get("prompt_text") is not None:
                values["prompt"] = values["prompt_text"]
            self.load(values)

    def save_draft(self) -> None:
        if self._draft is None:
            return
        values = self.values()
        values["prompt_text"] = self.params.prompt.toPlainText()  # as typed, even empty
        try:
            write_atomic(self._draft, json.dumps(values, indent=2).encode())
        except OSError:
            log.exception("could not save the form's draft")

    def _changed(self) -> None:
        if not self._restoring:
            if self._draft is not None:
                self._save_timer.start()
            self.changed.emit()
