"""A batch's header row in the studio window, against the simulator: the group fills as
the engine adds its jobs, its words follow them, and cancel batch (asked, with how many
may be billed), retry failed, remove batch (undone) and export call the engine."""

from __future__ import annotations

import csv

from app.jobs.model import JobState
from app.jobs.prepare import JobRequest
from app.ui.confirm import button
from app.ui.queue_batch_flows import write_batch_csv
from app.ui.queue_model import COL_PROMPT, COL_STATE
from tests.ui.conftest import run_on

T = 20000


def header(w, batch_id: str, col: int = COL_STATE) -> str:
    row = w.model.header_row(batch_id)
    return "" if row is None else w.model.index(row, col).data()


def states(w, batch_id: str) -> list[JobState]:
    return [j.state for j in w.model.group_jobs(batch_id)]


def test_batch_header_actions_call_the_engine(studio, qtbot, qloop, media, tmp_path):
    w = studio
    image, audio = str(media / "portrait-astronaut.png"), str(media / "voice-3s.wav")
    requests = [
        JobRequest(image=image, audio=audio, prompt="first take [sim:slow]", seed=1),
        JobRequest(image=image, audio=audio, prompt="second take [sim:slow]", seed=2),
        JobRequest(image=image, audio=audio, prompt="no speech here [sim:fail]", seed=3),
    ]
    # the folder exists first: rows checked at once race on creating it (reported to the lead)
    w.settings.output_folder(w.paths).mkdir(parents=True, exist_ok=True)
    batch, jobs = run_on(qtbot, qloop, w.engine.submit_batch(requests, "Three takes"))
    qtbot.waitUntil(lambda: len(w.model.group_jobs(batch.id)) == 3, timeout=T)
    assert header(w, batch.id, COL_PROMPT) == "Three takes"
    rows = [w.model.row_of(j.id) for j in jobs]
    assert rows == [w.model.header_row(batch.id) + i for i in (1, 2, 3)]  # spreadsheet order
    qtbot.waitUntil(lambda: header(w, batch.id) == "0 of 3 done, 1 failed", timeout=T)
    sent = (JobState.queued, JobState.processing)
    qtbot.waitUntil(lambda: all(s in sent for s in states(w, batch.id)[:2]), timeout=T)

    # cancel batch: asked, and the question says how many Segmind has
    assert w.queue.select_batch(batch.id)
    w.queue.batch_actions["batch_cancel"].trigger()
    box = w._dialogs["cancel_batch"]
    assert box.isVisible() and "Cancel the 2 unfinished jobs of “Three takes”" in box.text()
    assert "Segmind already has 2 of them" in box.text() and "may still make and bill" in box.text()
    assert box.defaultButton().text() == "Keep running"
    button(box, "Cancel batch").click()
    qtbot.waitUntil(
        lambda: states(w, batch.id) == [JobState.cancelled, JobState.cancelled, JobState.failed],
        timeout=T,
    )
    qtbot.waitUntil(lambda: header(w, batch.id) == "0 of 3 done, 1 failed", timeout=T)

    # retry failed: only the failed one goes again (not billed: nothing to ask)
    w.queue.select_batch(batch.id)
    w.queue.batch_actions["batch_retry"].trigger()
    assert "retry_batch" not in w._dialogs
    qtbot.waitUntil(lambda: w.model.find(jobs[2].id).attempt == 2, timeout=T)
    qtbot.waitUntil(lambda: w.model.find(jobs[2].id).state == JobState.failed, timeout=T)

    # export: the batch's jobs as a CSV (the dialog opens; the chosen path is written)
    w.queue.select_batch(batch.id)
    w.queue.batch_actions["batch_export"].trigger()
    dialog = w._dialogs["export_batch"]
    assert dialog.isVisible() and dialog.selectedFiles()[0].endswith("Three takes.csv")
    dialog.reject()
    path = tmp_path / "three.csv"
    assert write_batch_csv(w, batch.id, str(path))
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["prompt"] for r in rows] == [r.prompt for r in requests]

    # remove batch: its finished jobs leave the list; Undo puts them back under the header
    w.queue.select_batch(batch.id)
    w.queue.batch_actions["batch_remove"].trigger()
    qtbot.waitUntil(lambda: w.model.group(batch.id) is None, timeout=5000)
    assert "Removed 3 jobs of “Three takes”" in w.statusBar().currentMessage()
    assert w.undo_button.isVisible()
    w.undo_action.trigger()
    qtbot.waitUntil(lambda: len(w.model.group_jobs(batch.id)) == 3, timeout=5000)
    assert [w.model.row_of(j.id) for j in jobs] == [
        w.model.header_row(batch.id) + i for i in (1, 2, 3)
    ]
    assert header(w, batch.id, COL_PROMPT) == "Three takes"
