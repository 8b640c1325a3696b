"""Start-up to the first painted window, from source, against a bare PySide6 window.

Protocol of packaging/startup.py: with S2V_STARTUP_PROBE=1 the window prints
`first-paint <epoch>`; the time is that minus the launch time. Runs alternate
between the variants after one warm-up each; figures are medians. A real X server
(Xvfb) is used when there is no display, as packaging/startup.py does.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.common import (
    ROOT,
    Context,
    Family,
    child_env,
    family_main,
    median,
    start_sim,
    write_settings,
)

HISTORY = 10_000


def first_paint_seconds(cmd: list[str], env: dict, timeout: float = 60.0) -> float:
    """Seconds from launch to the `first-paint` line of one run (packaging/startup.py's
    measurement, on the S2V_HOME given in `env`)."""
    spec = importlib.util.spec_from_file_location("s2v_startup", ROOT / "packaging/startup.py")
    startup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(startup)
    try:
        return startup.launch_time(cmd, env, timeout, home=env.get("S2V_HOME"))
    except SystemExit as exc:
        raise RuntimeError(str(exc)) from None


def populate(home: Path, count: int) -> None:
    """`count` finished jobs in the store, written with JobStore.add directly."""
    from app.jobs.model import Job, JobState
    from app.jobs.store import JobStore
    from app.settings import app_paths

    store = JobStore(app_paths(home).database())
    states = [JobState.completed] * 8 + [JobState.failed, JobState.cancelled]
    now = time.time()
    jobs = []  # one transaction: 10,000 fsyncs would take minutes
    for i in range(count):
        state = states[i % len(states)]
        job = Job(
            image=str(home / f"portrait-{i}.png"),
            audio=str(home / f"voice-{i}.wav"),
            prompt=f"History job {i}",
            duration=5,
            seed=i + 1,
            state=state,
            created_at=now - (count - i) * 60,
            request_id=f"hist{i:08d}",
            cost=1.41 if state == JobState.completed else None,
            output_path=str(home / "videos" / f"v{i}.mp4") if state == JobState.completed else None,
            error_code="job_failed" if state == JobState.failed else None,
            error_message="Audio processing failed" if state == JobState.failed else None,
        )
        job.finished_at = job.created_at + 330
        jobs.append(job)
    store.add_many(jobs, (f"fp{i}" for i in range(count)))
    store.close()


def display_env() -> tuple[dict, subprocess.Popen | None, str]:
    env = child_env()
    env.pop("QT_QPA_PLATFORM", None)
    if os.environ.get("DISPLAY"):
        return dict(env, QT_QPA_PLATFORM="xcb"), None, "xcb (existing display)"
    if not shutil.which("Xvfb"):
        return dict(env, QT_QPA_PLATFORM="offscreen"), None, "offscreen (no Xvfb)"
    display = f":{70 + os.getpid() % 20}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    return dict(env, DISPLAY=display, QT_QPA_PLATFORM="xcb"), xvfb, f"xcb on Xvfb {display}"


def run(ctx: Context) -> Family:
    fam = Family("startup", "Start-up to the first painted window")
    runs = 3 if ctx.quick else 7
    sim = start_sim(time_factor=0.005)
    env, xvfb, platform = display_env()
    try:
        empty, full = ctx.home("empty"), ctx.home("history")
        for home in (empty, full):
            write_settings(home, sim, 0.005)
        with_history = HISTORY if not ctx.quick else 2_000
        t0 = time.monotonic()
        populate(full, with_history)
        fill_seconds = time.monotonic() - t0
        app_cmd = [sys.executable, "-m", "app"]
        bare_cmd = [sys.executable, str(ROOT / "tests" / "benchmarks" / "bare_window.py")]
        variants = {
            "bare": (bare_cmd, dict(env, S2V_HOME=str(ctx.home("bare")))),
            "app": (app_cmd, dict(env, S2V_HOME=str(empty))),
            "app+history": (app_cmd, dict(env, S2V_HOME=str(full))),
        }
        for cmd, venv in variants.values():
            first_paint_seconds(cmd, venv)  # warm-up: page cache, .pyc files
        times: dict[str, list[float]] = {k: [] for k in variants}
        for _ in range(runs):
            for name, (cmd, venv) in variants.items():
                times[name].append(first_paint_seconds(cmd, venv))
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
        sim.stop()
    bare, app, hist = (median(times[k]) for k in ("bare", "app", "app+history"))
    r1, r2 = app / bare, hist / app
    fam.add(
        "app window, empty store (from source)",
        round(app, 3),
        "s",
        "bare PySide6 window",
        round(bare, 3),
        round(r1, 2),
        "<= 1.5x",
        r1 <= 1.5,
    )
    fam.add(
        f"app window, {with_history:,} jobs of history",
        round(hist, 3),
        "s",
        "app window, empty store",
        round(app, 3),
        round(r2, 2),
        "<= 2x",
        r2 <= 2.0,
    )
    fam.notes.append(
        f"Platform {platform}; medians of {runs} alternating runs after one warm-up each; "
        f"runs (s): "
        + "; ".join(f"{k}: " + " ".join(f"{v:.2f}" for v in vs) for k, vs in times.items())
    )
    fam.notes.append(
        f"History written with JobStore in one transaction ({with_history:,} jobs, "
        f"{fill_seconds:.1f} s); 80% completed, 10% failed, 10% cancelled."
    )
    return fam


if __name__ == "__main__":
    sys.exit(family_main(run, "startup"))
