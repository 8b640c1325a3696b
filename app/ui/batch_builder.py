"""The batch builder: many videos from one plan (portraits x voice clips x seeds).

The creator picks (or drops) portraits and voice clips, one prompt or one per clip, and
seeds; the grid shows every job the batch will make, each checked by the engine like a
single job (`Engine.plan_batch`, nothing sent), its cost, and the total against the
balance and the spend threshold. Nothing is sent before Submit (`Engine.submit_batch`).
A CSV (app.jobs.batch_csv) can fill the grid instead, and the grid can be exported.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.api.errors import ErrorKind, SegmindError
from app.media.formats import names
from app.ui import batch_grid as g
from app.ui.batch_form import BatchForm
from app.ui.batch_inputs import InputLists
from app.ui.batch_io import BatchFiles
from app.ui.batch_totals import Money, check_text, totals_text
from app.ui.confirm import ask
from app.ui.params import DEFAULT_PROMPT
from app.ui.theme import tone

log = logging.getLogger(__name__)
PLAN_DELAY_MS = 300  # edits settle before the engine checks the grid again


class BatchBuilder(BatchFiles, QDialog):
    """ "New batch": choose, look at the grid, submit. `submitted(batch, jobs)` after."""

    submitted = Signal(object, list)

    def __init__(self, bridge, parent: QWidget | None = None, *, demo: bool = False) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.demo = demo
        self.dialogs: dict[str, QWidget] = {}
        self._imported: list | None = None  # rows read from a CSV (then the lists are off)
        self._plan_task = None
        self._generation = 0
        self._checking = False
        self._sending = False
        self._error: str | None = None
        self.setWindowTitle("New batch")
        self.setAcceptDrops(True)
        self.setSizeGripEnabled(True)
        self.setMinimumSize(760, 560)

        self.inputs = InputLists(self)
        self.inputs.changed.connect(self.schedule_plan)
        self.inputs.filesChosen.connect(self.add_files)  # the refused ones named
        self.inputs.measure = self._measure
        self.form = BatchForm(self)
        self.form.changed.connect(self.schedule_plan)
        self.form.perVoiceChanged.connect(self._per_voice)
        self.form.perVoiceChanged.connect(lambda _on: self._show_prompt_column())
        self.model = g.BatchGridModel(self)
        self.model.changed.connect(self.update_totals)
        self.grid = g.grid_view(self.model)
        self._show_prompt_column()

        self.imported_note = QLabel(wordWrap=True)
        self.start_over = QPushButton("Start over")
        self.start_over.clicked.connect(lambda _c=False: self.clear())
        note_row = QHBoxLayout()
        note_row.addWidget(self.imported_note, 1)
        note_row.addWidget(self.start_over)
        self.imported_box = QWidget()
        self.imported_box.setLayout(note_row)
        note_row.setContentsMargins(0, 0, 0, 0)
        self.imported_box.hide()

        self.totals = QLabel(wordWrap=True)
        self.totals.setAccessibleName("Batch total")
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel(wordWrap=True)
        self.leave_out = QPushButton("Leave them out")
        self.leave_out.setToolTip("Uncheck the rows with a problem: the others can go")
        self.leave_out.clicked.connect(lambda _c=False: self.model.uncheck_problems())
        self.leave_out.hide()
        self.status.setAccessibleName("Batch check")
        self.note = QLabel(wordWrap=True)  # what the last drop, import or export did
        self.note.setAccessibleName("Message")
        self.note.hide()
        self.import_button = QPushButton("Import CSV…")
        self.import_button.clicked.connect(lambda _c=False: self.import_csv())
        self.export_button = QPushButton("Export as CSV…")
        self.export_button.setToolTip("Write the checked rows as a CSV (s2v-studio batch reads it)")
        self.export_button.clicked.connect(lambda _c=False: self.export_csv())
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self.reject)
        self.submit_button = QPushButton("Submit batch")
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(lambda _c=False: self.submit())

        top = QWidget()
        tl = QHBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.inputs, 3)
        tl.addWidget(self.form, 2)
        grid_box = QWidget()
        gl = QVBoxLayout(grid_box)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addWidget(self.imported_box)
        gl.addWidget(self.grid, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(grid_box)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        buttons = QHBoxLayout()
        for b in (self.import_button, self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.submit_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.splitter, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.totals)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.leave_out)
        lay.addLayout(status_row)
        lay.addLayout(buttons)
        self.resize(1100, 760)

        self._plan_timer = QTimer(self, singleShot=True, interval=PLAN_DELAY_MS)
        self._plan_timer.timeout.connect(self.plan)
        bridge.creditsChanged.connect(lambda *_: self.update_totals())
        self.update_totals()

    # -- files --------------------------------------------------------------------------
    def add_files(self, paths: list[str]) -> list[str]:
        """Portraits to portraits, voice clips to voices; the names of the others."""
        refused = self.inputs.add_files(paths)
        if refused:
            self.show_message(
                f"Not added: {', '.join(refused)}. Portraits are {names('image')} images, "
                f"voice clips {names('audio')} files.",
                "error",
            )
        elif paths:
            self.note.hide()
        return refused

    def _measure(self, path: str, done) -> None:
        from app.jobs.media import inspect_audio_async

        self.bridge.run(
            inspect_audio_async(path),
            done=lambda info: done(info.seconds),
            failed=lambda _exc: done(None),  # the grid's check says what is wrong
        )

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        md = event.mimeData()
        if self._imported is None and md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    dragMoveEvent = dragEnterEvent

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.add_files([u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()])
        event.acceptProposedAction()

    # -- the grid -----------------------------------------------------------------------
    def schedule_plan(self) -> None:
        self._error = None
        self._plan_timer.start()

    def requests(self) -> list:
        """Every row the form (or the imported CSV) describes, checked or not."""
        if self._imported is not None:
            return list(self._imported)
        audios = [v.path for v in self.inputs.voices]
        choices = self.form.choices(self.inputs.images, audios)
        return g.make_requests(self.inputs.images, self.inputs.voices, choices, DEFAULT_PROMPT)

    def plan(self) -> None:
        """Rebuild the grid and have the engine check every row (latest wins)."""
        self._plan_timer.stop()
        try:
            reqs = self.requests()
        except ValueError:  # the form shows it under the seeds
            reqs = []
        if len(reqs) > g.MAX_ROWS:
            self.show_message(
                f"{len(reqs):,} jobs is more than one batch takes here ({g.MAX_ROWS:,}): "
                "choose fewer files or seeds, or use a CSV with s2v-studio batch.",
                "error",
            )
            reqs = []
        self.model.set_requests(reqs)
        if self._plan_task is not None:
            self._plan_task.cancel()
            self._plan_task = None
        self._generation += 1
        if not reqs or self.bridge.engine is None:
            self._checking = False
            self.update_totals()
            return
        self._checking = True
        self.update_totals()
        gen = self._generation
        self._plan_task = self.bridge.run(
            g.check_rows(self.bridge.engine, reqs),
            done=lambda result: self._planned(gen, result),
            failed=lambda exc: self._plan_failed(gen, exc),
        )

    def _fit_top(self) -> None:
        """The choices get the height they need (less for imported rows), the grid the rest."""
        top = self.splitter.widget(0)
        top.layout().activate()
        total = sum(self.splitter.sizes()) or self.height()
        want = top.sizeHint().height()
        self.splitter.setSizes([want, max(0, total - want)])

    def _per_voice(self, on: bool) -> None:
        """One prompt per clip: each starts as the shared prompt, ready to be changed."""
        shared = self.form.prompt.toPlainText().strip()
        if on and shared:
            for row, voice in enumerate(self.inputs.voices):
                if not voice.prompt:
                    self.inputs.set_prompt(row, shared)
        self.inputs.set_prompts_editable(on)

    def _show_prompt_column(self) -> None:
        """The prompt of each row only when rows can differ by it."""
        same = self._imported is None and not self.form.per_voice.isChecked()
        self.grid.setColumnHidden(g.COL_PROMPT, same)

    def _planned(self, gen: int, result) -> None:
        if gen != self._generation:
            return
        self._plan_task, self._checking = None, False
        self.model.set_results(result, self.bridge.engine.estimate)

    def _plan_failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._generation:
            return
        self._plan_task, self._checking = None, False
        if not isinstance(exc, SegmindError):
            log.error("checking the batch failed", exc_info=exc)
        self._error = str(exc)
        self.update_totals()

    def update_totals(self) -> None:
        m, engine = self.model, self.bridge.engine
        rows, bad, total = m.checked_rows(), m.problem_rows(), m.total()
        money = Money(demo=self.demo)
        if engine is not None and not self.demo:
            money.credits = self.bridge.credits
            try:
                money.spent = engine.spent_this_month()
                money.over_limit = bool(total) and engine.spend_problem(total) is not None
            except Exception:  # noqa: BLE001 - a closed store while quitting
                pass
            money.limit = engine.settings.spend_threshold
        text, warn = totals_text(len(rows), len(m.rows), len(bad), total, self._checking, money)
        self.totals.setText(text)
        tone(self.totals, "warning" if warn else None)
        problems = [(g.row_of(r.request, m.rows.index(r)), r.problem) for r in bad]
        text, ok = check_text(len(rows), problems, self._checking)
        if self._sending:
            text, ok = "Sending the batch…", False
        elif self._error:
            text, ok = self._error, False
        tone(self.status, "error" if self._error or bad else "muted")
        self.leave_out.setVisible(bool(bad) and not self._checking)
        self.status.setText(text)
        self.submit_button.setEnabled(ok and engine is not None)
        n = len(rows)
        self.submit_button.setText(f"Submit {n} job{'s' if n != 1 else ''}" if n else "Submit")
        self.export_button.setEnabled(bool(rows) and not self._sending)

    def show_message(self, text: str, kind: str = "muted") -> None:
        self.note.setText(text)
        tone(self.note, kind)
        self.note.show()

    # -- import, export -------------------------------------------------------------------
    def load_requests(self, requests: list, source: str) -> None:
        """Fill the grid with rows read from a CSV; the lists are off until Start over."""
        for i, req in enumerate(requests):
            if req.row is None:
                g.set_row(req, i + 2)
        self._imported = list(requests)
        self.inputs.hide()
        n = len(requests)
        self.imported_note.setText(
            f"{n} row{'s' if n != 1 else ''} from {source}, with their own settings: "
            "uncheck rows to leave them out."
        )
        self.imported_box.show()
        self.form.set_locked(True, Path(source).stem)
        self._fit_top()
        self._show_prompt_column()
        self.plan()

    def clear(self) -> None:
        """An empty builder (after a submit, or Start over)."""
        self._imported = None
        self.imported_box.hide()
        self.inputs.clear()
        self.inputs.show()
        self.form.reset()
        self._fit_top()
        self._show_prompt_column()
        self._error = None
        self.plan()

    # -- submit ---------------------------------------------------------------------------
    def submit(self, *, guard_spend: bool = True, force: bool | None = None) -> None:
        """Submit the checked rows; rows that would pay twice and the spend threshold
        are asked about first (force=None: ask when there are such rows)."""
        reqs = self.model.requests()
        if not reqs or self._sending or self.model.problem_rows():
            return
        twins = self.model.twin_rows()
        if force is None and twins:
            n = len(twins)
            ask(
                self,
                "Pay again for the same videos",
                f"{n} row{'s' if n > 1 else ''} would make a video already made (or made "
                f"twice in this batch) and be billed again: {twins[0].twin}",
                info="Uncheck those rows or change their seeds, or submit anyway.",
                accept=("Submit anyway", lambda: self.submit(guard_spend=guard_spend, force=True)),
                registry=self.dialogs,
                key="force",
            )
            return
        force = bool(force)
        name = self.form.name()
        self._sending = True
        self.update_totals()
        self.bridge.run(
            self.bridge.engine.submit_batch(reqs, name, force=force, guard_spend=guard_spend),
            done=self._submitted,
            failed=lambda exc: self._submit_failed(exc, guard_spend, force),
        )

    def _submitted(self, result) -> None:
        self._sending = False
        batch, jobs = result
        self.submitted.emit(batch, list(jobs))
        self.clear()
        self.accept()

    def _submit_failed(self, exc: BaseException, guard_spend: bool, force: bool) -> None:
        self._sending = False
        problems = getattr(exc, "problems", None)
        if problems:  # found only now (a file changed, a twin completed meanwhile)
            self.show_message(
                "Nothing was sent: the rows changed since they were checked.", "error"
            )
            self.plan()
            return
        if isinstance(exc, SegmindError) and exc.kind == ErrorKind.spend_threshold:
            ask(
                self,
                "Confirm spending",
                exc.message,
                info="Change the threshold in Settings → Preferences.",
                accept=("Submit anyway", lambda: self.submit(guard_spend=False, force=force)),
                registry=self.dialogs,
                key="spend",
            )
        elif not isinstance(exc, SegmindError):
            log.error("submitting the batch failed", exc_info=exc)
            self.show_message(f"Nothing was sent: unexpected error: {exc}", "error")
        else:
            self.show_message(str(exc), "error")
        self.update_totals()
