"""Kill `submit --wait` (SIGKILL) at each named point and at random moments, then resume.

Invariants, checked independently of the engine's transition table: the job ends
completed with a file byte-identical to what the simulator served and exactly one
accepted submit. A kill between the POST and the stored request_id is settled from
Segmind's request history: adopted, completed, zero resubmits. (Without a history
lookup such a job ends interrupted, and `retry` completes it.)
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.jobs.crashpoints import POINTS
from tests.engine.conftest import ROOT, cli_env, write_settings


@pytest.fixture
def home(s2v_home, sim):
    """S2V_HOME on the simulator, with its request history to settle lost answers."""
    write_settings(s2v_home, sim, history_url=sim.history_url)
    return s2v_home


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_completed(job: dict, sim, submits: int = 1) -> None:
    assert job["state"] == "completed", job
    served = sim.job(job["request_id"])
    assert sha256(job["output_path"]) == served["sha256"]
    assert not list(Path(job["output_path"]).parent.glob("*.part"))
    assert len(sim.submits()) == submits


def listed_jobs(cli) -> list[dict]:
    proc = cli("jobs", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def finish(cli, sim) -> dict:
    """Resume after a crash; an interrupted job is retried by hand, as a creator would."""
    resumed = cli("resume", "--wait", "--json")
    assert resumed.stdout, resumed.stderr
    jobs = json.loads(resumed.stdout)
    listed = listed_jobs(cli)
    assert len(listed) == 1, listed  # nothing lost, nothing duplicated
    job = listed[0]
    if job["state"] == "interrupted":
        assert len(sim.submits()) <= 1  # never resubmitted by itself
        before = len(sim.submits())
        retried = cli("retry", job["id"], "--wait", "--json")
        assert retried.returncode == 0, retried.stderr
        job = json.loads(retried.stdout)
        check_completed(job, sim, submits=before + 1)
        return job
    assert [j["id"] for j in jobs] in ([], [job["id"]])  # [] when it had finished before the kill
    check_completed(job, sim)
    return job


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_kill_at_named_point_then_resume(point, cli, media, sim):
    if point == "mid-download":
        sim.config(throttle_bps=200_000)  # a download long enough to be caught mid-way
    proc = cli(
        "submit",
        media / "portrait-astronaut.png",
        media / "voice-3s.wav",
        "--prompt",
        "crash test",
        "--wait",
        "--json",
        S2V_CRASH_AT=point,
    )
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr[-1500:])
    listed = json.loads(cli("jobs", "--json").stdout)
    assert len(listed) == 1
    if point == "after-submit-sent":  # the answer died with the process: adopted
        resumed = cli("resume", "--wait", "--json")
        assert resumed.returncode == 0, resumed.stderr
        (job,) = json.loads(resumed.stdout)
        (accepted,) = sim.submits()  # zero resubmits
        assert job["state"] == "completed" and job["request_id"] == accepted["request_id"]
        check_completed(job, sim)
    job = finish(cli, sim)
    assert job["state"] == "completed"


@pytest.mark.slow
def test_kill_at_random_moments_then_resume(home, sim, media, cli):
    rng = random.Random(20261125)
    outcomes = {"completed": 0, "interrupted-then-retried": 0, "killed before storing": 0}
    for round_no in range(10):  # 10 random moments (20 took 80 s of the 15 min CI budget)
        sim.reset()
        for f in Path(home).glob("data/jobs.sqlite3*"):
            f.unlink()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "submit",
                str(media / "portrait-astronaut.png"),
                str(media / "voice-3s.wav"),
                "--prompt",
                f"random kill {round_no}",
                "--wait",
                "--json",
            ],
            env=cli_env(home, sim),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 3.5))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        interrupted_before = len(sim.submits())
        if listed_jobs(cli) == []:
            assert interrupted_before == 0  # killed before the job existed: nothing was spent
            outcomes["killed before storing"] += 1
            continue
        job = finish(cli, sim)
        key = (
            "completed"
            if len(sim.submits()) == max(1, interrupted_before)
            else "interrupted-then-retried"
        )
        outcomes[key] += 1
        assert job["state"] == "completed"
    print("random kill outcomes:", outcomes)
