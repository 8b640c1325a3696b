"""One owner per job: the window's engine and command-line processes on one store.

The window's engine runs in this process (the same Engine class the window uses);
the command line runs as real child processes on the same S2V_HOME; the simulator
is slowed with its `latency` option so that uploads and submits take seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.jobs.engine import JobRequest
from app.jobs.events import JobWaiting
from app.jobs.model import JobState
from tests.engine.conftest import ROOT, cli_env

pytestmark = pytest.mark.slow


def request(media, prompt) -> JobRequest:
    return JobRequest(
        image=str(media / "portrait-astronaut.png"),
        audio=str(media / "voice-3s.wav"),
        prompt=prompt,
        seed=11,
    )


async def until(check, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def cli(home, sim, *args, timeout=120):
    """`s2v-studio ARGS` in a child process; (exit code, stdout, stderr)."""
    proc = await start_cli(home, sim, *args)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()


async def submit_wait(home, sim, media, prompt):
    """`submit --wait --json` in a child process: the job's owner."""
    image, voice = media / "portrait-astronaut.png", media / "voice-3s.wav"
    return await start_cli(
        home, sim, "submit", image, voice, "--prompt", prompt, "--wait", "--json"
    )


async def start_cli(home, sim, *args):
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        *map(str, args),
        env=cli_env(home, sim),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def stop_outside_a_write(proc, database: Path) -> None:
    """SIGSTOP `proc`, but not in the middle of a write transaction: a stopped process
    keeps SQLite's write lock, and every other writer would wait for it."""
    for _ in range(100):
        proc.send_signal(signal.SIGSTOP)
        probe = sqlite3.connect(database, timeout=0.2, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return
        except sqlite3.OperationalError:
            proc.send_signal(signal.SIGCONT)
            await asyncio.sleep(0.05)
        finally:
            probe.close()
    raise AssertionError("the owner is always writing")


def state_of(engine, job_id) -> JobState:
    return engine.store.get(job_id).state


def run(coro, timeout=120):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_cancel_from_the_command_line_during_upload_sends_no_submit(make_engine, media, sim, home):
    sim.config(latency=3.0)  # each of the two uploads takes 3 s

    async def scenario():
        window = make_engine()
        await window.start()
        job = await window.submit(request(media, "cancel during upload"))
        await until(lambda: state_of(window, job.id) == JobState.uploading, what="uploading")
        code, out, err = await cli(home, sim, "cancel", job.id, "--json")
        assert code == 0, err
        await until(lambda: job.id not in window._tasks, 15, what="the owner to stop")
        await asyncio.sleep(3.5)  # a submit sent meanwhile would have reached the simulator
        return job, json.loads(out), window.store.get(job.id)

    job, printed, stored = run(scenario())
    assert printed["state"] == "cancelled" and stored.state == JobState.cancelled
    assert "nothing was billed" in stored.error_message
    assert stored.requested is None and not stored.may_be_billed
    assert sim.submits() == []


def test_cancel_during_submit_keeps_the_request_id_and_may_be_billed(make_engine, media, sim, home):
    async def scenario():
        window = make_engine()
        await window.start()
        job = await window.submit(request(media, "cancel during submit"))
        await until(lambda: state_of(window, job.id) == JobState.uploading, what="uploading")
        sim.config(latency=4.0)  # the submit's answer takes 4 s
        await until(lambda: state_of(window, job.id) == JobState.submitting, what="submitting")
        code, out, err = await cli(home, sim, "cancel", job.id, "--json")
        assert code == 0, err
        return json.loads(out), window.store.get(job.id), window.month_spend(), window

    printed, stored, spend, window = run(scenario())
    submits = sim.submits()
    assert len(submits) == 1
    assert stored.state == JobState.cancelled and printed["state"] == "cancelled"
    assert stored.request_id == printed["request_id"] == submits[0]["request_id"]
    assert "may still run and be billed" in stored.error_message
    assert stored.may_be_billed and stored.cost is None
    assert spend.billed == 0 and spend.maybe == pytest.approx(window.estimate("high", 5))


def test_cancel_during_polling_stops_the_owner(make_engine, media, sim, home):
    sim.config(job_seconds=3000)  # 15 s at the test time scale

    async def scenario():
        window = make_engine()
        await window.start()
        job = await window.submit(request(media, "cancel during polling"))
        await until(lambda: window.store.get(job.id).request_id, what="the request id")
        code, out, err = await cli(home, sim, "cancel", job.id, "--json")
        assert code == 0, err
        await asyncio.sleep(0.2)
        polls = len([e for e in sim.log() if e["path"].endswith("/status")])
        await asyncio.sleep(2.0)
        later = len([e for e in sim.log() if e["path"].endswith("/status")])
        return window.store.get(job.id), polls, later, job.id in window._tasks

    stored, polls, later, still_driven = run(scenario())
    assert stored.state == JobState.cancelled and stored.may_be_billed
    assert polls == later and not still_driven  # the owner stopped polling


def served_sha(sim, request_id) -> str:
    return sim.job(request_id)["sha256"]


def video_gets(sim, request_id) -> int:
    return len([e for e in sim.log() if e["origin"] == "video" and request_id in e["path"]])


def test_the_owner_killed_mid_poll_is_taken_over_exactly_once(make_engine, media, sim, home):
    sim.config(job_seconds=1000)  # 5 s

    async def scenario():
        owner = await submit_wait(home, sim, media, "killed owner")
        first = make_engine()
        await until(lambda: first.store.unfinished(), what="the job")
        job = first.store.unfinished()[0]
        await until(lambda: first.store.get(job.id).request_id, what="the request id")
        watchers = [first, make_engine()]
        for w in watchers:
            await w.start()  # both watch the store, ready to take over
        owner.send_signal(signal.SIGKILL)
        await owner.wait()  # reaped: its pid is gone
        await until(lambda: first.store.get(job.id).state == JobState.completed, what="completed")
        return first.store.get(job.id), first.history(job.id), watchers

    job, history, watchers = run(scenario())
    assert [e.what for e in history].count("taken over") == 1
    assert len(sim.submits()) == 1 and video_gets(sim, job.request_id) == 1
    hashed = hashlib.sha256(Path(job.output_path).read_bytes()).hexdigest()
    assert hashed == served_sha(sim, job.request_id)


def test_a_stopped_owner_resumed_stops_driving_the_job_it_lost(make_engine, media, sim, home):
    sim.config(job_seconds=1600)  # 8 s

    async def scenario():
        owner = await submit_wait(home, sim, media, "stopped owner")
        window = make_engine()
        await until(lambda: window.store.unfinished(), what="the job")
        job_id = window.store.unfinished()[0].id
        await until(lambda: window.store.get(job_id).request_id, what="the request id")
        old = window.store.history(job_id)[0].by
        await stop_outside_a_write(owner, window.store.path)
        await window.start()  # takes the job over once the stopped owner's lease lapses
        await until(lambda: window.store.owner_of(job_id) == window.store.owner, what="takeover")
        resumed_at = time.time()
        owner.send_signal(signal.SIGCONT)
        out, err = await asyncio.wait_for(owner.communicate(), 60)
        job = window.store.get(job_id)
        by_old = [e for e in window.history(job_id) if e.by == old and e.at > resumed_at]
        return owner.returncode, json.loads(out), err.decode(), job, by_old

    code, printed, err, job, by_old = run(scenario())
    assert job.state == JobState.completed and code == 0, err
    assert printed["state"] == "completed" and printed["request_id"] == job.request_id
    assert by_old == []  # the old owner changed nothing after it was resumed
    assert "Another process took over job" in err
    assert video_gets(sim, job.request_id) == 1 and len(sim.submits()) == 1


def test_two_processes_never_download_the_same_video_at_once(make_engine, media, sim, home):
    sim.config(throttle_bps=150_000)  # a download of a few seconds

    async def scenario():
        owner = await submit_wait(home, sim, media, "stopped mid-download")
        window = make_engine()
        waits = []
        window.events.subscribe(lambda e: isinstance(e, JobWaiting) and waits.append(e.reason))
        await until(lambda: window.store.unfinished(), what="the job")
        job_id = window.store.unfinished()[0].id
        folder = Path(window.output_folder())
        await until(lambda: list(folder.glob("*.part")), what="a partial download")
        await stop_outside_a_write(owner, window.store.path)
        await window.start()
        await until(lambda: "other_process" in waits, what="the window waiting for the lock")
        assert not window.store.get(job_id).state.finished
        owner.send_signal(signal.SIGCONT)  # it stops, its lock goes, the window finishes
        await until(
            lambda: window.store.get(job_id).state == JobState.completed, 60, what="completed"
        )
        out, err = await asyncio.wait_for(owner.communicate(), 60)
        return window.store.get(job_id), owner.returncode, err.decode()

    job, code, err = run(scenario(), timeout=180)
    assert code == 0, err
    hashed = hashlib.sha256(Path(job.output_path).read_bytes()).hexdigest()
    assert hashed == served_sha(sim, job.request_id)
    assert not list(Path(job.output_path).parent.glob("*.part"))
