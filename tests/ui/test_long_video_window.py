"""A long video from the window: the offer with its plan, the cuts on the waveform, one
queue row with its parts' progress, the parts in the details, the joined video."""

from __future__ import annotations

from pathlib import Path

from app.jobs.model import JobState
from app.ui.queue_model import COL_COST
from tests.ui.test_window import T, submit, wait_state


def test_a_long_clip_is_offered_as_a_long_video_and_made_in_one_row(studio, qtbot, media):
    w = studio
    w.image_slot.take(str(media / "portrait-astronaut.png"))
    w.audio_slot.take(str(media / "voice-32s.wav"))
    w.params.prompt.setPlainText("A talk in parts")
    offer = w.inputs.long_offer
    qtbot.waitUntil(lambda: offer.plan is not None, timeout=T)
    # both ways out are on offer; the plan names the parts and the total
    assert not offer.isHidden() and w.generate_button.text() == "Trim the clip or make a long video"
    assert offer.words.text().startswith(f"{len(offer.plan.parts)} parts cut at pauses")
    assert f"${offer.plan.total:.2f}" in offer.words.text()
    assert w.audio_slot.waveform._cuts == list(offer.plan.cuts)
    offer.box.setChecked(True)
    assert w.generate_button.isEnabled() and not w.params.trim_box.isEnabled()
    request = w.inputs.request()
    assert request.split and request.duration is None and not request.trim

    job = submit(qtbot, w)
    assert job.is_long
    rows = [w.model.job(r).id for r in range(w.model.rowCount())]
    assert rows == [job.id]  # one row for the whole video, not one per part
    done = wait_state(qtbot, w, job.id, JobState.completed)
    assert Path(done.output_path).is_file()
    parts = w.engine.parts(job.id)
    assert len(parts) == len(offer.plan.parts)
    w.queue.select_job(job.id)
    details = w.preview.details
    qtbot.waitUntil(lambda: details.parts_text.isVisible(), timeout=5000)
    text = details.parts_text.text()
    assert text.count("Part ") == len(parts) and "Completed" in text
    assert all(p.request_id in text for p in parts)
    assert f"({len(parts)} of {len(parts)} parts done)" in details.parts_title.text()
    row = w.model.row_of(job.id)
    cost = w.model.index(row, COL_COST).data()
    assert cost == f"${sum(p.cost for p in parts):.2f}"  # the parts' charges, not "—"
