"""The batch builder against the real engine on the simulator: the grid of portraits x
voice clips x seeds checked row by row (Engine.plan_batch), its totals, rows with a
problem, drops of many files, submitting one batch, and CSV import/export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.ui import batch_grid as g
from app.ui.confirm import button
from app.ui.theme import tone_color

T = 20000


def builder(
    window,
    media,
    images=("portrait-astronaut.png", "portrait-astronaut.jpg"),
    voices=("voice-3s.wav", "voice-5s.wav"),
):
    dlg = window.open_batch_builder()
    assert dlg is not None and dlg.isVisible()
    dlg.add_files([str(media / n) for n in (*images, *voices)])
    return dlg


def checked(qtbot, dlg, rows: int):
    """Wait until the grid has `rows` rows and the engine has checked every one."""

    def done():
        return (
            not dlg._plan_timer.isActive()
            and not dlg._checking
            and dlg.model.rowCount() == rows
            and all(r.checked_by_engine for r in dlg.model.rows)
            and all(v.seconds is not None for v in dlg.inputs.voices)
        )

    qtbot.waitUntil(done, timeout=T)
    return dlg.model.rows


def cell(dlg, row: int, col: int, role=Qt.ItemDataRole.DisplayRole):
    return dlg.model.index(row, col).data(role)


def test_two_portraits_two_voices_two_takes_make_eight_checked_rows(studio, qtbot, media):
    w = studio
    dlg = builder(w, media)
    assert dlg.form.takes.value() == 2
    rows = checked(qtbot, dlg, 8)
    assert [cell(dlg, i, g.COL_ROW) for i in range(8)] == [str(n) for n in range(2, 10)]
    pairs = {}
    for r in rows:
        assert r.problem is None and r.estimate is not None
        pairs.setdefault((r.request.image, r.request.audio), []).append(r.request.seed)
    assert len(pairs) == 4 and all(len(set(s)) == 2 for s in pairs.values())
    durations = {Path(r.request.audio).name: r.duration for r in rows}
    assert durations == {"voice-3s.wav": 5, "voice-5s.wav": 10}  # the shortest that holds it
    assert all(cell(dlg, i, g.COL_PROBLEM) == "OK" for i in range(8))
    total = sum(w.engine.estimate("high", r.duration) for r in rows)
    assert dlg.model.total() == pytest.approx(total)
    assert "8 jobs" in dlg.totals.text() and f"${total:.2f}" in dlg.totals.text()
    assert "this month $0.00 of your $20.00 threshold" in dlg.totals.text()
    assert dlg.submit_button.isEnabled()
    # the seeds stay the same while the grid is checked again; a third take adds rows
    seeds = [r.request.seed for r in rows]
    dlg.form.quality.setCurrentIndex(dlg.form.quality.findData("mid"))
    rows = checked(qtbot, dlg, 8)
    assert [r.request.seed for r in rows] == seeds and rows[0].request.quality == "mid"
    dlg.form.takes.setValue(3)
    rows = checked(qtbot, dlg, 12)
    assert [r.request.seed for r in rows][:2] == seeds[:2]
    # a seed list instead, the same for every pair
    dlg.form.seed_list.setText("1, 7, 42")
    dlg.form.seed_list.textEdited.emit("1, 7, 42")
    rows = checked(qtbot, dlg, 12)
    assert [r.request.seed for r in rows[:3]] == [1, 7, 42]
    dlg.form.seed_list.setText("1, x")
    dlg.form.seed_list.textEdited.emit("1, x")
    qtbot.waitUntil(lambda: dlg.model.rowCount() == 0, timeout=T)
    assert "“x” is not a seed" in dlg.form.seed_note.text()
    assert not dlg.submit_button.isEnabled()


def test_one_prompt_per_voice_clip(studio, qtbot, media):
    dlg = builder(studio, media, images=("portrait-astronaut.png",))
    dlg.form.prompt.setPlainText("Shared start")
    assert dlg.grid.isColumnHidden(g.COL_PROMPT)
    dlg.form.per_voice.setChecked(True)
    assert not dlg.grid.isColumnHidden(g.COL_PROMPT) and not dlg.form.prompt.isEnabled()
    assert [v.prompt for v in dlg.inputs.voices] == ["Shared start", "Shared start"]
    dlg.inputs.set_prompt(0, "Cheerful hello")
    rows = checked(qtbot, dlg, 4)
    prompts = {Path(r.request.audio).name: r.request.prompt for r in rows}
    assert prompts == {"voice-3s.wav": "Cheerful hello", "voice-5s.wav": "Shared start"}


def test_a_bad_file_shows_its_rows_problems_and_submit_is_disabled(studio, qtbot, media):
    bad = media / "broken.png"
    bad.write_bytes(b"this is not a picture at all")
    dlg = builder(studio, media, images=("portrait-astronaut.png", "broken.png"))
    rows = checked(qtbot, dlg, 8)
    broken = [i for i, r in enumerate(rows) if r.request.image == str(bad)]
    assert len(broken) == 4
    for i in broken:
        assert rows[i].problem and "broken.png" in rows[i].problem
        assert cell(dlg, i, g.COL_PROBLEM).startswith("⚠")
        assert cell(dlg, i, g.COL_IMAGE, Qt.ItemDataRole.ForegroundRole) == tone_color("error")
        assert cell(dlg, i, g.COL_COST) == "—"
    good = [r for r in rows if r.request.image != str(bad)]
    assert all(r.problem is None and r.estimate for r in good)  # still checked and priced
    assert not dlg.submit_button.isEnabled()
    assert dlg.status.text().startswith("4 rows have a problem")
    assert "broken.png" in dlg.status.text()
    # unchecking a row leaves it out; "Leave them out" unchecks every row with a problem
    dlg.model.setData(
        dlg.model.index(broken[0], g.COL_USE),
        Qt.CheckState.Unchecked.value,
        Qt.ItemDataRole.CheckStateRole,
    )
    assert cell(dlg, broken[0], g.COL_PROBLEM) == "left out"
    assert dlg.status.text().startswith("3 rows have a problem")
    assert dlg.leave_out.isVisible()
    dlg.leave_out.click()
    assert dlg.submit_button.isEnabled() and dlg.submit_button.text() == "Submit 4 jobs"
    assert "4 jobs</b> of 8" in dlg.totals.text() and not dlg.leave_out.isVisible()


def test_a_copy_of_the_same_file_is_a_twin_row_and_submit_asks(studio, qtbot, media):
    (media / "same.png").write_bytes((media / "portrait-astronaut.png").read_bytes())
    dlg = builder(
        studio, media, images=("portrait-astronaut.png", "same.png"), voices=("voice-3s.wav",)
    )
    dlg.form.seed_list.setText("5")
    dlg.form.seed_list.textEdited.emit("5")
    rows = checked(qtbot, dlg, 2)
    assert rows[0].problem is None and rows[0].twin is None
    assert rows[1].problem is None and "same job as row 2" in rows[1].twin
    assert cell(dlg, 1, g.COL_PROBLEM).startswith("Pays twice: The same job as row 2")
    assert rows[1].estimate and dlg.model.total() == pytest.approx(2 * rows[1].estimate)
    # Submit asks before paying twice; "Submit anyway" sends both
    assert dlg.submit_button.isEnabled()
    dlg.submit_button.click()
    box = dlg.dialogs["force"]
    assert box.isVisible() and "billed again" in box.text()
    assert studio.engine.jobs() == []
    with qtbot.waitSignal(dlg.submitted, timeout=T) as blocker:
        button(box, "Submit anyway").click()
    assert len(blocker.args[1]) == 2


def test_dropping_many_files_sorts_them_and_names_the_refused(studio, qtbot, media):
    dlg = studio.open_batch_builder()
    notes = media / "notes.txt"
    notes.write_text("hello")
    md = QMimeData()
    names = ("portrait-astronaut.png", "voice-3s.wav", "voice-5s.wav", "notes.txt")
    md.setUrls([QUrl.fromLocalFile(str(media / n)) for n in names])
    action = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        QPoint(20, 20), action, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(dlg, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(20, 20), action, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(dlg, drop)
    assert [Path(p).name for p in dlg.inputs.images] == ["portrait-astronaut.png"]
    assert [Path(v.path).name for v in dlg.inputs.voices] == ["voice-3s.wav", "voice-5s.wav"]
    assert "Not added: notes.txt" in dlg.note.text() and dlg.note.isVisible()
    checked(qtbot, dlg, 4)


def test_submit_makes_one_batch_of_eight_jobs(studio, qtbot, media):
    w = studio
    dlg = builder(w, media)
    dlg.form.name_edit.setText("Spring promo")
    checked(qtbot, dlg, 8)
    assert w.engine.jobs() == []  # nothing stored or sent while building
    with qtbot.waitSignal(dlg.submitted, timeout=T) as blocker:
        dlg.submit_button.click()
    batch, jobs = blocker.args
    assert batch.name == "Spring promo" and len(jobs) == 8
    assert {j.batch_id for j in jobs} == {batch.id}
    assert [j.id for j in w.engine.batch_jobs(batch.id)] == [j.id for j in jobs]
    assert not dlg.isVisible()
    qtbot.waitUntil(lambda: all(w.model.find(j.id) is not None for j in jobs), timeout=T)
    assert "Spring promo" in w.statusBar().currentMessage()
    # the builder opens empty again
    dlg = w.open_batch_builder()
    assert dlg.model.rowCount() == 0 and dlg.inputs.images == []


def test_past_the_spend_threshold_submit_asks_first(studio, qtbot, media):
    w = studio
    w.settings.spend_threshold = 0.05
    dlg = builder(w, media, images=("portrait-astronaut.png",))
    checked(qtbot, dlg, 4)
    assert "Past your monthly threshold" in dlg.totals.text()
    dlg.submit_button.click()
    qtbot.waitUntil(lambda: "spend" in dlg.dialogs and dlg.dialogs["spend"].isVisible(), timeout=T)
    box = dlg.dialogs["spend"]
    assert "past your threshold of $0.05" in box.text()
    assert box.defaultButton().text() == "Cancel"
    assert w.engine.jobs() == []
    with qtbot.waitSignal(dlg.submitted, timeout=T) as blocker:
        button(box, "Submit anyway").click()
    assert len(blocker.args[1]) == 4


def _csv(media: Path) -> Path:
    path = media / "plan.csv"
    path.write_text(
        "image,audio,prompt,seed,quality\n"
        "portrait-astronaut.png,voice-3s.wav,Hello there,11,high\n"
        "portrait-astronaut.jpg,voice-5s.wav,,12,mid\n",
        encoding="utf-8",
    )
    return path


def test_csv_import_fills_the_grid(studio, qtbot, media):
    pytest.importorskip("app.jobs.batch_csv")
    w = studio
    w.import_batch_csv(path=str(_csv(media)))
    qtbot.waitUntil(lambda: "batch" in w._dialogs and w._dialogs["batch"].isVisible(), timeout=T)
    dlg = w._dialogs["batch"]
    rows = checked(qtbot, dlg, 2)
    assert [r.request.seed for r in rows] == [11, 12]
    assert [r.request.quality for r in rows] == ["high", "mid"]
    assert rows[0].request.prompt == "Hello there"
    assert "2 rows from plan.csv" in dlg.imported_note.text()
    assert not dlg.inputs.isVisible() and dlg.form.name() == "plan"
    assert not dlg.form.takes.isVisible() and dlg.form.name_edit.isVisible()
    assert dlg.submit_button.isEnabled()
    dlg.start_over.click()
    assert dlg.inputs.isVisible() and dlg.form.takes.isVisible() and dlg.model.rowCount() == 0


def test_export_writes_a_csv_that_read_csv_reads_back(studio, qtbot, media, tmp_path):
    batch_csv = pytest.importorskip("app.jobs.batch_csv")
    dlg = builder(studio, media)
    rows = checked(qtbot, dlg, 8)
    out = tmp_path / "out.csv"
    dlg.export_csv(str(out))
    back = batch_csv.read_csv(out)
    want = [(r.request.image, r.request.audio, r.request.seed, r.request.prompt) for r in rows]
    assert [
        (str(Path(r.image).resolve()), str(Path(r.audio).resolve()), r.seed, r.prompt) for r in back
    ] == [(str(Path(a).resolve()), str(Path(b).resolve()), s, p) for a, b, s, p in want]
    assert "Wrote 8 rows" in dlg.note.text()


def test_export_a_batch_of_the_queue(studio, qtbot, media, tmp_path):
    batch_csv = pytest.importorskip("app.jobs.batch_csv")
    w = studio
    dlg = builder(w, media, images=("portrait-astronaut.png",))
    checked(qtbot, dlg, 4)
    with qtbot.waitSignal(dlg.submitted, timeout=T) as blocker:
        dlg.submit_button.click()
    batch, jobs = blocker.args
    out = tmp_path / "queue.csv"
    assert w.export_batch_csv(batch_id=batch.id, path=str(out))
    back = batch_csv.read_csv(out)
    assert sorted(r.seed for r in back) == sorted(j.seed for j in jobs)


def test_split_long_clips_makes_long_video_rows(studio, qtbot, media):
    dlg = builder(studio, media, images=("portrait-astronaut.png",), voices=("voice-32s.wav",))
    dlg.form.takes.setValue(1)
    rows = checked(qtbot, dlg, 1)
    assert rows[0].problem and "voice-32s.wav" in rows[0].problem  # too long for one video
    dlg.form.split.setChecked(True)
    rows = checked(qtbot, dlg, 1)
    assert rows[0].problem is None and rows[0].request.split
    assert rows[0].parts >= 3 and cell(dlg, 0, g.COL_DURATION) == f"{rows[0].parts} parts"
    assert rows[0].estimate and rows[0].estimate > studio.engine.estimate("high", 15)


def test_a_row_already_made_pays_twice_and_the_menu_opens_the_builder(studio, qtbot, media):
    w = studio
    w.batch_action.trigger()
    dlg = w._dialogs["batch"]
    assert dlg.isVisible() and dlg.windowTitle() == "New batch"
    dlg.add_files([str(media / "portrait-astronaut.png"), str(media / "voice-3s.wav")])
    dlg.form.seed_list.setText("9")
    dlg.form.seed_list.textEdited.emit("9")
    checked(qtbot, dlg, 1)
    with qtbot.waitSignal(dlg.submitted, timeout=T) as blocker:
        dlg.submit_button.click()
    (job,) = blocker.args[1]
    qtbot.waitUntil(lambda: w.model.find(job.id).state.value == "completed", timeout=T)
    w.batch_action.trigger()
    dlg.add_files([str(media / "portrait-astronaut.png"), str(media / "voice-3s.wav")])
    dlg.form.seed_list.setText("9")
    dlg.form.seed_list.textEdited.emit("9")
    (row,) = checked(qtbot, dlg, 1)
    assert row.problem is None and "already completed" in row.twin
    assert dlg.submit_button.isEnabled()


def test_a_bad_csv_is_refused_with_its_rows_problems(studio, qtbot, media):
    pytest.importorskip("app.jobs.batch_csv")
    w = studio
    bad = media / "bad.csv"
    bad.write_text(
        "image,audio,prompt,seed\nportrait-astronaut.png,voice-3s.wav,Hi,lots\n", encoding="utf-8"
    )
    w.import_batch_csv(path=str(bad))
    qtbot.waitUntil(lambda: "csv_problems" in w._dialogs, timeout=T)
    box = w._dialogs["csv_problems"]
    assert box.isVisible() and "bad.csv cannot be imported: row 2, seed" in box.text()
    assert "batch" not in w._dialogs  # no builder filled with half a file


def test_removing_a_file_removes_its_rows(studio, qtbot, media):
    dlg = builder(studio, media)
    checked(qtbot, dlg, 8)
    dlg.inputs.voice_table.selectRow(1)
    dlg.inputs.remove_voices.click()
    rows = checked(qtbot, dlg, 4)
    assert {Path(r.request.audio).name for r in rows} == {"voice-3s.wav"}
    dlg.inputs.image_list.setCurrentRow(0)
    dlg.inputs.remove_images.click()
    rows = checked(qtbot, dlg, 2)
    assert {Path(r.request.image).name for r in rows} == {"portrait-astronaut.jpg"}
