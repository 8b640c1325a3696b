"""The queue table model: qtmodeltester, single-cell updates, filtering, drag out, 1,000 rows."""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap

from app.jobs.estimates import JobTimes
from app.jobs.model import Job, JobState
from app.ui.queue_filter import FILTERS, JobFilterProxy
from app.ui.queue_model import (
    COL_COST,
    COL_ELAPSED,
    COL_PROGRESS,
    COL_PROMPT,
    COL_STATE,
    COL_THUMB,
    PORTRAIT,
    THUMB_HEIGHT,
    BarRole,
    DetailRole,
    FrameRole,
    JobRole,
    JobTableModel,
    ProgressRole,
    SortRole,
)
from tests.ui.conftest import DATA

STATES = list(JobState)


def make_jobs(n: int, image: str | None = None) -> list[Job]:
    now = time.time()
    jobs = []
    for i in range(n):
        state = STATES[i % len(STATES)]
        j = Job(
            image=image or str(DATA / "portrait-astronaut.png"),
            audio=str(DATA / "voice-3s.wav"),
            prompt=f"prompt number {i}\nsecond line",
            seed=i + 1,
            state=state,
            created_at=now - i * 60,
        )
        if state.submitted or state.finished:
            j.submitted_at, j.request_id = now - i * 60 + 5, f"req-{i}"
        if state.finished:
            j.finished_at = j.submitted_at + 300
        if state == JobState.completed:
            j.output_path, j.output_url, j.cost = f"/tmp/out-{i}.mp4", f"https://x/{i}.mp4", 2.81
        jobs.append(j)
    return jobs


def test_model_passes_qtmodeltester(qtmodeltester, qapp):
    model = JobTableModel(make_jobs(30), estimate=lambda q, d: 2.81)
    qtmodeltester.check(model, force_py=True)
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("number 1")
    qtmodeltester.check(proxy, force_py=True)
    # the thumbnails the checks asked for arrive now, not in a later test's event loop
    model.thumbnails.wait()
    qapp.processEvents()
    model.thumbnails.ready.disconnect()
    proxy.setSourceModel(None)


def test_upsert_emits_changed_cells_only(qtbot, qapp):
    jobs = make_jobs(3)
    model = JobTableModel(jobs)
    resets, changes, inserts = [], [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, r=(): changes.append((a.row(), a.column(), b.column())))
    model.rowsInserted.connect(lambda p, a, b: inserts.append((a, b)))

    job = jobs[1].copy(seed=jobs[1].seed)  # same content: nothing to repaint
    model.upsert(job)
    assert changes == []
    model.upsert(jobs[1].copy(state=JobState.processing))
    assert changes == [(1, COL_STATE, COL_COST)]
    changes.clear()
    model.set_progress(jobs[0].id, "upload", 50, 200)
    assert changes == [(0, COL_STATE, COL_PROGRESS)]  # the state cell shows it too

    new = Job(image="https://example.com/a.png", audio="https://example.com/a.wav")
    model.upsert(new)
    assert inserts == [(0, 0)] and model.job(0).id == new.id
    assert model.row_of(jobs[0].id) == 1
    model.remove_job(new.id)
    assert model.rowCount() == 3 and resets == []


def test_tick_touches_elapsed_of_active_rows_only(qapp):
    jobs = make_jobs(24)
    model = JobTableModel(jobs)
    seen = []
    model.dataChanged.connect(
        lambda a, b, r=(): seen.append((a.row(), b.row(), a.column(), b.column()))
    )
    touched = model.tick()
    active = [i for i, j in enumerate(jobs) if not j.state.finished]
    assert touched == len(active)
    assert [r for s in seen for r in range(s[0], s[1] + 1)] == active  # adjacent rows: one signal
    assert len(seen) < len(active)
    assert all((s[2], s[3]) == (COL_STATE, COL_ELAPSED) for s in seen)


def test_honest_progress_and_elapsed(qapp):
    now = 10_000.0
    job = Job(
        image="a.png",
        audio="a.wav",
        state=JobState.processing,
        created_at=now - 200,
        submitted_at=now - 130,
    )
    times = JobTimes(306, 330, 361, learned=12)
    model = JobTableModel([job], times=lambda: times, now=lambda: now)
    assert model.index(0, COL_ELAPSED).data() == "2:10"
    assert model.index(0, COL_PROGRESS).data(ProgressRole) == -1  # no fake percentage
    detail = model.index(0, COL_STATE).data(DetailRole)
    assert detail == "about 3 min left, usually 5-6 min" and "%" not in detail
    fraction, estimate = model.index(0, COL_STATE).data(BarRole)
    assert estimate and 0.3 < fraction < 0.4
    tip = model.index(0, COL_STATE).data(Qt.ItemDataRole.ToolTipRole)
    assert "estimate" in tip and "last 12 finished jobs" in tip
    # running long: the bar never fills before the video is there
    late = JobTableModel([job], times=lambda: times, now=lambda: now + 600)
    assert late.index(0, COL_STATE).data(BarRole) == (0.95, True)
    assert late.index(0, COL_STATE).data(DetailRole).startswith("taking longer than usual")
    model.upsert(job.copy(state=JobState.downloading))
    model.set_progress(job.id, "download", 25, 100)
    assert model.index(0, COL_PROGRESS).data(ProgressRole) == 25
    assert model.index(0, COL_STATE).data(DetailRole) == "Downloading the video: 25%"
    assert model.index(0, COL_STATE).data(BarRole) == (0.25, False)
    model.upsert(job.copy(state=JobState.completed, finished_at=now))
    assert model.index(0, COL_STATE).data(BarRole) is None  # "Done": no bar left to fill
    assert model.index(0, COL_PROMPT).data(BarRole) is None


def test_waiting_reasons_and_cancelling(qapp):
    job = Job(image="a.png", audio="a.wav", state=JobState.pending)
    model = JobTableModel([job])
    assert model.index(0, COL_STATE).data(DetailRole) == "Waiting to start"
    model.set_waiting(job.id, "job_slot")
    assert model.index(0, COL_STATE).data(DetailRole) == "Waiting for a free job slot"
    model.set_waiting(job.id, "request_slot")
    assert model.index(0, COL_STATE).data(DetailRole) == "Waiting for a request slot"
    model.upsert(job.copy(state=JobState.preparing))  # it moved on: the reason is gone
    assert model.index(0, COL_STATE).data(DetailRole) == "Checking the inputs"
    # a rendering job whose next check waits for the plan's requests: said, until then
    now = [1000.0]
    polled = Job(image="a.png", audio="a.wav", state=JobState.processing, submitted_at=990.0)
    clocked = JobTableModel([polled], now=lambda: now[0])
    clocked.set_waiting(polled.id, "request_slot", until=1012.0)
    text = clocked.index(0, COL_STATE).data(DetailRole)
    assert text.startswith("Waiting for a request slot, ") and "usually" in text
    assert clocked.index(0, COL_STATE).data(BarRole)[1] is True  # still an estimate bar
    now[0] = 1013.0
    assert not clocked.index(0, COL_STATE).data(DetailRole).startswith("Waiting")
    asked = job.copy(state=JobState.uploading)
    asked.requested = "cancel"  # another process asked the owner to cancel it
    model.upsert(asked)
    assert model.index(0, COL_STATE).data() == "Cancelling…"


def test_roles_and_demo_label(qapp):
    jobs = make_jobs(8)
    jobs[7].demo = True  # index 7 is completed
    model = JobTableModel(jobs, estimate=lambda q, d: 1.41)
    assert model.index(3, 0).data(JobRole) is jobs[3]
    assert model.index(0, COL_PROMPT).data() == "prompt number 0"
    assert model.index(7, COL_STATE).data() == "Completed · simulated"
    assert model.index(7, COL_PROMPT).data().startswith("[DEMO]")
    assert "simulated" in model.index(7, COL_PROMPT).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(7, COL_COST).data() == "$2.81"
    assert model.index(0, COL_COST).data() == "~$1.41"
    assert model.index(0, COL_THUMB).data(Qt.ItemDataRole.DecorationRole) is not None
    assert isinstance(model.index(0, COL_ELAPSED).data(SortRole), float)


def test_filter_and_search(qapp):
    jobs = make_jobs(48)
    model = JobTableModel(jobs)
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_states(FILTERS["Completed"])
    assert proxy.rowCount() == sum(j.state == JobState.completed for j in jobs) > 0
    proxy.set_states(FILTERS["Active"])
    assert all(not proxy.index(r, 0).data(JobRole).state.finished for r in range(proxy.rowCount()))
    proxy.set_states(None)
    proxy.set_search("NUMBER 4")
    assert {proxy.index(r, 0).data(JobRole).seed for r in range(proxy.rowCount())} == {
        5,
        41,
        42,
        43,
        44,
        45,
        46,
        47,
        48,
    }


def test_drag_out_gives_file_urls_of_finished_videos(qapp):
    jobs = make_jobs(12)
    model = JobTableModel(jobs)
    done = next(i for i, j in enumerate(jobs) if j.state == JobState.completed)
    assert model.flags(model.index(done, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    mime = model.mimeData([model.index(done, c) for c in range(3)] + [model.index(0, 0)])
    assert [u.toLocalFile() for u in mime.urls()] == [jobs[done].output_path]
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def test_thumbnails_decoded_once_for_a_thousand_rows_off_the_ui_thread(qtbot, qapp):
    model = JobTableModel(make_jobs(1000))
    changed = []
    model.dataChanged.connect(lambda a, b, r=(): changed.append((a.row(), a.column(), r)))
    t0 = time.perf_counter()
    first = [model.index(r, COL_THUMB).data(Qt.ItemDataRole.DecorationRole) for r in range(1000)]
    asked = time.perf_counter() - t0
    assert all(p is not None and p.height() == PORTRAIT for p in first)  # placeholders
    qtbot.waitUntil(lambda: model.thumbnails.decodes == 1, timeout=5000)
    qtbot.waitUntil(lambda: len(changed) == 1000, timeout=5000)
    assert {c[1] for c in changed} == {COL_THUMB} and sorted(c[0] for c in changed) == list(
        range(1000)
    )
    pix = model.index(0, COL_THUMB).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(pix, QPixmap) and not pix.isNull()  # the real picture
    assert pix.deviceIndependentSize().height() <= THUMB_HEIGHT
    assert model.thumbnails.decodes == 1 and asked < 0.5


def test_a_big_portrait_does_not_stall_the_ui_thread(qtbot, qapp, tmp_path):
    """A 4000x4000 PNG (tens of MB decoded) is read on the worker: data() answers at once."""
    big = tmp_path / "big.png"
    image = QImage(4000, 4000, QImage.Format.Format_RGB32)
    image.fill(QColor(30, 90, 160))
    assert image.save(str(big))
    model = JobTableModel(make_jobs(3, image=str(big)))
    t0 = time.perf_counter()
    model.index(0, COL_THUMB).data(Qt.ItemDataRole.DecorationRole)
    assert time.perf_counter() - t0 < 0.05
    qtbot.waitUntil(lambda: model.thumbnails.decodes == 1, timeout=10000)
    pix = model.index(2, COL_THUMB).data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(pix, QPixmap) and pix.width() <= 2 * THUMB_HEIGHT


def test_unreadable_and_online_portraits_get_an_icon(qtbot, qapp, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a picture")
    jobs = make_jobs(2, image=str(bad))
    jobs[1].image = "https://example.com/p.png"
    model = JobTableModel(jobs)
    assert isinstance(model.index(1, COL_THUMB).data(Qt.ItemDataRole.DecorationRole), QIcon)
    model.index(0, COL_THUMB).data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: model.thumbnails.decodes == 1, timeout=5000)
    assert isinstance(model.index(0, COL_THUMB).data(Qt.ItemDataRole.DecorationRole), QIcon)


def test_finished_rows_show_the_first_frame_of_their_video(qtbot, qapp, tmp_path):
    """The real H.264 result: its first frame is decoded on the worker, once, and cached."""
    import shutil

    video = tmp_path / "result.mp4"
    shutil.copy(DATA / "result-h264-5s.mp4", video)
    jobs = make_jobs(3)
    done = jobs[0].copy(state=JobState.completed, output_path=str(video))
    running = jobs[1].copy(state=JobState.processing)
    model = JobTableModel([done, running])
    t0 = time.perf_counter()
    assert model.index(0, COL_THUMB).data(FrameRole) is model.thumbnails.PENDING
    assert time.perf_counter() - t0 < 0.05  # asked, not decoded, on the UI thread
    assert model.index(1, COL_THUMB).data(FrameRole) is None  # no video yet
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        pass
    qtbot.waitUntil(lambda: isinstance(model.index(0, COL_THUMB).data(FrameRole), QPixmap))
    frame = model.index(0, COL_THUMB).data(FrameRole)
    size = frame.deviceIndependentSize()
    assert size.width() == size.height() == THUMB_HEIGHT  # 512x512 video, scaled to fit
    image = frame.toImage()
    colors = {image.pixelColor(x, y).name() for x in range(0, image.width(), 9) for y in (20, 60)}
    assert len(colors) > 3  # a picture, not a blank or black box
    decodes = model.thumbnails.decodes
    model.index(0, COL_THUMB).data(FrameRole)
    assert model.thumbnails.decodes == decodes  # cached
