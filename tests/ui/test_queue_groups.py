"""Batches as groups in the queue: header rows before their jobs, collapse and expand, the
header's words and cost, one job's change repainting its header, filter and sort that keep
a group together, the star of a kept take, and the header's actions in the view."""

from __future__ import annotations

import time
from types import SimpleNamespace

from PySide6.QtCore import QModelIndex, Qt

from app.jobs.model import Job, JobState
from app.ui.queue_filter import FILTERS, JobFilterProxy
from app.ui.queue_model import (
    COL_COST,
    COL_PROMPT,
    COL_STATE,
    COL_THUMB,
    BarRole,
    DetailRole,
    ExpandedRole,
    GroupRole,
    JobRole,
    JobTableModel,
    KeptRole,
    SortRole,
)
from app.ui.queue_view import QueueView

NOW = time.time()


def job(prompt: str, age: float, state=JobState.completed, batch=None, **kw) -> Job:
    j = Job(
        image="https://example.com/p.png",
        audio="https://example.com/a.wav",
        prompt=prompt,
        state=state,
        created_at=NOW - age,
        batch_id=batch,
        **kw,
    )
    if state.submitted or state.finished:
        j.request_id, j.submitted_at = f"req-{j.id}", j.created_at + 5
    if state.finished:
        j.finished_at = j.created_at + 300
    if state == JobState.completed:
        j.output_path, j.cost = f"/tmp/{j.id}.mp4", 2.81
    return j


def twelve(batch="b-12", age=1000.0) -> list[Job]:
    """A 12-job batch: 4 done, 1 failed, 1 interrupted (may be billed), 2 rendering, 4 waiting."""
    states = [JobState.completed] * 4 + [JobState.failed, JobState.interrupted]
    states += [JobState.processing] * 2 + [JobState.pending] * 4
    jobs = [job(f"row {i + 1}", age - i, s, batch) for i, s in enumerate(states)]
    jobs[5].may_be_billed = True
    return jobs


def queue() -> tuple[list[Job], list[Job], list[Job]]:
    """Loose jobs around two batches, newest first (as the store gives them)."""
    loose = [job("loose new", 10, JobState.processing), job("loose old", 5000)]
    takes = [job(f"take {i}", 2000 - i, batch="t-3", take=i, seed=40 + i) for i in (1, 2, 3)]
    takes[1].kept = True
    batch = twelve()
    everything = sorted(loose + takes + batch, key=lambda j: j.created_at, reverse=True)
    return everything, batch, takes


def summaries(batch_id: str):
    names = {"b-12": ("Portraits × scripts", "batch"), "t-3": ("Takes of p.png", "takes")}
    if batch_id not in names:
        return None
    name, kind = names[batch_id]
    return SimpleNamespace(batch=SimpleNamespace(id=batch_id, name=name, kind=kind))


def shown(model) -> list[str]:
    out = []
    for r in range(model.rowCount()):
        e = model.entry(r)
        out.append(f"[{e.batch_id}]" if model.job(r) is None else e.prompt)
    return out


def test_two_batches_and_loose_jobs_pass_qtmodeltester(qtmodeltester, qapp):
    everything, _batch, _takes = queue()
    model = JobTableModel(everything, estimate=lambda q, d: 2.81, batches=summaries)
    model.set_collapsed("t-3", True)
    qtmodeltester.check(model, force_py=True)
    # the tester stays connected: it checks every insert and remove that follows
    model.set_collapsed("t-3", False)
    model.set_collapsed("b-12", True)
    model.upsert(job("loose newest", 0))
    model.upsert(job("late", 900, JobState.pending, "b-12"))
    model.set_collapsed("b-12", False)
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("row 1")
    proxy.sort(COL_PROMPT, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy, force_py=True)
    proxy.setSourceModel(None)


def test_a_header_row_stands_before_its_jobs_oldest_first(qapp):
    everything, batch, takes = queue()
    model = JobTableModel(everything, batches=summaries)
    assert shown(model) == [
        "loose new",
        "[b-12]",
        *[j.prompt for j in batch],
        "[t-3]",
        "take 1",
        "take 2",
        "take 3",
        "loose old",
    ]
    assert model.rowCount() == 2 + 2 + 12 + 3
    # a loose job added now goes on top; a new job of the batch goes under its header
    inserts = []
    model.rowsInserted.connect(lambda _p, a, b: inserts.append((a, b)))
    model.upsert(job("loose newest", 0))
    late = job("row 13", 900, JobState.pending, "b-12")
    model.upsert(late)
    header = model.header_row("b-12")
    assert shown(model)[0] == "loose newest" and model.row_of(late.id) == header + 13
    assert inserts == [(0, 0), (header + 13, header + 13)]
    # a new batch: its header and first job come in on top together
    first = job("other batch", 0, JobState.pending, "b-new")
    model.upsert(first)
    assert shown(model)[:2] == ["[b-new]", "other batch"] and inserts[-1] == (0, 1)
    # the last job of a group leaves: the header goes with it
    model.remove_job(first.id)
    assert model.group("b-new") is None and shown(model)[0] == "loose newest"


def test_collapse_and_expand_remove_and_insert_the_job_rows(qapp):
    everything, batch, _takes = queue()
    model = JobTableModel(everything, batches=summaries)
    resets, removed, inserted = [], [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    header = model.header_row("b-12")
    model.set_collapsed("b-12", True)
    assert removed == [(header + 1, header + 12)] and model.rowCount() == 7
    assert model.index(header, COL_THUMB).data(ExpandedRole) is False
    # the jobs stay known: found, counted, and their changes still reach the header
    assert model.find(batch[6].id) is batch[6] and model.row_of(batch[6].id) is None
    assert model.counts() == {"running": 3, "queued": 4}
    assert model.jobs() and len(model.jobs()) == 17
    model.upsert(batch[6].copy(state=JobState.completed, cost=2.81))
    assert model.index(header, COL_STATE).data() == "5 of 12 done, 2 failed"
    model.set_collapsed("b-12", False)
    assert inserted == [(header + 1, header + 12)] and model.rowCount() == 19
    assert model.job(header + 7).state == JobState.completed  # the change it missed
    assert resets == []


def test_header_says_done_of_total_cost_and_bar(qapp):
    _everything, batch, _takes = queue()
    model = JobTableModel(batch, estimate=lambda q, d: 2.81, batches=summaries)
    cell = lambda col, role=Qt.ItemDataRole.DisplayRole: model.index(0, col).data(role)  # noqa: E731
    assert model.job(0) is None and cell(COL_THUMB, GroupRole) == "b-12"
    assert cell(COL_PROMPT) == "Portraits × scripts"
    assert cell(COL_STATE) == "4 of 12 done, 2 failed"
    assert cell(COL_STATE, DetailRole) == "6 to go, 2 at Segmind"
    # billed: 4 × $2.81; may be billed: the interrupted one's estimate
    assert cell(COL_PROMPT, DetailRole) == (
        "Batch of 12 jobs · $11.24 billed · ~$2.81 may be billed"
    )
    assert cell(COL_COST) == "~$30.91"  # billed + may be billed + the 6 still running
    tip = cell(COL_COST, Qt.ItemDataRole.ToolTipRole)
    assert "Billed so far: $11.24" in tip and "May be billed: ~$2.81" in tip
    assert cell(COL_STATE, BarRole) == (0.5, False)  # 6 of 12 ended
    assert cell(COL_THUMB, JobRole) is None  # the job actions never see a header
    assert "collapsed" not in cell(COL_PROMPT, Qt.ItemDataRole.AccessibleTextRole)
    # the engine's summary wins for money (earlier attempts' charges are in the store)
    money = SimpleNamespace(batch=summaries("b-12").batch, billed=14.05, maybe=0.0)
    model.batches = lambda _bid: money
    model.upsert(batch[0].copy(seed=7))  # any change counts the header again
    assert cell(COL_PROMPT, DetailRole) == "Batch of 12 jobs · $14.05 billed"


def test_one_jobs_change_repaints_its_header_and_its_own_cells(qapp):
    everything, batch, _takes = queue()
    model = JobTableModel(everything, batches=summaries)
    header = model.header_row("b-12")
    changes = []
    model.dataChanged.connect(lambda a, b, r=(): changes.append((a.row(), a.column(), b.column())))
    row = model.row_of(batch[6].id)
    model.upsert(batch[6].copy(state=JobState.downloading))
    assert changes == [(row, COL_STATE, COL_COST), (header, COL_PROMPT, COL_COST)]
    changes.clear()
    model.upsert(batch[7].copy(state=JobState.completed, cost=2.81))
    assert (header, COL_PROMPT, COL_COST) in changes
    assert model.index(header, COL_STATE).data() == "5 of 12 done, 2 failed"
    # a loose job's change touches no header
    changes.clear()
    model.upsert(everything[0].copy(state=JobState.downloading))
    assert [c[0] for c in changes] == [model.row_of(everything[0].id)]


def test_tick_touches_job_cells_only(qapp):
    everything, _batch, _takes = queue()
    model = JobTableModel(everything, batches=summaries)
    seen = []
    model.dataChanged.connect(lambda a, b, r=(): seen.append((a.row(), b.row(), a.column())))
    touched = model.tick()
    headers = {model.header_row("b-12"), model.header_row("t-3")}
    assert touched == 7 and all(s[2] == COL_STATE for s in seen)
    assert not headers & {r for s in seen for r in range(s[0], s[1] + 1)}
    model.set_collapsed("b-12", True)  # hidden jobs: nothing to repaint
    assert model.tick() == 1


def test_the_kept_take_has_a_star(qapp):
    everything, _batch, takes = queue()
    model = JobTableModel(everything, batches=summaries)
    row = model.row_of(takes[1].id)
    assert model.index(row, COL_PROMPT).data(KeptRole) is True
    assert model.index(model.row_of(takes[0].id), COL_PROMPT).data(KeptRole) is False
    spoken = model.index(row, COL_PROMPT).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.startswith("Kept take, take 2")
    assert "Take 2 · 10 s" in model.index(row, COL_PROMPT).data(DetailRole)
    header = model.header_row("t-3")
    assert model.index(header, COL_PROMPT).data(DetailRole).startswith("3 takes · ★ kept")
    changes = []
    model.dataChanged.connect(lambda a, b, r=(): changes.append((a.row(), a.column(), b.column())))
    model.upsert(takes[0].copy(kept=True))
    assert changes[0] == (model.row_of(takes[0].id), COL_PROMPT, COL_PROMPT)


def test_filter_keeps_a_header_while_any_of_its_jobs_matches(qapp):
    everything, _batch, _takes = queue()
    model = JobTableModel(everything, batches=summaries)
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)

    def visible() -> list[str]:
        return [
            f"[{proxy.index(r, 0).data(GroupRole)}]"
            if proxy.index(r, 0).data(JobRole) is None
            else proxy.index(r, 0).data(JobRole).prompt
            for r in range(proxy.rowCount())
        ]

    proxy.set_search("take 2")
    assert visible() == ["[t-3]", "take 2"]
    proxy.set_search("")
    proxy.set_states(FILTERS["Failed or stopped"])
    assert visible() == ["[b-12]", "row 5", "row 6"]
    model.set_collapsed("b-12", True)  # its matching jobs are hidden: the header stays
    assert visible() == ["[b-12]"]
    proxy.set_states(FILTERS["Active"])
    assert visible() == ["loose new", "[b-12]"]
    proxy.setSourceModel(None)


def test_sorting_keeps_each_batch_under_its_header(qapp):
    everything, _batch, _takes = queue()
    model = JobTableModel(everything, batches=summaries)
    proxy = JobFilterProxy()
    proxy.setSourceModel(model)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        proxy.sort(COL_PROMPT, order)
        rows = [proxy.index(r, 0) for r in range(proxy.rowCount())]
        groups = [i.data(GroupRole) for i in rows]
        for bid in ("b-12", "t-3"):
            at = [n for n, g in enumerate(groups) if g == bid]
            assert at == list(range(at[0], at[0] + len(at)))  # together
            assert rows[at[0]].data(JobRole) is None  # the header first
        tops = [i for i in rows if i.data(GroupRole) is None or i.data(JobRole) is None]
        names = [proxy.index(i.row(), COL_PROMPT).data(SortRole) for i in tops]
        assert names == sorted(names, reverse=order == Qt.SortOrder.DescendingOrder)
    proxy.setSourceModel(None)


def test_a_job_that_joins_a_batch_moves_under_its_header(qapp):
    """Make N takes from a finished job: it becomes take 1 of the new group."""
    old = job("the best one", 3000)
    model = JobTableModel([job("loose", 100), old])
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    takes = [job("the best one", 0, JobState.pending, "t-new", take=i) for i in (2, 3)]
    for t in takes:
        model.upsert(t)
    model.upsert(old.copy(batch_id="t-new", take=1))
    assert shown(model) == ["[t-new]", "the best one", "the best one", "the best one", "loose"]
    assert [model.job(r).take for r in (1, 2, 3)] == [1, 2, 3] and resets == []


def make_view(qtbot, jobs, **kw):
    view = QueueView(JobTableModel(list(jobs), batches=summaries, **kw))
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=2000)
    return view


def test_arrow_click_and_left_right_keys_collapse_and_expand(qtbot):
    everything, batch, _takes = queue()
    view = make_view(qtbot, everything)
    model, table = view.model, view.table
    header = model.header_row("b-12")
    arrow = table.visualRect(view.proxy.mapFromSource(model.index(header, COL_THUMB))).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=arrow)
    assert model.is_collapsed("b-12") and view.selected_batch() == "b-12"
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Right)
    assert not model.is_collapsed("b-12")
    # Left on a batch's job goes to its header; Left again collapses it
    assert view.select_job(batch[3].id)
    qtbot.keyClick(table, Qt.Key.Key_Left)
    assert view.selected_batch() == "b-12" and not model.is_collapsed("b-12")
    qtbot.keyClick(table, Qt.Key.Key_Left)
    assert model.is_collapsed("b-12")
    # selecting a job of a collapsed group opens the group
    assert view.select_job(batch[3].id) and not model.is_collapsed("b-12")
    assert view.current_job().id == batch[3].id


def test_header_row_offers_the_batch_actions(qtbot):
    everything, _batch, _takes = queue()
    view = make_view(qtbot, everything)
    assert view.select_batch("b-12")
    enabled = {n for n, a in view.batch_actions.items() if a.isEnabled()}
    assert enabled == {"batch_cancel", "batch_retry", "batch_remove", "batch_export"}
    assert not any(a.isEnabled() for a in view.actions_.values())  # no job selected
    assert view.batch_actions["batch_cancel"].isVisible()  # on the toolbar instead of
    assert not view.actions_["open"].isVisible()  # the job actions
    view._context_menu(view.table.visualRect(view.table.currentIndex()).center())
    texts = [a.text() for a in view._menu.actions() if not a.isSeparator()]
    assert texts == [
        "Colla&pse",
        "&Cancel batch…",
        "&Retry failed",
        "Re&move batch from list",
        "E&xport as CSV…",
    ]
    view._menu.close()
    view.table.setFocus()
    with qtbot.waitSignal(view.batchRequested) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_Delete)  # Delete removes the batch
    assert blocker.args == ["batch_remove", "b-12"]
    with qtbot.waitSignal(view.batchRequested) as blocker:
        qtbot.keyClick(view.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == ["batch_retry", "b-12"]
    # a finished takes group: nothing to cancel or retry
    assert view.select_batch("t-3")
    enabled = {n for n, a in view.batch_actions.items() if a.isEnabled()}
    assert enabled == {"batch_remove", "batch_export"}
    with qtbot.assertNotEmitted(view.batchRequested):
        view.trigger_batch("batch_cancel")
    # a job selected again: the job actions are back
    assert view.select_job(everything[-1].id)
    assert view.actions_["remove"].isEnabled()
    assert not view.batch_actions["batch_remove"].isEnabled()


def test_two_hundred_jobs_in_batches_stay_fast(qtbot):
    jobs = []
    for b in range(4):
        states = [JobState.completed, JobState.processing, JobState.pending, JobState.failed]
        jobs += [job(f"b{b} row {i}", b * 1000 + i, states[i % 4], f"b{b}") for i in range(50)]
    jobs += [job(f"loose {i}", 500 + i * 1000) for i in range(40)]
    jobs.sort(key=lambda j: j.created_at, reverse=True)
    t0 = time.perf_counter()
    view = make_view(qtbot, jobs)
    loaded = time.perf_counter() - t0
    model = view.model
    assert model.rowCount() == 244
    t1 = time.perf_counter()
    for _ in range(10):
        model.tick()
    ticks = (time.perf_counter() - t1) / 10
    t2 = time.perf_counter()
    for b in range(4):
        model.set_collapsed(f"b{b}", True)
    for b in range(4):
        model.set_collapsed(f"b{b}", False)
    toggles = (time.perf_counter() - t2) / 8
    t3 = time.perf_counter()
    for j in jobs[:50]:
        model.upsert(j.copy(state=JobState.downloading) if not j.state.finished else j.copy(seed=1))
    upserts = (time.perf_counter() - t3) / 50
    t4 = time.perf_counter()
    view.proxy.sort(COL_PROMPT, Qt.SortOrder.AscendingOrder)
    sort = time.perf_counter() - t4
    view.proxy.sort(-1)
    print(
        f"\n244 rows in 4 batches: load+show {loaded * 1000:.0f} ms, tick {ticks * 1000:.1f} ms, "
        f"collapse/expand {toggles * 1000:.1f} ms, upsert {upserts * 1000:.2f} ms, "
        f"sort by prompt {sort * 1000:.0f} ms"
    )
    assert loaded < 3.0 and ticks < 0.1 and toggles < 0.2 and upserts < 0.02 and sort < 1.0
    assert model.index(0, 0, QModelIndex()).isValid()


def test_older_jobs_of_a_batch_join_its_group_when_history_pages_in(qtbot, tmp_path):
    """A batch spread over the first page and older chunks: every job ends under the one
    header, in order, with loose jobs around it; nothing is reset."""
    from app.jobs.batch_store import Batch
    from app.jobs.store import JobStore

    store = JobStore(tmp_path / "jobs.sqlite3")
    batch = Batch("b-long", "Long batch", "batch", NOW - 500)
    members = [job(f"member {i}", 250 + (39 - i) * 5) for i in range(40)]
    store.add_batch(batch, [(j, [], None) for j in members], None)
    store.add_many([job(f"loose {i}", i * 20) for i in range(60)])  # some newer, some older
    model = JobTableModel(batches=store.batch_summary)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    model.chunk = 15
    model.load(store, first=20, background=False)
    assert model.group("b-long") is not None and 0 < len(model.group_jobs("b-long")) < 40
    while model.canFetchMore():
        model.fetchMore()
    assert [j.prompt for j in model.group_jobs("b-long")] == [f"member {i}" for i in range(40)]
    header = model.header_row("b-long")
    assert [model.job(header + 1 + i).prompt for i in range(40)] == [
        f"member {i}" for i in range(40)
    ]
    assert model.rowCount() == 1 + 40 + 60 and resets == []
    assert model.index(header, COL_PROMPT).data() == "Long batch"
    assert model.index(header, COL_STATE).data() == "40 of 40 done"
    assert model.index(header, COL_PROMPT).data(DetailRole) == "Batch of 40 jobs · $112.40 billed"
    rows = [model.job(r) for r in range(model.rowCount())]
    loose = [j.created_at for j in rows if j is not None and j.batch_id is None]
    assert loose == sorted(loose, reverse=True)
