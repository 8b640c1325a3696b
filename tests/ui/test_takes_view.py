"""The takes view plays 4 simulator results in sync (real decoding, offscreen video sinks).

The clips come from the simulator over HTTP (distinct portraits, one voice clip, 5 s);
drift is measured by the view itself on each follower's frames against the master's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.ui.confirm import button
from app.ui.takes_view import DRIFT_MS, Take, TakesView, grid_shape
from tests.takes_clips import make_takes

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [101, 202, 303, 404]
WAIT = 30000  # ms: generous, CI has 2 cores shared with the simulator


@pytest.fixture(scope="module")
def clips(sim_process, tmp_path_factory) -> list[Path]:
    sim_process.reset()
    return make_takes(sim_process, tmp_path_factory.mktemp("takes"), SEEDS)


def takes_of(paths: list[Path], kept: str | None = None) -> list[Take]:
    return [
        Take(f"job-{seed}", f"Take {i + 1}", seed, str(path), kept=f"job-{seed}" == kept)
        for i, (seed, path) in enumerate(zip(SEEDS, paths, strict=True))
    ]


@pytest.fixture
def view(qtbot, clips):
    v = TakesView(takes_of(clips))
    qtbot.addWidget(v)
    v.show()
    if v.master is None:
        pytest.fail("QtMultimedia must load on this machine (libpulse0 installed)")
    yield v
    v.release()


def all_playing(v: TakesView) -> bool:
    return all(t.playing() for t in v.tiles)


def close_together(v: TakesView, tolerance_ms: int) -> bool:
    positions = [t.position() for t in v.tiles]
    return max(positions) - min(positions) <= tolerance_ms


def test_grid_shapes():
    assert [grid_shape(n) for n in (2, 3, 4, 5, 6)] == [(1, 2), (2, 2), (2, 2), (2, 3), (2, 3)]


def test_four_takes_play_in_sync(qtbot, view):
    assert [t.title.text() for t in view.tiles] == [
        "Take 1 · seed 101",
        "Take 2 · seed 202",
        "Take 3 · seed 303",
        "Take 4 · seed 404",
    ]
    qtbot.waitUntil(lambda: view.period_ms() > 0, timeout=WAIT)
    view.play()
    qtbot.waitUntil(lambda: all_playing(view), timeout=WAIT)
    # each follower's frames measured against the master's: 20 frames each (~2 s at 10 fps)
    qtbot.waitUntil(lambda: all(len(t.clock.drifts) >= 20 for t in view.followers()), timeout=WAIT)
    for tile in view.tiles:
        assert tile.clock.frames > 0
        assert tile.video.showing_frames()
    for tile in view.followers():
        drifts = sorted(abs(d) for d in tile.clock.drifts[-20:])
        assert drifts[len(drifts) // 2] <= 2 * DRIFT_MS, (tile.take.label, drifts)
    assert view.sync_timer.isActive()


def test_a_follower_that_drifts_is_brought_back(qtbot, view):
    qtbot.waitUntil(lambda: view.period_ms() > 0, timeout=WAIT)
    view.play()
    qtbot.waitUntil(lambda: all_playing(view), timeout=WAIT)
    qtbot.waitUntil(lambda: view.master.position() >= 500, timeout=WAIT)
    late = view.tiles[3]
    late.player.setPosition((view.master.position() + 800) % 5000)  # as a stalled decoder
    qtbot.waitUntil(lambda: late.clock.corrections >= 1, timeout=WAIT)
    before = len(late.clock.drifts)
    qtbot.waitUntil(lambda: len(late.clock.drifts) >= before + 10, timeout=WAIT)
    drifts = sorted(abs(d) for d in late.clock.drifts[before:])
    assert drifts[len(drifts) // 2] <= 2 * DRIFT_MS, drifts


def test_seek_moves_all_tiles(qtbot, view):
    qtbot.waitUntil(lambda: view.period_ms() > 0, timeout=WAIT)
    view.play()
    qtbot.waitUntil(lambda: all_playing(view), timeout=WAIT)
    view.seek(3000)
    qtbot.waitUntil(
        lambda: all(t.position() >= 2900 for t in view.tiles) and close_together(view, 250),
        timeout=WAIT,
    )
    # frames from after the seek reach every tile
    qtbot.waitUntil(
        lambda: all(t.clock.frame_ms is not None and t.clock.frame_ms >= 2900 for t in view.tiles),
        timeout=WAIT,
    )
    view.pause()
    view.seek(1500)
    qtbot.waitUntil(lambda: all(abs(t.position() - 1500) <= 100 for t in view.tiles), timeout=WAIT)
    assert view.seek_slider.value() == pytest.approx(1500, abs=100)


def test_pause_pauses_all(qtbot, view):
    qtbot.waitUntil(lambda: view.period_ms() > 0, timeout=WAIT)
    view.play_button.click()
    qtbot.waitUntil(lambda: all_playing(view), timeout=WAIT)
    qtbot.waitUntil(lambda: view.master.position() >= 500, timeout=WAIT)
    view.play_button.click()
    paused = view.master.mm.QMediaPlayer.PlaybackState.PausedState
    qtbot.waitUntil(
        lambda: all(t.player.playbackState() == paused for t in view.tiles), timeout=WAIT
    )
    assert not view.sync_timer.isActive()
    qtbot.waitUntil(lambda: close_together(view, 50), timeout=WAIT)  # all show one moment
    held = [t.position() for t in view.tiles]
    qtbot.wait(300)
    assert [t.position() for t in view.tiles] == held


def test_keep_emits_and_enables_discard(qtbot, view):
    assert not view.discard_button.isEnabled()
    with qtbot.waitSignal(view.keep_requested, timeout=2000) as sig:
        view.tiles[2].keep.click()
    assert sig.args == ["job-303", True]
    assert view.tiles[2].keep.text() == "★ Kept"
    assert view.discard_button.isEnabled()
    with qtbot.waitSignal(view.keep_requested, timeout=2000) as sig:
        view.tiles[2].keep.click()
    assert sig.args == ["job-303", False]
    assert not view.discard_button.isEnabled()


@pytest.mark.parametrize("delete", [False, True])
def test_discard_asks_first_and_emits_the_checkbox(qtbot, clips, delete):
    v = TakesView(takes_of(clips, kept="job-202"))
    qtbot.addWidget(v)
    v.show()
    asked: list = []
    v.discard_requested.connect(lambda *args: asked.append(args))
    v.delete_files.setChecked(delete)
    v.discard_button.click()
    box = v._dialogs["discard"]
    assert box.isVisible() and asked == []  # nothing happens before the answer
    assert "Take 2 · seed 202" in box.text() and "3 takes" in box.text()
    assert ("delete their video files" in box.text()) is delete
    button(box, "Cancel").click()
    assert asked == []
    v.discard_button.click()
    button(v._dialogs["discard"], "Discard and delete" if delete else "Discard others").click()
    assert asked == [("job-202", delete)]
    v.release()


def test_missing_file_says_so_and_the_rest_play(qtbot, clips, tmp_path):
    gone = tmp_path / "moved-away.mp4"
    takes = takes_of(clips)
    takes[1] = Take("job-202", "Take 2", 202, str(gone))
    v = TakesView(takes)
    qtbot.addWidget(v)
    v.show()
    tile = v.tiles[1]
    assert tile.player is None
    assert tile.video.caption.startswith("Video missing")
    assert str(gone) in tile.video.caption
    assert "1 of the 4 takes' videos is missing" in v.message.text()
    qtbot.waitUntil(lambda: v.period_ms() > 0, timeout=WAIT)
    v.play()
    qtbot.waitUntil(lambda: all(t.playing() for t in v.players()), timeout=WAIT)
    assert len(v.players()) == 3
    v.release()


def test_all_missing_disables_the_transport(qtbot, tmp_path):
    v = TakesView([Take("a", "Take 1", 1, str(tmp_path / "a.mp4")), Take("b", "", 2, "")])
    qtbot.addWidget(v)
    v.show()
    assert v.master is None and not v.play_button.isEnabled()
    assert "missing" in v.message.text()
    v.play()  # no players: nothing happens, nothing breaks
    v.close()


def test_close_releases_the_files(qtbot, view):
    qtbot.waitUntil(lambda: view.period_ms() > 0, timeout=WAIT)
    view.play()
    qtbot.waitUntil(lambda: all_playing(view), timeout=WAIT)
    players = [t.player for t in view.tiles]
    view.close()
    stopped = players[0].PlaybackState.StoppedState
    assert all(p.source().isEmpty() for p in players)
    assert all(p.playbackState() == stopped for p in players)
    assert not view.sync_timer.isActive()
    assert view.players() == []
    view.toggle_play()  # after closing: no player is touched again
    assert all(p.source().isEmpty() for p in players)


NO_MM_SCRIPT = r"""
import json, sys
from PySide6.QtWidgets import QApplication
from app.ui.takes_view import Take, TakesView
app = QApplication([])
paths = sys.argv[1:]
v = TakesView([Take(f"j{i}", f"Take {i + 1}", i, p) for i, p in enumerate(paths)])
v.show()
got = []
v.keep_requested.connect(lambda *a: got.append(list(a)))
v.tiles[0].keep.click()
v.play()
print(json.dumps({
    "message": v.message.text(),
    "play_enabled": v.play_button.isEnabled(),
    "open_buttons": [t.open_button is not None for t in v.tiles],
    "kept": got,
    "discard_enabled": v.discard_button.isEnabled(),
    "qtmultimedia_loaded": sys.modules.get("PySide6.QtMultimedia") is not None,
}))
v.close()
"""


def test_without_multimedia_the_view_explains_and_keeps_working(clips):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "S2V_NO_MULTIMEDIA": "1"}
    out = subprocess.run(
        [sys.executable, "-c", NO_MM_SCRIPT, *map(str, clips)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "S2V_NO_MULTIMEDIA" in result["message"]
    assert "Keep and Discard still work" in result["message"]
    assert result["play_enabled"] is False
    assert result["open_buttons"] == [True] * 4
    assert result["kept"] == [["j0", True]]
    assert result["discard_enabled"] is True
    assert result["qtmultimedia_loaded"] is False


def test_compare_takes_from_the_queue_keep_and_discard(studio, qtbot, qloop, media, s2v_home):
    from app.jobs.model import JobState
    from app.jobs.prepare import JobRequest
    from tests.ui.conftest_parts import run_on
    from tests.ui.test_window import wait_state

    w = studio
    req = JobRequest(
        image=str(media / "portrait-astronaut.png"),
        audio=str(media / "voice-3s.wav"),
        prompt="A friendly hello",
        duration=5,
    )
    # the rows' folder checks run at once and race on a folder that does not exist yet
    # (one removes the folder it made while another writes its probe): made here first
    (s2v_home / "videos").mkdir(exist_ok=True)
    _batch, jobs = run_on(qtbot, qloop, w.engine.make_takes(req, 3, start_seed=11), WAIT)
    for job in jobs:
        wait_state(qtbot, w, job.id, JobState.completed)
    w.queue.select_job(jobs[0].id)
    qtbot.waitUntil(lambda: w.preview.details.takes_button.isVisible(), timeout=WAIT)
    assert w.queue.actions_["takes"].isEnabled()
    w.queue.actions_["takes"].trigger()
    view = w._dialogs["takes"]
    assert [t.title.text() for t in view.tiles] == [
        "Take 1 · seed 11",
        "Take 2 · seed 12",
        "Take 3 · seed 13",
    ]
    view.tiles[1].keep.click()
    assert w.engine.lookup(jobs[1].id).kept
    assert w.model.job(w.model.row_of(jobs[1].id)).kept
    players = [t.player for t in view.tiles]
    paths = [Path(t.take.path) for t in view.tiles]
    view.discard_button.click()
    button(view._dialogs["discard"], "Discard others").click()
    qtbot.waitUntil(lambda: w.model.row_of(jobs[0].id) is None, timeout=WAIT)
    qtbot.waitUntil(lambda: w.model.row_of(jobs[2].id) is None, timeout=WAIT)
    assert w.model.row_of(jobs[1].id) is not None
    assert all(p.is_file() for p in paths)  # files kept: the box was not ticked
    assert all(p.source().isEmpty() for p in players)  # the view closed and let go
    w.undo_remove()
    qtbot.waitUntil(lambda: w.model.row_of(jobs[0].id) is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: w.model.row_of(jobs[2].id) is not None, timeout=WAIT)
    w.open_takes(jobs[2].id)  # again, after the first view closed (and was deleted)
    again = w._dialogs["takes"]
    assert again is not view and len(again.tiles) == 3
    assert [t.kept() for t in again.tiles] == [False, True, False]
    again.close()


def test_make_takes_of_a_finished_job_from_the_window(studio, qtbot, qloop, media):
    from app.jobs.model import JobState
    from app.jobs.prepare import JobRequest
    from app.ui.takes_dialog import TakesDialog
    from tests.ui.conftest_parts import run_on
    from tests.ui.test_window import wait_state

    w = studio
    req = JobRequest(
        image=str(media / "portrait-astronaut.png"),
        audio=str(media / "voice-3s.wav"),
        prompt="One pair, more takes",
        seed=49,
    )
    job = run_on(qtbot, qloop, w.engine.submit(req), WAIT)
    wait_state(qtbot, w, job.id, JobState.completed)
    w.queue.select_job(job.id)
    w.takes_action.trigger()
    dlg = w._dialogs["make_takes"]
    assert isinstance(dlg, TakesDialog) and dlg.isVisible()
    assert dlg.ok.text() == "Make 3 takes"
    dlg.count.setValue(2)
    dlg.consecutive.setChecked(True)
    assert dlg.ok.text() == "Make 2 takes" and dlg.cost.text().startswith("About $")
    dlg.ok.click()
    qtbot.waitUntil(lambda: len(w.engine.takes_of(job.id)) == 3, timeout=WAIT)
    takes = w.engine.takes_of(job.id)
    assert [(t.take, t.seed) for t in takes] == [(1, 49), (2, 50), (3, 51)]
    assert len({t.batch_id for t in takes}) == 1
    for t in takes:
        wait_state(qtbot, w, t.id, JobState.completed)
    assert w.model.row_of(takes[2].id) is not None
