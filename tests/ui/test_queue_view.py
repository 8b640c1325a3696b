"""Queue actions by state: buttons, context menu actions and keys; filter and search."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.jobs.model import Job, JobState
from app.ui.queue_model import JobTableModel
from app.ui.queue_view import ACTIONS, QueueView


def jobs_in_every_state(tmp_path: Path) -> dict[JobState, Job]:
    out = {}
    for state in JobState:
        j = Job(image="a.png", audio="a.wav", prompt=f"a {state.value} job", state=state)
        if state.submitted or state.finished:
            j.request_id = f"req-{state.value}"
        if state == JobState.completed:
            video = tmp_path / "videos" / "done.mp4"
            video.parent.mkdir(exist_ok=True)
            video.write_bytes(b"\x00")
            j.output_path, j.output_url = str(video), "https://cdn.example/done.mp4"
        out[state] = j
    return out


def make_view(qtbot, jobs):
    view = QueueView(JobTableModel(list(jobs)))
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    view.activateWindow()  # shortcuts only reach the active window
    qtbot.waitUntil(view.isActiveWindow, timeout=2000)
    return view


def enabled(view) -> set[str]:
    return {n for n, a in view.actions_.items() if a.isEnabled()}


def test_actions_follow_the_state(qtbot, tmp_path):
    jobs = jobs_in_every_state(tmp_path)
    view = make_view(qtbot, jobs.values())
    stopped = {"retry", "rerun", "copy_id", "remove", "edit", "use"}
    expected = {
        JobState.pending: {"cancel", "use"},
        JobState.processing: {"cancel", "copy_id", "use"},
        JobState.completed: {
            "open",
            "folder",
            "rerun",
            "copy_id",
            "copy_url",
            "remove",
            "delete",
            "use",
        },
        JobState.failed: stopped,
        JobState.cancelled: stopped,
        JobState.expired: stopped,
    }
    for state, names in expected.items():
        assert view.select_job(jobs[state].id)
        assert enabled(view) == names, state
    view.table.clearSelection()
    assert enabled(view) == set()


def test_engine_verbs_are_requested_with_job_ids(qtbot, tmp_path):
    jobs = jobs_in_every_state(tmp_path)
    view = make_view(qtbot, jobs.values())
    for state, verb in (
        (JobState.processing, "cancel"),
        (JobState.failed, "retry"),
        (JobState.completed, "rerun"),
        (JobState.completed, "remove"),
        (JobState.completed, "delete"),
    ):
        view.select_job(jobs[state].id)
        with qtbot.waitSignal(view.requested) as blocker:
            view.actions_[verb].trigger()
        assert blocker.args == [verb, [jobs[state].id]]
    # a verb that does not apply to the selection asks for nothing
    view.select_job(jobs[JobState.processing].id)
    with qtbot.assertNotEmitted(view.requested):
        view.trigger("retry")


def test_open_show_in_folder_and_copy(qtbot, tmp_path, opened_urls):
    jobs = jobs_in_every_state(tmp_path)
    done = jobs[JobState.completed]
    view = make_view(qtbot, jobs.values())
    view.select_job(done.id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # Enter opens the video
    view.actions_["folder"].trigger()
    assert opened_urls == [done.output_path, str(Path(done.output_path).parent)]
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == done.request_id
    view.actions_["copy_url"].trigger()
    assert QGuiApplication.clipboard().text() == done.output_url


def test_keys_delete_and_multiselect(qtbot, tmp_path):
    jobs = jobs_in_every_state(tmp_path)
    view = make_view(qtbot, jobs.values())
    view.table.selectAll()
    view.table.setFocus()
    with qtbot.waitSignal(view.requested) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    finished = {j.id for j in jobs.values() if j.state.finished}
    assert blocker.args[0] == "remove" and set(blocker.args[1]) == finished
    assert view.current_job() is None  # several selected: no single preview


def test_filter_and_search_boxes(qtbot, tmp_path):
    jobs = jobs_in_every_state(tmp_path)
    view = make_view(qtbot, jobs.values())
    view.filter.setCurrentText("Completed")
    assert view.proxy.rowCount() == 1
    view.filter.setCurrentText("All jobs")
    qtbot.keyClicks(view.search, "fail")
    assert view.proxy.rowCount() == 1
    assert set(ACTIONS) >= {
        "open",
        "folder",
        "cancel",
        "retry",
        "rerun",
        "copy_id",
        "copy_url",
        "remove",
        "delete",
    }


def test_context_menu_lists_the_actions(qtbot, tmp_path):
    jobs = jobs_in_every_state(tmp_path)
    view = make_view(qtbot, jobs.values())
    view.select_job(jobs[JobState.completed].id)
    view._context_menu(view.table.visualRect(view.table.currentIndex()).center())
    texts = [a.text() for a in view._menu.actions() if not a.isSeparator()]
    assert "&Open video" in texts and "&Delete with files…" in texts
    view._menu.close()
