"""1,000 jobs: loading, ticking and scrolling stay fast (times printed with -s)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication

from app.ui.queue_model import JobTableModel
from app.ui.queue_view import QueueView
from tests.ui.test_queue_model import make_jobs


def test_thousand_rows_load_and_scroll(qtbot):
    jobs = make_jobs(1000)
    t0 = time.perf_counter()
    model = JobTableModel(jobs)
    view = QueueView(model)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    QApplication.processEvents()
    loaded = time.perf_counter() - t0
    bar = view.table.verticalScrollBar()
    t1 = time.perf_counter()
    steps = 0
    for value in range(0, bar.maximum() + 1, max(1, bar.pageStep() // 2)):
        bar.setValue(value)
        view.table.viewport().repaint()
        steps += 1
    scrolled = time.perf_counter() - t1
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    t2 = time.perf_counter()
    for _ in range(10):
        model.tick()
        QApplication.processEvents()
    ticks = (time.perf_counter() - t2) / 10
    print(
        f"\n1000 rows: load+show {loaded * 1000:.0f} ms, scroll {steps} pages "
        f"{scrolled * 1000:.0f} ms ({scrolled / steps * 1000:.1f} ms/page), "
        f"tick {ticks * 1000:.1f} ms, thumbnail decodes {model.thumbnails.decodes}"
    )
    qtbot.waitUntil(lambda: model.thumbnails.decoded["image"] == 1, timeout=5000)
    assert resets == [] and model.thumbnails.decoded["image"] == 1  # one portrait, many rows
    assert loaded < 3.0 and scrolled / steps < 0.1 and ticks < 0.1


def test_thousand_rows_in_batches_load_tick_and_collapse(qtbot):
    """The same 1,000 jobs, 600 of them in 12 batches of 50: header rows, grouped order."""
    jobs = make_jobs(1000)
    for i, job in enumerate(jobs[:600]):
        job.batch_id = f"batch-{i % 12}"  # interleaved in time: grouping has work to do
    t0 = time.perf_counter()
    model = JobTableModel(jobs)
    view = QueueView(model)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    QApplication.processEvents()
    loaded = time.perf_counter() - t0
    assert model.rowCount() == 1000 + 12
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    t1 = time.perf_counter()
    for _ in range(10):
        model.tick()
        QApplication.processEvents()
    ticks = (time.perf_counter() - t1) / 10
    t2 = time.perf_counter()
    for b in range(12):
        model.set_collapsed(f"batch-{b}", True)
        QApplication.processEvents()
    collapsed = (time.perf_counter() - t2) / 12
    assert model.rowCount() == 400 + 12
    print(
        f"\n1000 rows in 12 batches: load+show {loaded * 1000:.0f} ms, "
        f"tick {ticks * 1000:.1f} ms, collapse {collapsed * 1000:.1f} ms per batch"
    )
    assert resets == [] and loaded < 3.0 and ticks < 0.1 and collapsed < 0.2
