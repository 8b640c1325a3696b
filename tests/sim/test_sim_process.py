"""The simulator process: JSON line, clean exit on SIGTERM/SIGINT, its folder removed."""

from __future__ import annotations

import signal
import sys

import httpx
import pytest

from app.sim.process import SimulatorError, SimulatorProcess, option_args, simulator_command
from tests.simulator import api_client, submit, wait_until_done


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal_and_removes_its_files(s2v_home, sig):
    sim = SimulatorProcess.start(time_factor=0.002, keys=["SG_one", "SG_two"])
    try:
        assert sim.keys == ["SG_one", "SG_two"]
        assert sim.upload_url == sim.api_base + "/upload-asset"
        assert sim.admin == sim.api_base + "/_sim"
        assert sim.video_origin != sim.api_base
        with api_client(sim) as c:
            job = submit(c, sim).json()
            assert wait_until_done(c, job["status_url"]).status_code == 200
        workdirs = list((s2v_home / "cache").glob("s2v-sim-*"))
        assert len(workdirs) == 1 and any(workdirs[0].rglob("*.mp4"))
        sim.process.send_signal(sig)
        assert sim.process.wait(10) == 0
    finally:
        sim.stop()
    assert not list((s2v_home / "cache").glob("s2v-sim-*"))
    with pytest.raises(httpx.ConnectError):
        httpx.get(sim.api_base + "/_sim/log")


def test_bad_arguments_fail_fast_with_the_reason():
    with pytest.raises(SimulatorError) as err:
        SimulatorProcess.start("--time-factor", "fast", timeout=20)
    assert "time-factor" in str(err.value)


def test_command_line_for_source_and_frozen_app(monkeypatch):
    assert simulator_command(["--port", "0"]) == [
        sys.executable,
        "-m",
        "app",
        "simulate",
        "--port",
        "0",
    ]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert simulator_command([]) == [sys.executable, "simulate"]


def test_option_args():
    assert option_args(time_factor=0.5, keys=["a", "b"], redirect_videos=True, seed=None) == [
        "--time-factor",
        "0.5",
        "--key",
        "a",
        "--key",
        "b",
        "--redirect-videos",
    ]
