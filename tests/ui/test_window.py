"""The studio window against the simulator: submit, watch, and every state-dependent action.

"Open video" and "Show in folder" go through Qt's real QDesktopServices.openUrl; a URL
handler registered for file:// (fixture `opened_urls`) receives them instead of a player.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from app.jobs.model import JobState
from app.ui.confirm import button
from app.ui.queue_model import COL_STATE, DetailRole

T = 20000  # ms; a job takes ~2 s at the simulator's time factor


def fill(window, media, audio="voice-3s.wav", prompt="A friendly hello"):
    window.image_slot.take(str(media / "portrait-astronaut.png"))
    window.audio_slot.take(str(media / audio))
    window.params.prompt.setPlainText(prompt)


def wait_ready(qtbot, window):
    qtbot.waitUntil(lambda: window.generate_button.isEnabled(), timeout=5000)


def wait_state(qtbot, window, job_id, *states):
    def reached():
        row = window.model.row_of(job_id)
        return row is not None and window.model.job(row).state in states

    qtbot.waitUntil(reached, timeout=T)
    return window.model.job(window.model.row_of(job_id))


def submit(qtbot, window):
    with qtbot.waitSignal(window.bridge.submitted, timeout=T) as blocker:
        qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_generate_button_says_what_is_missing(studio, qtbot, media):
    w = studio
    assert w.generate_button.text() == "Add a portrait" and not w.generate_button.isEnabled()
    w.image_slot.take(str(media / "portrait-astronaut.png"))
    qtbot.waitUntil(lambda: w.generate_button.text() == "Add a voice clip", timeout=5000)
    w.audio_slot.take(str(media / "voice-32s.wav"))
    qtbot.waitUntil(lambda: w.audio_slot.ready, timeout=5000)
    assert w.params.duration == 15 and w.generate_button.text().startswith("Trim the clip")
    w.params.trim_box.setChecked(True)
    assert w.generate_button.isEnabled() and w.generate_button.text() == "Generate video"
    assert w.first_run.isHidden()


def test_job_from_the_window_reaches_completed(studio, qtbot, media, opened_urls):
    w = studio
    fill(w, media)
    wait_ready(qtbot, w)
    assert w.params.duration == 5
    job = submit(qtbot, w)
    done = wait_state(qtbot, w, job.id, JobState.completed)
    assert Path(done.output_path).is_file()
    row = w.model.row_of(job.id)
    assert w.model.index(row, COL_STATE).data() == "Completed"
    assert w.queue.current_job().id == job.id
    qtbot.waitUntil(lambda: w.preview.current_path() == done.output_path, timeout=5000)
    assert w.tray.messages and w.tray.messages[-1][0] == "Video ready"
    assert "1 running" not in w.counts_label.text()
    # open video and show in folder
    w.queue.actions_["open"].trigger()
    w.queue.actions_["folder"].trigger()
    assert opened_urls == [done.output_path, str(Path(done.output_path).parent)]
    w.queue.actions_["copy_id"].trigger()
    assert QGuiApplication.clipboard().text() == done.request_id
    w.queue.actions_["copy_url"].trigger()
    assert QGuiApplication.clipboard().text() == done.output_url


def test_cancel_retry_rerun_remove_delete(studio, qtbot, media):
    w = studio
    fill(w, media, prompt="slow one [sim:slow]")
    wait_ready(qtbot, w)
    job = submit(qtbot, w)
    wait_state(qtbot, w, job.id, JobState.queued, JobState.processing)
    w.queue.select_job(job.id)
    # a job Segmind already has: the cancel asks first and says it may be billed
    w.queue.actions_["cancel"].trigger()
    box = w._dialogs["cancel"]
    assert box.isVisible() and "may still make and bill" in box.text()
    assert box.defaultButton().text() == "Keep waiting"
    button(box, "Keep waiting").click()
    qtbot.wait(200)
    assert w.model.find(job.id).state in (JobState.queued, JobState.processing)
    w.queue.actions_["cancel"].trigger()
    button(w._dialogs["cancel"], "Cancel anyway").click()
    cancelled = wait_state(qtbot, w, job.id, JobState.cancelled)
    assert cancelled.may_be_billed
    # retrying a job that may have been billed says so before it sends anything
    w.queue.actions_["retry"].trigger()
    box = w._dialogs["retry"]
    assert box.isVisible() and "billed too" in box.text()
    assert w.model.find(job.id).state == JobState.cancelled  # nothing sent yet
    button(box, "Retry and pay again").click()
    done = wait_state(qtbot, w, job.id, JobState.completed)
    assert done.attempt == 2
    rows = w.model.rowCount()
    w.queue.select_job(job.id)
    w.queue.actions_["rerun"].trigger()
    qtbot.waitUntil(lambda: w.model.rowCount() == rows + 1, timeout=5000)
    rerun = w.model.job(0)
    assert rerun.rerun_of == job.id and rerun.seed != job.seed
    wait_state(qtbot, w, rerun.id, JobState.completed)
    # remove keeps the file and can be undone (status bar button, Ctrl+Z)
    spent = w.engine.spent_this_month()
    w.queue.select_job(job.id)
    w.queue.actions_["remove"].trigger()
    qtbot.waitUntil(lambda: w.model.row_of(job.id) is None, timeout=5000)
    assert Path(done.output_path).is_file() and w.engine.spent_this_month() == spent
    assert w.undo_button.isVisible() and "Removed 1 job" in w.statusBar().currentMessage()
    assert w.undo_action.isEnabled()
    w.undo_action.trigger()
    qtbot.waitUntil(lambda: w.model.row_of(job.id) is not None, timeout=5000)
    assert not w.undo_button.isVisible() and not w.engine.get(job.id).hidden
    w.queue.select_job(job.id)
    w.queue.actions_["remove"].trigger()
    qtbot.waitUntil(lambda: w.model.row_of(job.id) is None, timeout=5000)
    w._undo_timer.timeout.emit()  # the ten seconds are over
    assert not w.undo_button.isVisible() and not w.undo_action.isEnabled()
    video = w.model.job(w.model.row_of(rerun.id)).output_path
    w.queue.select_job(rerun.id)
    w.queue.actions_["delete"].trigger()
    box = w._dialogs["delete"]
    assert isinstance(box, QMessageBox) and box.isVisible() and "cannot be undone" in box.text()
    button(box, "Delete").click()
    qtbot.waitUntil(lambda: w.model.row_of(rerun.id) is None, timeout=5000)
    assert not Path(video).exists()


def test_cancel_before_submit_does_not_ask(studio, qtbot, media):
    w = studio
    w.engine.settings.concurrency = 1
    w.engine.apply_settings()
    fill(w, media, prompt="first [sim:slow]")
    wait_ready(qtbot, w)
    first = submit(qtbot, w)
    w.params.prompt.setPlainText("second, waits for a free job slot")
    second = submit(qtbot, w)
    qtbot.waitUntil(
        lambda: (
            "free job slot" in w.model.index(w.model.row_of(second.id), COL_STATE).data(DetailRole)
        ),
        timeout=T,
    )
    w.queue.select_job(second.id)
    w.queue.actions_["cancel"].trigger()  # not sent yet: cancelled at once, nothing asked
    assert "cancel" not in w._dialogs
    done = wait_state(qtbot, w, second.id, JobState.cancelled)
    assert not done.may_be_billed and not done.request_id
    assert w.model.find(first.id).state != JobState.cancelled


def test_failed_job_shows_the_error_and_retry(studio, qtbot, media):
    w = studio
    fill(w, media, prompt="[sim:fail] nothing to say")
    wait_ready(qtbot, w)
    job = submit(qtbot, w)
    failed = wait_state(qtbot, w, job.id, JobState.failed)
    assert "no speech" in (failed.error_message or "").lower()
    assert w.tray.messages[-1][0].startswith("Job failed")
    # Edit and resubmit: the failed job's inputs and settings back in a cleared form
    w.image_slot.clear()
    w.audio_slot.clear()
    w.params.prompt.setPlainText("something else")
    w.params.seed.setValue(5)
    w.queue.select_job(job.id)
    assert w.queue.actions_["edit"].isEnabled()
    w.queue.actions_["edit"].trigger()
    qtbot.waitUntil(lambda: w.audio_slot.ready and w.image_slot.ready, timeout=5000)
    v = w.inputs.values()
    assert v["prompt"] == failed.prompt and v["seed"] == failed.seed
    assert v["image"] == failed.image and v["audio"] == failed.audio
    assert v["duration"] == failed.duration and v["quality"] == failed.quality


def test_duplicate_submit_offers_submit_anyway(studio, qtbot, media):
    w = studio
    fill(w, media)
    wait_ready(qtbot, w)
    job = submit(qtbot, w)
    wait_state(qtbot, w, job.id, JobState.completed)
    qtbot.mouseClick(w.generate_button, Qt.MouseButton.LeftButton)
    assert w.statusBar().currentMessage().startswith("Checking and sending")
    qtbot.waitUntil(lambda: w.error_bar.isVisible(), timeout=T)
    assert w.error_bar.button.text() == "Submit anyway"
    assert w.statusBar().currentMessage() == ""  # nothing stale left after the refusal
    assert "--force" not in w.error_bar.message.text()
    with qtbot.waitSignal(w.bridge.submitted, timeout=T) as blocker:
        w.error_bar.button.click()
    assert blocker.args[0].id != job.id


def test_privacy_notice_then_spending_confirmation(studio, qtbot, media):
    w = studio
    w.settings.privacy_notice_seen = False
    w._privacy_ok = False
    w.settings.spend_threshold = 1.0  # any job passes it
    fill(w, media)
    wait_ready(qtbot, w)
    qtbot.mouseClick(w.generate_button, Qt.MouseButton.LeftButton)
    notice = w._dialogs["privacy"]
    assert notice.isVisible() and not notice.isModal() or notice.isVisible()
    notice.dont_show.setChecked(True)
    notice.continue_button.click()
    box = w._dialogs["spend"]
    assert box.isVisible() and "threshold" in box.text()
    with qtbot.waitSignal(w.bridge.submitted, timeout=T):
        button(box, "Generate anyway").click()
    saved = json.loads(w.paths.settings_file.read_text())
    assert saved["privacy_notice_seen"] is True


def test_closing_with_running_jobs_explains_and_state_is_saved(studio, qtbot, media):
    w = studio
    fill(w, media, prompt="long [sim:slow]")
    wait_ready(qtbot, w)
    job = submit(qtbot, w)
    wait_state(qtbot, w, job.id, JobState.queued, JobState.processing)
    w.close()
    box = w._dialogs["quit"]
    assert box.isVisible() and "within an hour" in box.text() and not w.closed.is_set()
    button(box, "Quit").click()
    assert w.closed.is_set()
    saved = json.loads(w.paths.settings_file.read_text())
    assert saved["window"]["splitter"] and saved["window"]["geometry"]


def test_a_video_dropped_on_the_window_loads_its_settings(studio, qtbot, media):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    w = studio
    fill(w, media, prompt="Settings from the sidecar")
    w.params.seed.setValue(4242)
    wait_ready(qtbot, w)
    job = submit(qtbot, w)
    done = wait_state(qtbot, w, job.id, JobState.completed)
    assert Path(done.output_path).with_suffix(".json").is_file()
    w.image_slot.clear()
    w.audio_slot.clear()
    w.params.prompt.setPlainText("")
    w.params.seed.setValue(1)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(done.output_path)])
    w.dropEvent(
        QDropEvent(
            QPointF(400, 300),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    qtbot.waitUntil(lambda: w.audio_slot.ready and w.image_slot.ready, timeout=5000)
    v = w.inputs.values()
    assert v["prompt"] == "Settings from the sidecar" and v["seed"] == 4242
    assert v["image"] == done.image and v["audio"] == done.audio
    assert "loaded" in w.statusBar().currentMessage()
    # a file without a sidecar is refused in words
    other = media / "result-h264-5s.mp4"
    w.open_video_settings(str(other))
    assert "no settings file" in w.statusBar().currentMessage()
