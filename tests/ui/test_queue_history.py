"""A long history in a real JobStore: the newest jobs and unfinished ones at once, the rest
in chunks (fetchMore, idle time); no sort pass at start; per-event work touches one row."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.jobs.model import Job, JobState
from app.jobs.store import JobStore
from app.ui.queue_model import COL_STATE, JobRole, JobTableModel
from app.ui.queue_view import QueueView


def history(tmp_path, count: int, unfinished_at=(1500,)) -> JobStore:
    store = JobStore(tmp_path / "jobs.sqlite3")
    now = time.time()
    jobs = []
    for i in range(count):
        state = JobState.queued if i in unfinished_at else JobState.completed
        job = Job(
            image="https://example.com/p.png",
            audio="a.wav",
            prompt=f"history {i}",
            state=state,
            created_at=now - i * 60,
            cost=1.41 if state == JobState.completed else None,
        )
        jobs.append(job)
    store.add_many(jobs)  # one transaction, as the start-up benchmark fills it
    return store


def test_newest_and_unfinished_first_then_the_rest_in_order(qtbot, tmp_path):
    store = history(tmp_path, 2000)
    model = JobTableModel()
    t0 = time.perf_counter()
    model.load(store, first=200, background=False)
    loaded = time.perf_counter() - t0
    assert model.rowCount() == 201 and model.loading()  # 200 newest + the old queued one
    assert model.job(200).prompt == "history 1500" and model.counts()["running"] == 1
    assert model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
    prompts = [model.job(r).prompt for r in range(model.rowCount())]
    assert prompts == [f"history {i}" for i in range(2000)]  # newest first, no duplicate
    assert model.row_of(model.job(1500).id) == 1500 and not model.loading()
    print(f"\nfirst 200 of 2000 loaded in {loaded * 1000:.0f} ms")


def test_idle_time_loads_the_whole_history(qtbot, tmp_path):
    store = history(tmp_path, 1200, unfinished_at=())
    model = JobTableModel()
    model.load(store, first=200)
    assert model.rowCount() == 200
    qtbot.waitUntil(lambda: not model.loading(), timeout=10000)
    assert model.rowCount() == 1200


def test_view_starts_without_a_sort_pass_and_sorts_on_a_header_click(qtbot, tmp_path):
    store = history(tmp_path, 400, unfinished_at=())
    model = JobTableModel()
    model.load(store, first=400, background=False)
    calls = []
    real_data = model.data

    def counting(index, role=Qt.ItemDataRole.DisplayRole):
        calls.append(role)
        return real_data(index, role)

    model.data = counting
    view = QueueView(model)
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    QApplication.processEvents()
    assert len(calls) < 2000  # the visible cells, not a sort of 400 rows
    assert view.proxy.index(0, 0).data(JobRole).prompt == "history 0"
    view.table.horizontalHeader().sectionClicked.emit(COL_STATE)
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # prompt A..Z: a real sort
    assert view.proxy.index(0, 0).data(JobRole).prompt == "history 0"
    assert view.proxy.index(1, 0).data(JobRole).prompt == "history 1"
    assert view.proxy.index(2, 0).data(JobRole).prompt == "history 10"


def test_a_change_to_an_unselected_job_does_not_touch_the_selection(qtbot, tmp_path):
    store = history(tmp_path, 50, unfinished_at=(3, 4))
    model = JobTableModel()
    model.load(store, background=False)
    view = QueueView(model)
    qtbot.addWidget(view)
    view.show()
    assert view.select_job(model.job(3).id)
    emitted = []
    view.currentJobChanged.connect(emitted.append)
    model.upsert(model.job(4).copy(state=JobState.processing))
    assert emitted == []
    model.upsert(model.job(3).copy(state=JobState.processing))
    assert [j.state for j in emitted] == [JobState.processing]
