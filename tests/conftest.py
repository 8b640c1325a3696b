"""Shared fixtures: offscreen Qt, one simulator process per session, an isolated S2V_HOME."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from app.sim.process import SimulatorProcess  # noqa: E402

SIM_TIME_FACTOR = 0.005  # a 330 s job takes 1.65 s


@pytest.fixture(autouse=True, scope="session")
def _qt_app(qapp):
    """The QApplication, made first on the main thread: audio decoding needs one, and no
    test may leave a bare QCoreApplication behind for the widget tests."""
    return qapp


@pytest.fixture(scope="session")
def sim_process():
    """The session's simulator (started once; tests reset it through `sim`)."""
    process = SimulatorProcess.start(time_factor=SIM_TIME_FACTOR)
    yield process
    process.stop()


@pytest.fixture
def sim(sim_process) -> SimulatorProcess:
    """The simulator, reset to its start options before the test (change them with config)."""
    if not sim_process.running:
        pytest.fail("the simulator process died:\n" + "".join(sim_process.stderr_lines[-20:]))
    sim_process.reset()
    return sim_process


@pytest.fixture
def s2v_home(tmp_path, monkeypatch):
    """S2V_HOME in a temporary folder, and no Segmind settings from the environment."""
    home = tmp_path / "s2v-home"
    home.mkdir()
    monkeypatch.setenv("S2V_HOME", str(home))
    for name in (
        "SEGMIND_API_KEY",
        "SEGMIND_API_BASE",
        "SEGMIND_UPLOAD_URL",
        "SEGMIND_HISTORY_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return home
