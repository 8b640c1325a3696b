"""`s2v-studio --demo` end to end: simulator child, a job to completed, labelled simulated."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt

from app.jobs.model import JobState
from app.secrets import KeyStore
from app.settings import app_paths
from app.ui.main import Studio
from app.ui.queue_model import COL_PROMPT, COL_STATE, DEMO_BADGE
from tests.ui.conftest_parts import MemoryKeyring


def test_demo_runs_a_simulated_job(qtbot, qloop, s2v_home):
    paths = app_paths(s2v_home).ensure()
    keystore = KeyStore(MemoryKeyring())  # empty: the demo needs no key of the creator
    studio = Studio(paths, keystore, demo_time_factor=0.01)
    run = asyncio.ensure_future(studio.run(demo=True))
    qtbot.waitUntil(lambda: studio.window is not None and studio.window.isVisible(), timeout=30000)
    w = studio.window
    sim = studio.demo_session.sim
    assert sim.running and w.engine.settings.api_base == sim.api_base
    assert DEMO_BADGE in w.windowTitle() and w.banner.isVisible() and w.first_run.isHidden()
    qtbot.waitUntil(lambda: w.generate_button.isEnabled(), timeout=10000)  # pre-filled
    qtbot.mouseClick(w.generate_button, Qt.MouseButton.LeftButton)
    w._dialogs["privacy"].continue_button.click()  # first submit of the session
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=10000)
    job = w.model.job(0)
    qtbot.waitUntil(lambda: w.model.job(0).state == JobState.completed, timeout=30000)
    done = w.model.job(0)
    assert done.demo and done.id == job.id
    assert w.model.index(0, COL_STATE).data() == "Completed · simulated"
    assert w.model.index(0, COL_PROMPT).data().startswith("[DEMO]")
    assert "Demo (simulated)" in done.output_path
    assert w.tray.messages[-1][0] == "Video ready (demo, simulated)"
    # the demo keeps its own store: the real one has no jobs
    assert paths.database(demo=True).exists() and not paths.database(demo=False).exists()
    w.quit()
    qtbot.waitUntil(run.done, timeout=20000)
    assert run.result() == 0 and not sim.running
