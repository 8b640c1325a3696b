"""What the window does for a batch's header row: cancel the batch, retry its failed jobs,
remove its finished jobs (undone like a single remove), export it as a CSV.

The queue view emits `batchRequested(action, batch_id)`; the window routes it here
(`on_batch_action(window, action, batch_id)`). Questions go through app.ui.confirm.ask
(non-modal, the safe answer the default), the file dialog is opened with open(), never
exec(); nothing here awaits.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app.jobs.model import Job
from app.ui.confirm import ask
from app.ui.queue_groups import ENDED
from app.ui.window_flows import UNDO_SECONDS, may_have_been_billed, was_sent

log = logging.getLogger(__name__)


def on_batch_action(w, action: str, batch_id: str) -> None:
    if w.engine is None or w.model.group(batch_id) is None:
        return
    jobs = w.model.group_jobs(batch_id)
    name = w.model.counts_of(batch_id).name
    if action == "batch_cancel":
        confirm_cancel(w, batch_id, name, jobs)
    elif action == "batch_retry":
        confirm_retry(w, batch_id, jobs)
    elif action == "batch_remove":
        remove_batch(w, batch_id, name, jobs)
    elif action == "batch_export":
        export_batch(w, batch_id, name)


def _run(w, verb, batch_id: str, **kw):
    """An engine verb on a batch; a refusal goes to the window's one error funnel."""
    try:
        return verb(batch_id, **kw)
    except Exception as exc:  # noqa: BLE001 - the funnel reports it
        w.bridge._report(exc)
        return None


def _dollars(w, jobs: list[Job]) -> float:
    return sum(j.estimate or w.engine.estimate(j.quality, j.duration) or 0.0 for j in jobs)


def confirm_cancel(w, batch_id: str, name: str, jobs: list[Job]) -> None:
    """Always asked: a batch is many jobs. Says how many Segmind has (they may be billed)."""
    active = [j for j in jobs if not j.state.finished]
    if not active:
        return
    sent = [j for j in active if was_sent(j)]
    n, s = len(active), len(sent)
    text = f"Cancel the {n} unfinished job{'s' * (n != 1)} of “{name}”?"
    if sent:
        cost = _dollars(w, sent)
        money = f" (about ${cost:.2f})" if cost and not w.demo else ""
        text += (
            f" Segmind already has {s} of them: cancelling stops the app from waiting, "
            f"but Segmind may still make and bill {'those videos' if s > 1 else 'that video'}"
            f"{money}."
        )
        info = f"The other {n - s} were not sent yet: nothing is billed for them."
    else:
        text += " None of them was sent to Segmind yet: nothing is billed."
        info = "Finished jobs of the batch stay as they are."
    ask(
        w,
        "Cancel the batch",
        text,
        info=info,
        accept=("Cancel batch", lambda: _run(w, w.engine.cancel_batch, batch_id)),
        reject="Keep running",
        warning=bool(sent),
        registry=w._dialogs,
        key="cancel_batch",
    )


def confirm_retry(w, batch_id: str, jobs: list[Job]) -> None:
    """Retry the failed, expired and interrupted jobs; asks first when some may have been
    billed already (their answer never arrived)."""
    failed = [j for j in jobs if j.state in ENDED]
    if not failed:
        return
    billed = [j for j in failed if may_have_been_billed(j)]
    if not billed:
        _run(w, w.engine.retry_failed, batch_id)
        w.show_status(f"Sending {len(failed)} job{'s' * (len(failed) != 1)} again.")
        return
    cost = _dollars(w, billed)
    too = f"billed too (about ${cost:.2f})." if cost and not w.demo else "billed too."
    ask(
        w,
        "Send again jobs that may have been billed",
        f"Segmind may already have made (and billed) {len(billed)} of the {len(failed)} "
        "jobs to retry: their answers never arrived. Retrying sends them again, and the "
        f"new attempts are {too}",
        info="Check your Segmind dashboard first if you are unsure.",
        accept=("Retry and pay again", lambda: _run(w, w.engine.retry_failed, batch_id)),
        registry=w._dialogs,
        key="retry_batch",
    )


def remove_batch(w, batch_id: str, name: str, jobs: list[Job]) -> None:
    """Take the batch's finished jobs off the list (files kept); Undo puts them back."""
    finished = [j for j in jobs if j.state.finished]
    if not finished:
        return
    for job in finished:
        w._release_preview(job.id)  # the player lets go of the file first
    hidden = _run(w, w.engine.hide_batch, batch_id) or []
    if not hidden:
        return
    w._undoable = [j.id for j in hidden]
    n, left = len(hidden), len(jobs) - len(hidden)
    text = f"Removed {n} job{'s' * (n != 1)} of “{name}” from the list."
    if left:
        text += f" {left} unfinished stay{'s' * (left == 1)}."
    w.show_status(text, UNDO_SECONDS)
    w.undo_button.show()
    w.undo_action.setEnabled(True)
    w._undo_timer.start(UNDO_SECONDS * 1000)


def export_batch(w, batch_id: str, name: str) -> QFileDialog:
    """Ask where (a non-modal save dialog), then write the batch's jobs as a CSV."""
    folder = w.settings.output_folder(w.paths)
    stem = "".join(c if c.isalnum() or c in " -_." else "_" for c in name).strip() or "batch"
    dialog = QFileDialog(w, "Export the batch as CSV", str(Path(folder) / f"{stem}.csv"))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter("CSV files (*.csv)")
    dialog.setDefaultSuffix("csv")
    dialog.fileSelected.connect(lambda path: write_batch_csv(w, batch_id, path))
    w._dialogs["export_batch"] = dialog
    dialog.open()
    return dialog


def write_batch_csv(w, batch_id: str, path: str) -> bool:
    try:
        from app.jobs.batch_csv import write_csv

        write_csv(Path(path), w.engine.batch_jobs(batch_id))
    except Exception as exc:
        log.exception("exporting batch %s to %s", batch_id, path)
        w.show_status(f"Could not export the batch: {exc}", 15)
        return False
    w.show_status(f"Exported the batch to {path}.")
    return True
