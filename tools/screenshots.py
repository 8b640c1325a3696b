"""Render the studio window on a real X server and save screenshots to docs/screenshots/.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--only queue]

Starts Xvfb when $DISPLAY is not set, then runs each state in its own process
(QT_QPA_PLATFORM=xcb, a fresh S2V_HOME, no keyring): first run without a key, the demo
queue with running and finished jobs, a playing preview, and a crowded queue (200 jobs
and a long prompt).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATES = ("first-run", "queue", "preview", "queue-200")
LONG_PROMPT = (
    "A warm, confident presenter looks straight into the camera, smiles between sentences, "
    "nods slightly on every key point, raises the eyebrows when asking a question and keeps "
    "natural blinking; soft studio light, shallow depth of field, calm background."
)


def start_xvfb() -> tuple[subprocess.Popen | None, str]:
    if os.environ.get("DISPLAY"):
        return None, os.environ["DISPLAY"]
    for n in range(90, 110):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            display = f":{n}"
            proc = subprocess.Popen(
                ["Xvfb", display, "-screen", "0", "1366x900x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(100):
                if Path(f"/tmp/.X11-unix/X{n}").exists():
                    return proc, display
                time.sleep(0.05)
            proc.terminate()
    raise SystemExit("could not start Xvfb")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    p.add_argument("--only", choices=STATES, action="append")
    p.add_argument("--state", choices=STATES, help=argparse.SUPPRESS)  # child process
    args = p.parse_args(argv)
    if args.state:
        return shoot(args.state, Path(args.out))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    xvfb, display = start_xvfb()
    failed = 0
    try:
        for state in args.only or STATES:
            home = Path(tempfile.mkdtemp(prefix="s2v-shots-"))
            env = {
                **os.environ,
                "DISPLAY": display,
                "QT_QPA_PLATFORM": "xcb",
                "S2V_HOME": str(home),
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
                ),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            }
            for name in ("SEGMIND_API_KEY", "SEGMIND_API_BASE", "SEGMIND_UPLOAD_URL"):
                env.pop(name, None)
            r = subprocess.run(
                [sys.executable, __file__, "--state", state, "--out", str(out)],
                env=env,
                cwd=ROOT,
                timeout=180,
            )
            shutil.rmtree(home, ignore_errors=True)
            print(f"{state}: {'ok' if r.returncode == 0 else f'failed ({r.returncode})'}")
            failed += r.returncode != 0
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)
    return 1 if failed else 0


# --- in the child process ---------------------------------------------------------
def shoot(state: str, out: Path) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.settings import Settings, app_paths
    from app.ui.main import Studio

    app = QApplication([sys.argv[0]])
    app.setApplicationName("Speech2Video Studio")
    app.setQuitOnLastWindowClosed(False)
    paths = app_paths().ensure()
    settings = Settings.load(paths)
    settings.privacy_notice_seen = True
    settings.window = {}
    settings.save(paths)
    studio = Studio(paths, demo_time_factor=0.03)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(scenario(studio, state, out))


async def until(check, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise TimeoutError("screenshot scenario timed out")
        await asyncio.sleep(0.1)


def grab(window, path: Path) -> None:
    """The window as the X server shows it (QScreen.grabWindow of the whole screen area)."""
    geo = window.frameGeometry()
    pix = window.screen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
    pix.save(str(path))
    print(f"saved {path} ({pix.width()}x{pix.height()})")


async def scenario(studio, state: str, out: Path) -> int:
    run = asyncio.ensure_future(studio.run(demo=state != "first-run"))
    await until(lambda: studio.window is not None and studio.window.isVisible())
    w = studio.window
    w.move(0, 0)
    w.resize(1366, 860)
    if state == "queue-200":
        seed_crowd(w)
        w.params.prompt.setPlainText(LONG_PROMPT)
    if state in ("queue", "preview", "queue-200"):
        await until(lambda: w.generate_button.isEnabled(), 20)
        before = w.model.rowCount()
        w.generate()
        await until(lambda: w.model.rowCount() > before, 20)
        if state == "queue-200":
            await until(lambda: w.model.job(0).state.value == "processing", 30)
        else:
            await until(lambda: w.model.job(0).state.value == "completed", 60)
        if state == "queue":
            for seed in (7, 8):
                w.params.seed.setValue(seed)
                w.generate()
                await until(lambda n=w.model.rowCount(): w.model.rowCount() > n, 20)
            await until(lambda: w.model.job(0).state.value == "processing", 30)
            await asyncio.sleep(2.5)
            w.queue.select_job(w.model.job(2).id)
        else:
            w.queue.select_job(w.model.job(0).id)
        if state == "preview":
            await asyncio.sleep(0.5)
            w.preview.play()
            await asyncio.sleep(2.0)
    await asyncio.sleep(1.0)
    grab(w, out / f"{state}.png")
    w.quit()
    await run
    return 0


def seed_crowd(window, n: int = 200) -> None:
    """Fill the demo store with n finished jobs (as if made earlier) to see a long queue."""
    import random

    from app.jobs.model import Job, JobState

    rnd = random.Random(4)
    now = time.time()
    states = [JobState.completed] * 6 + [JobState.failed, JobState.cancelled]
    for i in range(n):
        state = rnd.choice(states)
        job = Job(
            image=window.image_slot.value,
            audio=window.audio_slot.value,
            prompt=f"Take {n - i}: " + (LONG_PROMPT if i % 3 == 0 else "a short hello"),
            duration=rnd.choice((5, 10, 15)),
            quality=rnd.choice(("high", "mid")),
            seed=rnd.randint(1, 999_999),
            state=state,
            demo=True,
            created_at=now - (n - i) * 600,
            submitted_at=now - (n - i) * 600 + 4,
            finished_at=now - (n - i) * 600 + 330,
            request_id=f"sim-{i:04d}",
        )
        if state == JobState.completed:
            job.cost = 2.81
        else:
            job.error_code = "job_failed" if state == JobState.failed else "cancelled"
            job.error_message = "Audio processing failed: no speech detected"
        window.engine.store.add(job)
        window.model.upsert(job)


if __name__ == "__main__":
    sys.exit(main())
