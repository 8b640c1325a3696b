"""The window's side of the takes view: open it on a job's pair, keep, discard others.

Functions of the window (`w`: StudioWindow), called by WindowFlows; the view itself
takes plain `Take`s and the engine's verbs (takes_of, keep_take, discard_other_takes)
are called here, through the bridge's error funnel.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt

from app.jobs.model import Job, JobState
from app.ui.takes_tile import Take


def takes_for_view(jobs: list[Job]) -> list[Take]:
    """The view's plain data for the jobs of one pair (its take number, or its place)."""
    return [
        Take(
            job_id=j.id,
            label=f"Take {j.take or i + 1}",
            seed=j.seed,
            path=j.output_path or "",
            kept=j.kept,
        )
        for i, j in enumerate(jobs)
    ]


def compare_current(w) -> None:
    job = w.queue.current_job()
    if job is None or job.state != JobState.completed:
        w.show_status("Select a finished job to compare its takes.")
        return
    open_takes(w, job.id)


def open_takes(w, job_id: str) -> None:
    """The finished takes of this job's pair side by side (Engine.takes_of)."""
    from app.ui.takes_view import MAX_TILES, TakesView

    jobs = w.bridge._call(job_id, w.engine.takes_of) or []
    done = [j for j in jobs if j.state == JobState.completed and j.output_path]
    if len(done) < 2:
        w.show_status("This pair has no other finished take yet: make more takes first.")
        return
    old = w._dialogs.pop("takes", None)
    if old is not None and shiboken6.isValid(old):  # closed ones are deleted already
        old.close()
    view = TakesView(takes_for_view(done), w, title=f"Takes of {Path(done[0].image).name}")
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    view.keep_requested.connect(lambda i, kept: keep_take(w, view, i, kept))
    view.discard_requested.connect(lambda i, delete: discard_others(w, view, i, delete))
    w._dialogs["takes"] = view
    view.show()
    if len(done) > MAX_TILES:
        w.show_status(f"Showing {MAX_TILES} of the {len(done)} finished takes.")


def keep_take(w, view, job_id: str, kept: bool) -> None:
    job = w.bridge._call(job_id, w.engine.keep_take, kept=kept)
    view.set_kept(job_id, job.kept if job is not None else not kept)  # refused: undone
    if job is not None:
        w.model.upsert(job)


def discard_others(w, view, keep_id: str, delete_files: bool) -> None:
    view.close()  # the players let go of the files first
    for tile in view.tiles:
        w._release_preview(tile.take.job_id)
    hidden = w.bridge._call(keep_id, w.engine.discard_other_takes, delete_files)
    if not hidden:
        return
    others = f"{len(hidden)} other take{'s' if len(hidden) > 1 else ''}"
    if delete_files:
        w.show_status(f"Removed {others} and their videos.")
        return
    from app.ui.window_flows import UNDO_SECONDS

    w._undoable = [j.id for j in hidden]  # Ctrl+Z / Undo puts them back, as for remove
    w.show_status(f"Removed {others} from the list.", UNDO_SECONDS)
    w.undo_button.show()
    w.undo_action.setEnabled(True)
    w._undo_timer.start(UNDO_SECONDS * 1000)


def make_takes(w, job_id: str | None = None) -> None:
    """ "Make takes…": of a job (its inputs) or of the form's inputs, N seeds, grouped."""
    from app.ui.takes_dialog import TakesDialog

    if w.engine is None:
        return
    job = w.engine.get(job_id) if job_id else None
    if job is not None:
        what, source = f"job {job.id} ({Path(job.image).name})", job.id
        price = w.engine.estimate(job.quality, job.duration)
        start = job.seed + 1
    else:
        if w.blocker() is not None:
            w.show_status("Fill the form first: a portrait and a voice clip.")
            return
        source = w.inputs.request()
        what = f"{Path(source.image).name} + {Path(source.audio).name}"
        price = w.engine.estimate(source.quality, source.duration or 10)
        start = (source.seed or 0) + 1
    dlg = TakesDialog(w, what, price, start=min(start, 1_000_000))
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        n, first = dlg.choice()
        send_takes(w, source, n, first, guard_spend=True)

    dlg.accepted.connect(accepted)
    w._dialogs["make_takes"] = dlg
    dlg.open()  # never exec() on the qasync loop (docs/architecture.md)


def send_takes(w, source, n: int, first: int | None, guard_spend: bool) -> None:
    from app.api.errors import ErrorKind, SegmindError
    from app.ui.confirm import ask

    def done(result) -> None:
        batch, jobs = result
        for j in jobs:
            w.model.upsert(j)
        if jobs:
            w.queue.select_job(jobs[0].id)
        w.show_status(f"“{batch.name}”: {len(jobs)} new takes in the queue.", 10)
        w.update_counts()

    def failed(exc: BaseException) -> None:
        if isinstance(exc, SegmindError) and exc.kind == ErrorKind.spend_threshold:
            ask(
                w,
                "Confirm spending",
                exc.message,
                info="Change the threshold in Settings → Preferences.",
                accept=("Make them anyway", lambda: send_takes(w, source, n, first, False)),
                registry=w._dialogs,
                key="spend",
            )
            return
        w.bridge._report(exc, None)

    w.show_status(f"Checking and sending {n} takes…")
    w.bridge.run(
        w.engine.make_takes(source, n, start_seed=first, guard_spend=guard_spend),
        done=done,
        failed=failed,
    )
