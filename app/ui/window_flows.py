"""What the window asks before it spends, stops or forgets something, and what it undoes.

Every question goes through app.ui.confirm.ask (non-modal, the safe answer is the
default); nothing here awaits. Remove is undone from the status bar or with Ctrl+Z.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton

from app.api.errors import SegmindError
from app.jobs.model import Job, JobState
from app.ui import takes_flow
from app.ui.confirm import ask

log = logging.getLogger(__name__)
UNDO_SECONDS = 10
SENT = frozenset({JobState.submitting, JobState.queued, JobState.processing, JobState.downloading})


def was_sent(job: Job) -> bool:
    """The service has (or may have) the job: stopping it now may still be billed."""
    return job.state in SENT or bool(job.request_id and not job.state.finished)


def may_have_been_billed(job: Job) -> bool:
    return bool(getattr(job, "may_be_billed", False)) or job.state == JobState.interrupted


class WindowFlows:
    """Mixed into StudioWindow: generate, cancel, retry, remove/undo, delete, quit."""

    # -- Generate ---------------------------------------------------------------------
    def generate(self, _checked: bool = False) -> None:
        """Generate: privacy notice (first time), spending check, then submit."""
        if self.blocker() is not None:
            self.generate_button.setFocus()
            return
        self._last_request = self.inputs.request()
        if not self._privacy_ok:
            self._open_privacy_notice()
            return
        self._confirm_spending()

    def _open_privacy_notice(self, then=None) -> None:
        from app.ui.notice import PrivacyNotice

        notice = PrivacyNotice(self)
        self._dialogs["privacy"] = notice

        def accepted() -> None:
            self._privacy_ok = True
            if notice.dont_show_again() and not self.demo:
                self.settings.privacy_notice_seen = True
                self.save_settings()
            (then or self._confirm_spending)()

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
        ask(
            self,
            "Confirm spending",
            f"This video costs about ${est:.2f}. This month you have spent "
            f"${spent:.2f}; with it you pass your ${limit:.2f} threshold.",
            info="Change the threshold in Settings → Preferences.",
            accept=("Generate anyway", lambda: self.submit(req)),
            registry=self._dialogs,
            key="spend",
        )

    def submit(self, req, force: bool = False):
        self.error_bar.dismiss()
        self.show_status("Checking and sending the job…")
        return self.bridge.submit(req, force)

    # -- batches ----------------------------------------------------------------------------
    def open_batch_builder(self, _checked: bool = False, requests=None, source: str = ""):
        """New batch: the builder (privacy notice first, as for Generate); with `requests`
        (an imported CSV) it shows those rows."""
        if self.engine is None:
            return None
        if not self._privacy_ok:
            self._open_privacy_notice(lambda: self.open_batch_builder(False, requests, source))
            return None
        from app.ui.batch_builder import BatchBuilder

        dlg = self._dialogs.get("batch")
        if dlg is None:
            dlg = BatchBuilder(self.bridge, self, demo=self.demo)
            dlg.submitted.connect(self.on_batch_submitted)
            self._dialogs["batch"] = dlg
        if requests is not None:
            dlg.load_requests(requests, source)
        else:
            dlg.plan()  # the balance and this month's spending may have changed
        dlg.open()
        return dlg

    def on_batch_submitted(self, batch, jobs: list) -> None:
        for job in jobs:
            self.model.upsert(job)
        if jobs:
            self.queue.select_job(jobs[0].id)
        self.show_status(f"“{batch.name}”: {len(jobs)} jobs added to the queue.", 10)
        self.update_counts()

    def import_batch_csv(self, _checked: bool = False, path: str | None = None) -> None:
        """A batch CSV (s2v-studio batch's format) into the builder's grid."""
        from app.ui.batch_io import csv_dialog, csv_problems_text

        if path is None:
            self._dialogs["import_csv"] = csv_dialog(
                self, "Import a batch CSV", lambda p: self.import_batch_csv(False, p)
            )
            return
        import asyncio
        from pathlib import Path

        from app.jobs.batch_csv import read_csv

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, (SegmindError, OSError, ValueError)):
                log.error("reading %s failed", path, exc_info=exc)
            text = csv_problems_text(exc, Path(path).name)
            ask(
                self,
                "Import batch CSV",
                text,
                accept=("Choose another…", self.import_batch_csv),
                reject="Close",
                registry=self._dialogs,
                key="csv_problems",
            )

        self.bridge.run(
            asyncio.to_thread(read_csv, Path(path)),
            done=lambda reqs: self.open_batch_builder(False, reqs, Path(path).name),
            failed=failed,
        )

    def export_batch_csv(
        self, _checked: bool = False, batch_id: str | None = None, path: str | None = None
    ) -> bool:
        """A batch of the queue (the selected job's) as a CSV that `s2v-studio batch` and
        the builder read back."""
        if self.engine is None:
            return False
        if batch_id is None:
            job = self.queue.current_job()
            batch_id = getattr(job, "batch_id", None) if job is not None else None
            if batch_id is None:
                self.show_status("Select a job of a batch in the queue first.", 10)
                return False
        batch = self.engine.batch(batch_id)
        if path is None:
            from app.ui.batch_io import csv_dialog

            self._dialogs["export_csv"] = csv_dialog(
                self,
                "Export the batch as CSV",
                lambda p: self.export_batch_csv(False, batch_id, p),
                save_as=batch.name if batch else "batch",
            )
            return False
        from pathlib import Path

        from app.jobs.batch_csv import write_csv

        jobs = self.engine.batch_jobs(batch_id)
        try:
            write_csv(Path(path), jobs)
        except OSError as exc:
            self.show_status(f"Could not write {path}: {exc.strerror or exc}", 15)
            return False
        self.show_status(f"Wrote {len(jobs)} rows of the batch to {path}.", 10)
        return True

    # -- the queue's verbs ---------------------------------------------------------------
    def on_queue_action(self, action: str, ids: list[str]) -> None:
        jobs = [j for j in (self.model.find(i) for i in ids) if j is not None]
        if action == "delete":
            self._confirm_delete(ids)
        elif action == "cancel":
            self._confirm_cancel(jobs)
        elif action == "retry":
            self._confirm_retry(jobs)
        elif action == "rerun":
            for job in jobs:
                self.bridge.rerun(job.id)
        elif action == "remove":
            self.remove_jobs(ids)
        elif action in ("edit", "use") and jobs:
            self.use_settings(jobs[0])
        elif action == "takes" and jobs:
            self.open_takes(jobs[0].id)

    def _confirm_cancel(self, jobs: list[Job]) -> None:
        sent = [j for j in jobs if was_sent(j)]
        for job in jobs:
            if job not in sent:
                self.bridge.cancel(job.id)  # nothing was sent: nothing to lose
        if not sent:
            return
        cost = sum(self.engine.estimate(j.quality, j.duration) or 0.0 for j in sent)
        n = len(sent)
        them = "these jobs" if n > 1 else "this job"
        ask(
            self,
            "Cancel a job Segmind already has",
            f"Segmind already has {them}. Cancelling stops the app from waiting for "
            f"{'them' if n > 1 else 'it'}, but Segmind may still make and bill the video"
            + (f" (about ${cost:.2f})." if cost and not self.demo else "."),
            info="Keep waiting to get the video you may pay for anyway.",
            accept=("Cancel anyway", lambda: [self.bridge.cancel(j.id) for j in sent]),
            reject="Keep waiting",
            warning=True,
            registry=self._dialogs,
            key="cancel",
        )

    def _confirm_retry(self, jobs: list[Job]) -> None:
        billed = [j for j in jobs if may_have_been_billed(j)]
        for job in jobs:
            if job not in billed:
                self.bridge.retry(job.id)
        if not billed:
            return
        cost = sum(self.engine.estimate(j.quality, j.duration) or 0.0 for j in billed)
        ask(
            self,
            "Send again a job that may have been billed",
            "Segmind may already have made (and billed) "
            + ("these jobs" if len(billed) > 1 else "this job")
            + ": its answer never arrived. Retrying sends it again, and the new attempt is "
            + (f"billed too (about ${cost:.2f})." if cost and not self.demo else "billed too."),
            info="Check your Segmind dashboard first if you are unsure.",
            accept=("Retry and pay again", lambda: [self.bridge.retry(j.id) for j in billed]),
            registry=self._dialogs,
            key="retry",
        )

    # -- remove, with undo -----------------------------------------------------------------
    def remove_jobs(self, ids: list[str]) -> None:
        done = []
        for job_id in ids:
            self._release_preview(job_id)
            if self.bridge.remove(job_id):
                done.append(job_id)
        if not done:
            return
        self._undoable = done
        n = len(done)
        self.show_status(f"Removed {n} job{'s' if n > 1 else ''} from the list.", UNDO_SECONDS)
        self.undo_button.show()
        self.undo_action.setEnabled(True)
        self._undo_timer.start(UNDO_SECONDS * 1000)

    def undo_remove(self, _checked: bool = False) -> None:
        ids, self._undoable = self._undoable, []
        self._end_undo()
        for job_id in ids:
            job = self.bridge.restore(job_id)
            if job is not None:
                self.model.upsert(job)
        if ids:
            self.show_status("Back on the list.")
            self.queue.select_job(ids[0])

    def _end_undo(self) -> None:
        self._undo_timer.stop()
        self.undo_button.hide()
        self.undo_action.setEnabled(bool(self._undoable))

    def _build_undo(self) -> None:
        self._undoable: list[str] = []
        self._undo_timer = QTimer(self, singleShot=True)
        self._undo_timer.timeout.connect(self._undo_expired)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setAccessibleName("Undo remove")
        self.undo_button.setToolTip("Put the removed jobs back on the list (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_remove)
        self.undo_button.hide()

    def _undo_expired(self) -> None:
        self._undoable = []
        self._end_undo()

    def _confirm_delete(self, ids: list[str]) -> None:
        n = len(ids)
        ask(
            self,
            "Delete videos",
            f"Delete {n} video{'s' if n > 1 else ''} from disk and remove "
            f"{'them' if n > 1 else 'it'} from the list? This cannot be undone.",
            info="What they cost still counts in this month's spending.",
            accept=("Delete", lambda: self.delete_jobs(ids)),
            warning=True,
            registry=self._dialogs,
            key="delete",
        )

    def delete_jobs(self, ids: list[str]) -> None:
        for job_id in ids:
            self._release_preview(job_id)
            self.bridge.remove(job_id, delete_files=True)

    # -- takes side by side (app.ui.takes_flow) ---------------------------------------------
    def compare_current_takes(self) -> None:
        takes_flow.compare_current(self)

    def open_takes(self, job_id: str) -> None:
        takes_flow.open_takes(self, job_id)

    def make_takes(self, _checked: bool = False, job_id: str | None = None) -> None:
        """Takes of the selected finished job, else of the form's inputs."""
        if job_id is None:
            job = self.queue.current_job()
            job_id = job.id if job is not None and job.state.finished else None
        takes_flow.make_takes(self, job_id)

    # -- quitting --------------------------------------------------------------------------
    def _confirm_quit(self, running: int) -> None:
        tray = ""
        if self.tray.available and not self.settings.keep_in_tray:
            tray = " (Or turn on “keep running in the tray” in Preferences.)"
        ask(
            self,
            "Jobs are still running",
            f"{running} job{'s are' if running > 1 else ' is'} still running. If you quit now, "
            "Speech2Video Studio carries on with them the next time you start it — as long "
            "as that is within an hour of submitting: Segmind forgets a job after one hour." + tray,
            accept=("Quit", self.quit),
            reject="Keep open",
            registry=self._dialogs,
            key="quit",
        )
