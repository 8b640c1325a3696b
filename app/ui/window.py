"""The studio window: the form on the left, the queue (most of the height) and the preview
on the right.

Widgets hold no async logic: they call the engine through EngineBridge and follow its
events. Dialogs are opened with .open() (never exec(): coroutines keep running); the
questions before spending, stopping or forgetting are app.ui.window_flows, the menus
app.ui.window_menus, the form app.ui.inputs_panel.

Start-up paints first: the window can be built without its engine (the frame, inputs and an
empty queue), shown, and given the engine after its first paint with `attach(engine)`,
which also builds the video preview (Qt Multimedia) and fills the queue from the store.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.api.errors import SegmindError
from app.jobs.model import ACTIVE, Job, JobState
from app.ui.bridge import EngineBridge
from app.ui.error_bar import ErrorBar
from app.ui.first_run import FirstRun, banner
from app.ui.icons import app_icon
from app.ui.inputs_panel import InputsPanel
from app.ui.queue_batch_flows import on_batch_action
from app.ui.queue_model import DEMO_BADGE, JobTableModel
from app.ui.queue_view import QueueView
from app.ui.tray import Tray
from app.ui.window_dialogs import WindowDialogs
from app.ui.window_flows import WindowFlows
from app.ui.window_layout import WindowLayout
from app.ui.window_menus import build_menus

log = logging.getLogger(__name__)
MIN_SIZE = (1024, 680)
STATUS_SECONDS = 5


class StudioWindow(WindowFlows, WindowLayout, WindowDialogs, QMainWindow):
    """Drop, queue, watch, preview. `closed` is set when the creator really quits."""

    demoRequested = Signal()
    leaveDemoRequested = Signal()

    def __init__(
        self,
        engine,  # None: attach() it after the first paint
        settings,
        paths,
        keystore=None,
        *,
        demo: bool = False,
        theme=None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine, self.settings, self.paths, self.keystore = None, settings, paths, keystore
        self.demo, self.theme = demo, theme
        self._closed = None  # an asyncio.Event, made when the main coroutine asks for it
        self._quitting = False
        self._privacy_ok = bool(settings.privacy_notice_seen)
        self._last_request = None
        self._dialogs: dict[str, QWidget] = {}
        self._has_key = demo  # a stored key is looked up in attach(): the keyring can be slow
        self._laid_out = False
        # the application's display name is added by the window system: not repeated here
        self.setWindowTitle(DEMO_BADGE if demo else "")
        self.setMinimumSize(*MIN_SIZE)
        self.setAcceptDrops(True)  # a video made here: its settings into the form

        self.bridge = EngineBridge(None, self)
        self.model = JobTableModel((), self, estimate=self._estimate, times=self._times)
        self.model.parts = self._parts
        self._states: dict[str, JobState] = {}
        self.tray = Tray(self, enabled=settings.notifications)
        self.preview = None  # built in attach(): Qt Multimedia takes a while to load
        self._build()
        self._connect()
        self.restore_state()
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self.model.tick)
        self._tick.timeout.connect(self.update_counts)  # the request budget's next slot
        self._tick.start()
        self.update_generate()
        self.update_money()
        self.update_counts()
        if not demo:  # the demo never writes the creator's files, the draft included
            self.inputs.keep_draft(paths.config / "draft.json")
        if engine is not None:
            self.attach(engine)

    def attach(self, engine) -> None:
        """Connect the engine: its events, the stored key, the preview and the queue."""
        self.engine = engine
        self.setWindowIcon(app_icon())  # after the first paint: it reads nine files
        self.bridge.attach(engine)
        if self.preview is None:
            self._build_preview()
        self._has_key = self.demo or bool(self.keystore and self.keystore.key())
        store = getattr(engine, "store", None)
        self.model.batches = getattr(engine, "batch_summary", None)  # a group's name, money
        if store is not None and hasattr(store, "page"):
            self.model.load(store)  # the newest jobs now, older ones in idle time
        else:
            self.model.set_jobs(engine.jobs())
        self._states = {j.id: j.state for j in self.model.jobs() if j.state in ACTIVE}
        self.update_generate()
        self.update_money()
        self.update_counts()

    @property
    def closed(self):
        """Set when the creator really quits (asyncio is imported only after the first paint)."""
        if self._closed is None:
            import asyncio

            self._closed = asyncio.Event()
            if self._quitting:
                self._closed.set()
        return self._closed

    def _parts(self, job_id: str) -> list:
        """A long video's parts (none before the engine is attached)."""
        return self.engine.parts(job_id) if self.engine is not None else []

    def _estimate(self, quality: str, duration: int) -> float | None:
        return self.engine.estimate(quality, duration) if self.engine is not None else None

    def _times(self):
        from app.jobs.estimates import job_times

        typical = self.engine.typical_seconds() if self.engine is not None else 330.0
        return job_times([], typical)

    # the form's parts, by the names the rest of the app (and its tests) use
    image_slot = property(lambda self: self.inputs.image_slot)
    audio_slot = property(lambda self: self.inputs.audio_slot)
    params = property(lambda self: self.inputs.params)
    money = property(lambda self: self.inputs.money)
    generate_button = property(lambda self: self.inputs.generate_button)

    # -- layout ---------------------------------------------------------------
    def _build(self) -> None:
        self.banner = banner(self.demo)
        self.first_run = FirstRun()
        self.first_run.keyRequested.connect(self.open_key_dialog)
        self.first_run.demoRequested.connect(self.demoRequested)
        self.error_bar = ErrorBar()
        self.inputs = InputsPanel(self.bridge)
        self.inputs.generateRequested.connect(self.generate)
        self.queue = QueueView(self.model)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.queue)
        self.right.addWidget(QWidget())  # the preview's place until attach()
        self.right.setStretchFactor(0, 1)
        self.right.setStretchFactor(1, 0)
        self.right.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.inputs)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        central = QFrame()
        cl = QVBoxLayout(central)
        for w in (self.banner, self.first_run, self.error_bar):
            cl.addWidget(w)
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self._build_undo()
        self.counts_label = QLabel()
        self.credits_label = QLabel("Credits: —")
        self.month_label = QLabel()
        self.statusBar().addWidget(self.undo_button)
        for w in (self.counts_label, self.credits_label, self.month_label):
            self.statusBar().addPermanentWidget(w)
        build_menus(self)
        self.resize(1280, 800)
        order = [
            *self.inputs.tab_order(),
            self.params.prompt,
            self.generate_button,
            self.queue.filter,
            self.queue.search,
            self.queue.table,
        ]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def _build_preview(self) -> None:
        from app.ui.preview import PreviewPlayer

        sizes = self.right.sizes()
        history = getattr(self.engine, "history", None)
        self.preview = PreviewPlayer(history=history)
        self.preview.details.parts = self._parts
        self.preview.details.takesRequested.connect(self.open_takes)
        self.preview.setAccessibleName("Preview and details")
        self.right.replaceWidget(1, self.preview).deleteLater()
        self.preview.setVisible(self.pane_action.isChecked())
        if sum(sizes) > 0 and sizes[1] > 0:
            self.right.setSizes(sizes)
        shown = self.queue.current_job()
        if shown is not None:
            self.preview.show_job(shown)

    def _connect(self) -> None:
        b = self.bridge
        b.jobChanged.connect(self.on_job_changed)
        b.jobAdded.connect(self.on_job_added)
        b.jobProgress.connect(self.model.set_progress)
        b.jobWaiting.connect(self.model.set_waiting)
        b.jobWarning.connect(lambda _id, msg: self.show_status(msg, 15))
        b.error.connect(self.on_error)
        b.creditsChanged.connect(self.on_credits)
        b.submitted.connect(self.on_submitted)
        b.removed.connect(self.model.remove_job)
        b.removed.connect(lambda _id: self.update_counts())
        self.inputs.changed.connect(self.update_generate)
        self.params.changed.connect(self.update_money)
        self.inputs.long_offer.changed.connect(self.update_money)
        self.queue.requested.connect(self.on_queue_action)
        self.queue.batchRequested.connect(lambda a, b: on_batch_action(self, a, b))
        self.queue.currentJobChanged.connect(self.show_preview)
        self.error_bar.actionRequested.connect(self.on_error_action)
        self.tray.showRequested.connect(self.bring_back)
        self.tray.quitRequested.connect(self.quit)

    def show_status(self, text: str, seconds: int = STATUS_SECONDS) -> None:
        self.statusBar().showMessage(text, seconds * 1000)

    # -- the Generate button ---------------------------------------------------
    def blocker(self) -> str | None:
        """Why Generate cannot run now, in the words of its button; None when it can."""
        if self.engine is None:
            return "Starting…"
        if not self._has_key:
            return "Enter an API key first"
        return self.inputs.blocker()

    def update_generate(self) -> None:
        self.inputs.show_blocker(self.blocker())
        self.first_run.setVisible(self.engine is not None and not self._has_key and not self.demo)
        if not self.demo:  # says whether a key is set, in words (no check mark without one)
            none = self.engine is not None and not self._has_key
            self.key_action.setText("Segmind API &key… (none set)" if none else "Segmind API &key…")

    def on_submitted(self, job: Job) -> None:
        self.model.upsert(job)
        self.queue.select_job(job.id)
        self.show_status("Job added to the queue.")
        self.update_counts()

    # -- engine events ----------------------------------------------------------
    def on_job_added(self, job: Job) -> None:
        self.model.upsert(job)
        self.update_counts()

    def on_job_changed(self, job: Job) -> None:
        """One job moved: its row, and the counts; nothing scans the whole queue."""
        before = self._states.get(job.id)
        known = self.model.find(job.id)
        if before is None and known is not None:
            before = known.state
        if job.state in ACTIVE:
            self._states[job.id] = job.state
        else:
            self._states.pop(job.id, None)
        self.model.upsert(job)
        if before is not None and before in ACTIVE and job.state.finished:
            if job.state != JobState.cancelled:
                self.tray.job_finished(job)
            if job.state == JobState.completed:
                self.update_money()
        current = self.queue.current_job()
        if current is not None and current.id == job.id and before != job.state:
            self.show_preview(job)
        self.update_counts()

    def on_error(self, job_id: str | None, error: SegmindError) -> None:
        self.statusBar().clearMessage()  # no "Checking and sending…" left after a refusal
        labels = {"force": "Submit anyway", "trim": "Trim the clip", "choose_folder": "Settings…"}
        action = getattr(error, "action", None)
        shown = (labels[action], action) if action in labels else None
        self.error_bar.show_error(error, job_id, action=shown)

    def on_error_action(self, action: str, job_id: str | None) -> None:
        if action == "enter_key":
            self.open_key_dialog()
        elif action == "retry" and job_id:
            job = self.model.find(job_id)
            self._confirm_retry([job]) if job is not None else self.bridge.retry(job_id)
        elif action == "force" and self._last_request is not None:
            self.submit(self._last_request, force=True)
        elif action == "trim":
            self.params.trim_box.setChecked(True)
            self.params.trim_box.setFocus()
        elif action == "choose_folder":
            self.open_settings()
        elif action == "fix_input":
            slot = self.image_slot if not self.image_slot.ready else self.audio_slot
            slot.setFocus()

    def on_credits(self, credits, free) -> None:
        if credits is None:
            self.credits_label.setText("Credits: —")
            return
        extra = f" (+${free:.2f} free)" if free else ""
        demo = " (simulated)" if self.demo else ""
        self.credits_label.setText(f"Credits: ${credits:.2f}{extra}{demo}")
        self.update_money()

    def _release_preview(self, job_id: str) -> None:
        if self.preview is None:
            return
        shown = self.preview.current_job()
        if shown is not None and shown.id == job_id:
            self.preview.clear()  # release the file before it is deleted

    def show_preview(self, job: Job | None) -> None:
        if self._quitting or self.preview is None:  # torn down, or not built yet
            return
        if job is None:
            self.preview.clear()
        else:
            self.preview.show_job(job)

    # -- money and counts ---------------------------------------------------------
    def update_money(self) -> None:
        if self.engine is None:
            self.money.setText("")
            return
        v = self.params.values()
        est = self.engine.estimate(v["quality"], v["duration"])
        offer = self.inputs.long_offer
        if offer.chosen and offer.plan is not None:  # the whole long video, every part
            est = offer.plan.total
        parts = [f"Estimated cost: <b>${est:.2f}</b>" if est is not None else "Cost unknown"]
        try:
            spent = self.engine.spent_this_month()
        except Exception:  # noqa: BLE001 - a closed store while quitting
            spent = None
        if spent is not None:
            parts.append(f"this month: ${spent:.2f}")
            self.month_label.setText(f"This month: ${spent:.2f}")
        if self.bridge.credits is not None:
            parts.append(f"balance: ${self.bridge.credits:.2f}")
        if self.demo:
            parts.append("simulated, free")
        self.money.setText(" · ".join(parts))

    def update_counts(self) -> None:
        c = self.model.counts()
        text = f"{c['running']} running · {c['queued']} waiting"
        budget = self.engine.budget_words() if self.engine is not None else ""
        self.counts_label.setText(f"{text} · {budget}" if budget else text)
        self.tray.set_status(text)

    def bring_back(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def running_jobs(self) -> int:
        c = self.model.counts()
        return c["running"] + c["queued"]

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._quitting:
            event.accept()
            return
        running = self.running_jobs()
        if running and self.tray.available and self.settings.keep_in_tray:
            event.ignore()
            self.hide()
            self.tray.notify(
                "Still working in the tray",
                f"{running} job(s) continue here; you will be told when they "
                "finish. Quit from the tray icon's menu.",
            )
            return
        event.ignore()
        if running:
            self._confirm_quit(running)
        else:
            self.quit()

    def quit(self, _checked: bool = False) -> None:
        """Really leave: save the layout and the draft, let the main coroutine close the
        engine."""
        if self._quitting:
            return
        self._quitting = True
        self._tick.stop()
        self._undo_timer.stop()
        self.inputs.save_draft()
        self.save_state()
        self.bridge.shutdown()
        if self.preview is not None:
            self.preview.shutdown()
        release_takes = getattr(self._dialogs.get("takes"), "release", None)
        if release_takes is not None:
            release_takes()  # the takes view's players stop and let go of the files
        self.audio_slot._stop()
        self.tray.hide()
        if self._closed is not None:
            self._closed.set()
        self.close()
