"""Measure start-up to the first painted window: the frozen app against the same app from source.

Protocol (what the app must do): when the environment has S2V_STARTUP_PROBE=1, the main window
prints one line `first-paint <t>` on stdout, flushed, during its first paintEvent, where <t> is
`time.time()` then. This script starts the command with that variable (and a fresh S2V_HOME),
takes <t> minus its own launch time (or, if <t> does not parse, the moment the line arrived),
then stops the process.

    python packaging/startup.py                # side by side, medians of 5
    python packaging/startup.py --runs 5 -- dist/s2v-studio/s2v-studio

Side by side compares dist/s2v-studio/s2v-studio with `python -m app`.
Runs alternate between the two, after one warm-up run each. Without a DISPLAY it starts Xvfb.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def launch_time(cmd: list[str], env: dict, timeout: float = 30.0, home: str | None = None) -> float:
    """Seconds from launch to the `first-paint` line of one run (a fresh S2V_HOME unless
    `home` is given: the benchmarks start with 10,000 jobs of history)."""
    with tempfile.TemporaryDirectory(prefix="s2v-startup-") as fresh:
        run_env = dict(env, S2V_STARTUP_PROBE="1", S2V_HOME=home or fresh)
        start_wall, start = time.time(), time.monotonic()
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=run_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        found: list[float] = []

        def read() -> None:
            for line in proc.stdout:
                if line.startswith("first-paint"):
                    arrived = time.monotonic() - start
                    try:
                        found.append(float(line.split()[1]) - start_wall)
                    except (IndexError, ValueError):
                        found.append(arrived)
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        exited = proc.poll()
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if not found:
            why = f"it exited with code {exited}" if exited is not None else f"{timeout:.0f} s"
            raise SystemExit(
                f"startup: no 'first-paint <t>' line from {' '.join(cmd)} ({why}). The window "
                f"must print it on its first paint when S2V_STARTUP_PROBE=1 (see this file)."
            )
        return found[0]


def default_pair() -> list[tuple[str, list[str]]]:
    return [
        ("frozen", [str(ROOT / "dist" / "s2v-studio" / "s2v-studio")]),
        ("source", [sys.executable, "-m", "app"]),
    ]


def with_display(env: dict) -> tuple[dict, subprocess.Popen | None]:
    """The environment to run in; starts Xvfb when there is no display and it is installed."""
    if env.get("DISPLAY") or env.get("QT_QPA_PLATFORM") or not shutil.which("Xvfb"):
        return env, None
    display = f":{90 + os.getpid() % 9}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    return dict(env, DISPLAY=display, QT_QPA_PLATFORM="xcb"), xvfb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--max-ratio", type=float, help="exit 1 if frozen/source exceeds this")
    parser.add_argument("command", nargs="*", help="one command to time instead of the pair")
    args = parser.parse_args(argv)
    pairs = [("command", args.command)] if args.command else default_pair()
    env, xvfb = with_display(dict(os.environ))
    try:
        for _label, cmd in pairs:
            for _ in range(args.warmup):
                launch_time(cmd, env)
        times: dict[str, list[float]] = {label: [] for label, _ in pairs}
        for _ in range(args.runs):
            for label, cmd in pairs:
                times[label].append(launch_time(cmd, env))
    finally:
        if xvfb:
            xvfb.terminate()
            xvfb.wait()
    platform_name = env.get("QT_QPA_PLATFORM", "default")
    print(f"start-up to first paint, {args.runs} runs each (platform {platform_name}):")
    for label, values in times.items():
        shown = " ".join(f"{v:.2f}" for v in values)
        print(
            f"  {label:<14} median {statistics.median(values):.2f} s  min {min(values):.2f} s"
            f"   runs: {shown}"
        )
    if len(pairs) == 2:
        (_, a), (_, b) = times.items()
        ratio = statistics.median(a) / statistics.median(b)
        print(f"  ratio {pairs[0][0]} / {pairs[1][0]}: {ratio:.2f}x")
        if args.max_ratio and ratio > args.max_ratio:
            print(f"startup: ratio {ratio:.2f} exceeds {args.max_ratio}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
