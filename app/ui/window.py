"""The studio window: inputs on the left, the queue and the preview on the right.

Widgets hold no async logic: they call the engine through EngineBridge and follow its
events. Dialogs are opened with .open() (never exec(): coroutines keep running).

Start-up paints first: the window can be built without its engine (the frame, inputs and an
empty queue), shown, and given the engine after its first paint with `attach(engine)`,
which also builds the video preview (Qt Multimedia) and fills the queue from the store.
The engine, httpx and the dialogs are imported only then, or on first use.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.api.errors import ErrorKind, SegmindError
from app.jobs.model import ACTIVE, Job, JobState
from app.ui.bridge import EngineBridge
from app.ui.error_bar import ErrorBar
from app.ui.icons import app_icon, icon
from app.ui.audio_slot import AudioSlot
from app.ui.media_slot import ImageSlot
from app.ui.params import ParamsPanel
from app.ui.queue_model import DEMO_BADGE, JobTableModel
from app.ui.queue_view import QueueView
from app.ui.tray import Tray

if TYPE_CHECKING:
    from app.jobs.prepare import JobRequest

log = logging.getLogger(__name__)
TITLE = "Speech2Video Studio"


class StudioWindow(QMainWindow):
    """Drop, queue, watch, preview. `closed` is set when the creator really quits."""

    demoRequested = Signal()

    def __init__(
        self,
        engine,  # None: attach() it after the first paint
        settings,
        paths,
        keystore=None,
        *,
        demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine, self.settings, self.paths, self.keystore = None, settings, paths, keystore
        self.demo = demo
        self.closed = asyncio.Event()
        self._quitting = False
        self._privacy_ok = bool(settings.privacy_notice_seen)
        self._last_request: JobRequest | None = None
        self._dialogs: dict[str, QWidget] = {}
        self._has_key = demo  # a stored key is looked up in attach(): the keyring can be slow
        self.setWindowTitle(f"{TITLE} — {DEMO_BADGE}" if demo else TITLE)
        self.setWindowIcon(app_icon())

        self.bridge = EngineBridge(None, self)
        self.model = JobTableModel(
            (), self, estimate=self._estimate, typical_seconds=self._typical_seconds
        )
        self._states: dict[str, JobState] = {}
        self.tray = Tray(self, enabled=settings.notifications)
        self.preview = None  # built in attach(): Qt Multimedia takes a while to load
        self._build()
        self._connect()
        self.restore_state()
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        self.update_generate()
        self.update_money()
        self.update_counts()
        if engine is not None:
            self.attach(engine)

    def attach(self, engine) -> None:
        """Connect the engine: its events, the stored key, the preview and the queue."""
        self.engine = engine
        self.bridge.attach(engine)
        if self.preview is None:
            self._build_preview()
        self._has_key = self.demo or bool(self.keystore and self.keystore.key())
        store = getattr(engine, "store", None)
        if store is not None and hasattr(store, "page"):
            self.model.load(store)  # the newest jobs now, older ones in idle time
        else:
            self.model.set_jobs(engine.jobs())
        self._states = {j.id: j.state for j in self.model.jobs() if j.state in ACTIVE}
        self.update_generate()
        self.update_money()
        self.update_counts()

    def _estimate(self, quality: str, duration: int) -> float | None:
        return self.engine.estimate(quality, duration) if self.engine is not None else None

    def _typical_seconds(self) -> float:
        return self.engine.typical_seconds() if self.engine is not None else 330.0

    # -- layout ---------------------------------------------------------------
    def _build(self) -> None:
        self.banner = QLabel(
            f"<b>{DEMO_BADGE}</b>: jobs run on a local simulator; "
            "results are placeholder videos, free and not lip-synced."
        )
        self.banner.setWordWrap(True)
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setAccessibleName("Demo mode")
        self.banner.setVisible(self.demo)

        self.first_run = QFrame()
        self.first_run.setFrameShape(QFrame.Shape.StyledPanel)
        fr = QHBoxLayout(self.first_run)
        fr_text = QLabel(
            "<b>Welcome.</b> To make videos, enter your Segmind API key. "
            "Or try the offline demo first: it runs on a local simulator, "
            "costs nothing and needs no key."
        )
        fr_text.setWordWrap(True)
        self.enter_key_button = QPushButton(icon("key"), "Enter API key…")
        self.enter_key_button.clicked.connect(self.open_key_dialog)
        self.demo_button = QPushButton(icon("video"), "Try the offline demo")
        self.demo_button.clicked.connect(self.demoRequested)
        fr.addWidget(fr_text, 1)
        fr.addWidget(self.enter_key_button)
        fr.addWidget(self.demo_button)

        self.error_bar = ErrorBar()

        self.image_slot = ImageSlot()
        self.audio_slot = AudioSlot()
        self.params = ParamsPanel()
        self.money = QLabel(wordWrap=True)
        self.money.setAccessibleName("Cost")
        self.generate_button = QPushButton(icon("generate"), "Generate video")
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumHeight(36)
        self.generate_button.clicked.connect(self.generate)
        inputs = QWidget()
        il = QVBoxLayout(inputs)
        il.setContentsMargins(0, 0, 4, 0)
        il.addWidget(self.image_slot)
        il.addWidget(self.audio_slot)
        il.addWidget(self.params)
        il.addStretch(1)
        self.inputs_scroll = QScrollArea()
        self.inputs_scroll.setWidget(inputs)
        self.inputs_scroll.setWidgetResizable(True)
        self.inputs_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.inputs_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left = QWidget()
        left.setMinimumWidth(340)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.inputs_scroll, 1)
        ll.addWidget(self.money)  # cost and Generate stay visible however tall the inputs
        ll.addWidget(self.generate_button)
        self.left = left

        self.queue = QueueView(self.model)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.queue)
        self.right.addWidget(QWidget())  # the preview's place until attach()
        self.right.setStretchFactor(0, 3)
        self.right.setStretchFactor(1, 2)
        # a collapsed video widget leaves its native window painted at the corner
        self.right.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        cl = QVBoxLayout(central)
        cl.addWidget(self.banner)
        cl.addWidget(self.first_run)
        cl.addWidget(self.error_bar)
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.counts_label = QLabel()
        self.credits_label = QLabel("Credits: —")
        self.month_label = QLabel()
        for w in (self.counts_label, self.credits_label, self.month_label):
            self.statusBar().addPermanentWidget(w)
        self._build_menus()
        self.resize(1280, 820)
        order = [
            self.image_slot,
            self.image_slot.browse_button,
            self.image_slot.url_edit,
            self.audio_slot,
            self.audio_slot.play_button,
            self.audio_slot.browse_button,
            self.audio_slot.url_edit,
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
        self.preview = PreviewPlayer()
        self.right.replaceWidget(1, self.preview).deleteLater()
        if sum(sizes) > 0 and sizes[1] > 0:  # not yet laid out: the stretch factors decide
            self.right.setSizes(sizes)
        shown = self.queue.current_job()
        if shown is not None:
            self.preview.show_job(shown)

    def _build_menus(self) -> None:
        file = self.menuBar().addMenu("&File")
        for text, keys, slot in (
            ("Open &portrait…", "Ctrl+O", self.image_slot.browse),
            ("Open &voice clip…", "Ctrl+Shift+O", self.audio_slot.browse),
        ):
            act = QAction(icon("open"), text, self, shortcut=QKeySequence(keys))
            act.triggered.connect(lambda _c=False, s=slot: s())
            file.addAction(act)
        file.addSeparator()
        quit_ = QAction(icon("quit"), "&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(lambda _c=False: self.quit())
        file.addAction(quit_)
        tools = self.menuBar().addMenu("&Settings")
        self.key_action = QAction(icon("key"), "Segmind API &key…", self)
        self.key_action.triggered.connect(lambda _c=False: self.open_key_dialog())
        self.key_action.setEnabled(not self.demo)
        if self.demo:
            self.key_action.setToolTip("The demo uses the simulator's own key")
        settings = QAction(
            icon("settings"), "&Preferences…", self, shortcut=QKeySequence.StandardKey.Preferences
        )
        settings.triggered.connect(lambda _c=False: self.open_settings())
        tools.addAction(self.key_action)
        tools.addAction(settings)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.generate)

    def _connect(self) -> None:
        b = self.bridge
        b.jobChanged.connect(self.on_job_changed)
        b.jobProgress.connect(self.model.set_progress)
        b.jobWarning.connect(lambda _id, msg: self.statusBar().showMessage(msg, 15000))
        b.error.connect(self.on_error)
        b.creditsChanged.connect(self.on_credits)
        b.submitted.connect(self.on_submitted)
        b.removed.connect(self.model.remove_job)
        b.removed.connect(lambda _id: self.update_counts())
        for slot in (self.image_slot, self.audio_slot):
            slot.changed.connect(self.update_generate)
        self.audio_slot.changed.connect(
            lambda: self.params.set_audio_seconds(self.audio_slot.seconds)
        )
        self.params.changed.connect(self.update_generate)
        self.params.changed.connect(self.update_money)
        self.queue.requested.connect(self.on_queue_action)
        self.queue.currentJobChanged.connect(self.show_preview)
        self.error_bar.actionRequested.connect(self.on_error_action)
        self.tray.showRequested.connect(self.bring_back)
        self.tray.quitRequested.connect(self.quit)

    # -- the Generate button ---------------------------------------------------
    def blocker(self) -> str | None:
        """Why Generate cannot run now, in the words of its button; None when it can."""
        if self.engine is None:
            return "Starting…"
        if not self._has_key:
            return "Enter an API key first"
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
        if self.params.trim_blocks:
            return "Trim the clip or pick a longer video"
        return None

    def update_generate(self) -> None:
        reason = self.blocker()
        self.generate_button.setEnabled(reason is None)
        self.generate_button.setText(reason or "Generate video")
        self.generate_button.setToolTip(
            reason or "Send the job to Segmind (Ctrl+Enter). Your files are uploaded first."
        )
        self.generate_button.setAccessibleName("Generate video")
        self.generate_button.setAccessibleDescription(reason or "")
        self.first_run.setVisible(self.engine is not None and not self._has_key and not self.demo)

    def request(self) -> JobRequest:
        from app.jobs.prepare import JobRequest

        v = self.params.values()
        return JobRequest(image=self.image_slot.value, audio=self.audio_slot.value, **v)

    def generate(self, _checked: bool = False) -> None:
        """Generate: privacy notice (first time), spending check, then submit."""
        if self.blocker() is not None:
            self.generate_button.setFocus()
            return
        self._last_request = self.request()
        if not self._privacy_ok:
            self._open_privacy_notice()
            return
        self._confirm_spending()

    def _open_privacy_notice(self) -> None:
        from app.ui.notice import PrivacyNotice

        notice = PrivacyNotice(self)
        self._dialogs["privacy"] = notice

        def accepted() -> None:
            self._privacy_ok = True
            if notice.dont_show_again():
                self.settings.privacy_notice_seen = True
                self.settings.save(self.paths)
            self._confirm_spending()

        notice.accepted.connect(accepted)
        notice.open()

    def _confirm_spending(self) -> None:
        req = self._last_request
        est = self.engine.estimate(req.quality, req.duration or 10) or 0.0
        spent = self.engine.spent_this_month()
        limit = self.settings.spend_threshold
        if self.demo or not limit or spent + est <= limit:
            self.submit(req)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Confirm spending",
            f"This video costs about ${est:.2f}. This month you have spent "
            f"${spent:.2f}; with it you pass your ${limit:.2f} threshold.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        go = box.addButton("Generate anyway", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setInformativeText("Change the threshold in Settings → Preferences.")
        box.buttonClicked.connect(lambda b: self.submit(req) if b is go else None)
        self._dialogs["spend"] = box
        box.open()

    def submit(self, req: JobRequest, force: bool = False):
        self.error_bar.dismiss()
        self.statusBar().showMessage("Checking and sending the job…", 5000)
        return self.bridge.submit(req, force)

    def on_submitted(self, job: Job) -> None:
        self.model.upsert(job)
        self.queue.select_job(job.id)
        self.statusBar().showMessage("Job added to the queue.", 5000)
        self.update_counts()

    # -- engine events ----------------------------------------------------------
    def on_job_changed(self, job: Job) -> None:
        """One job moved: its row, and the counts; nothing scans the whole queue."""
        before = self._states.get(job.id)
        row = self.model.row_of(job.id)
        if before is None and row is not None:
            before = self.model.job(row).state
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
        action = None
        if error.kind == ErrorKind.invalid_input and "Submit anyway" in (error.next_step or ""):
            action = ("Submit anyway", "force")
        self.error_bar.show_error(error, job_id, action=action)

    def on_error_action(self, action: str, job_id: str | None) -> None:
        if action == "enter_key":
            self.open_key_dialog()
        elif action == "retry" and job_id:
            self.bridge.retry(job_id)
        elif action == "force" and self._last_request is not None:
            self.submit(self._last_request, force=True)
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

    def on_queue_action(self, action: str, ids: list[str]) -> None:
        if action == "delete":
            self._confirm_delete(ids)
            return
        for job_id in ids:
            if action == "cancel":
                self.bridge.cancel(job_id)
            elif action == "retry":
                self.bridge.retry(job_id)
            elif action == "rerun":
                self.bridge.rerun(job_id)
            elif action == "remove":
                self._release_preview(job_id)
                self.bridge.remove(job_id)

    def _confirm_delete(self, ids: list[str]) -> None:
        n = len(ids)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Delete videos",
            f"Delete {n} video{'s' if n > 1 else ''} from disk and remove "
            f"{'them' if n > 1 else 'it'} from the list?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda b: self.delete_jobs(ids) if b is delete else None)
        self._dialogs["delete"] = box
        box.open()

    def delete_jobs(self, ids: list[str]) -> None:
        for job_id in ids:
            self._release_preview(job_id)
            self.bridge.remove(job_id, delete_files=True)

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
        self.counts_label.setText(text)
        self.tray.set_status(text)

    def _on_tick(self) -> None:
        self.model.tick()

    # -- dialogs ----------------------------------------------------------------
    def open_key_dialog(self, _checked: bool = False) -> None:
        if self.demo or self.keystore is None or self.engine is None:
            return
        from app.ui.key_dialog import KeyDialog

        dlg = self._dialogs.get("key")
        if dlg is None:
            dlg = KeyDialog(self.engine, self.keystore, self)
            dlg.keyChanged.connect(self.on_key_changed)
            self._dialogs["key"] = dlg
        dlg.open()

    def on_key_changed(self, source: str) -> None:
        self._has_key = bool(source) and bool(self.keystore.key())
        self.update_generate()
        if self._has_key:
            self.error_bar.dismiss()

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dlg = self._dialogs.get("settings")
        if dlg is None:
            dlg = SettingsDialog(self.settings, self.paths, self)
            dlg.settingsChanged.connect(self.on_settings_changed)
            self._dialogs["settings"] = dlg
        dlg.open()

    def on_settings_changed(self) -> None:
        if self.engine is None:
            return
        s, e = self.settings, self.engine.settings
        if e is s:  # the engine shares the window's settings: budget, concurrency, folder
            self.engine.apply_settings()
        else:  # the demo keeps its own prices, folder and budget
            e.spend_threshold, e.notifications = s.spend_threshold, s.notifications
        self.tray.notifications = s.notifications
        self.update_money()
        self.model.dataChanged.emit(
            self.model.index(0, 0), self.model.index(max(0, self.model.rowCount() - 1), 6)
        )

    # -- window state and closing ---------------------------------------------------
    def restore_state(self) -> None:
        w = self.settings.window or {}
        try:
            if w.get("geometry"):
                self.restoreGeometry(QByteArray.fromBase64(w["geometry"].encode()))
            if w.get("splitter"):
                self.splitter.setSizes([int(x) for x in w["splitter"]])
            if w.get("right_splitter"):
                self.right.setSizes([int(x) for x in w["right_splitter"]])
            if w.get("queue_header"):
                self.queue.restore_header(QByteArray.fromBase64(w["queue_header"].encode()))
        except (TypeError, ValueError, AttributeError):
            log.warning("ignoring unreadable window state")

    def save_state(self) -> None:
        header = self.queue.table.horizontalHeader().saveState()
        self.settings.window = {
            "geometry": bytes(self.saveGeometry().toBase64()).decode(),
            "splitter": self.splitter.sizes(),
            "right_splitter": self.right.sizes(),
            "queue_header": bytes(header.toBase64()).decode(),
        }
        try:
            self.settings.save(self.paths)
        except OSError:
            log.exception("could not save the window state")

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
        if running:
            event.ignore()
            self._confirm_quit(running)
            return
        self.quit()
        event.accept()

    def _confirm_quit(self, running: int) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Jobs are still running",
            f"{running} job(s) are still running. If you quit now they resume "
            "the next time you start Speech2Video Studio — as long as that is "
            "within an hour of submitting: Segmind forgets a job after one hour.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        quit_ = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
        keep = box.addButton("Keep open", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.buttonClicked.connect(lambda b: self.quit() if b is quit_ else None)
        self._dialogs["quit"] = box
        box.open()

    def quit(self, _checked: bool = False) -> None:
        """Really leave: save the layout, let the main coroutine close the engine."""
        if self._quitting:
            return
        self._quitting = True
        self._tick.stop()
        self.save_state()
        if self.preview is not None:
            self.preview.clear()
        self.tray.hide()
        self.bridge.detach()
        self.closed.set()
        self.close()
