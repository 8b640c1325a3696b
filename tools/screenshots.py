"""Render the studio window on a real X server and save screenshots to docs/screenshots/.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--only dark]

Starts Xvfb (1920x1200) when $DISPLAY is not set, then runs the offline demo once per
colour scheme in its own process (QT_QPA_PLATFORM=xcb, a fresh S2V_HOME, no keyring):
a full queue of earlier takes, a failed job, a job rendering, and the preview playing a
finished one; the window is shot at 1024x680, 1280x800 and 1920x1080
(`window-<scheme>-<width>x<height>.png`), and the first-run offer once (`first-run.png`).
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
STATES = ("light", "dark", "first-run")
SIZES = ((1024, 680), (1280, 800), (1920, 1080))
RESULT = ROOT / "tests" / "data" / "result-h264-5s.mp4"
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
                ["Xvfb", display, "-screen", "0", "1920x1200x24", "-nolisten", "tcp"],
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
    from app.ui.theme import Theme

    app = QApplication([sys.argv[0]])
    app.setApplicationName("Speech2Video Studio")
    app.setApplicationDisplayName("Speech2Video Studio")
    app.setQuitOnLastWindowClosed(False)
    paths = app_paths().ensure()
    settings = Settings.load(paths)
    settings.privacy_notice_seen = True
    settings.color_scheme = "light" if state == "first-run" else state
    settings.save(paths)
    studio = Studio(paths, demo_time_factor=0.03)
    studio.theme = Theme(app, settings.color_scheme)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(scenario(studio, state, out))


async def until(check, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise TimeoutError("screenshot scenario timed out")
        await asyncio.sleep(0.1)


def grab(window, path: Path) -> None:
    """The window as the X server shows it (QScreen.grabWindow of the window's area)."""
    geo = window.frameGeometry()
    pix = window.screen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
    pix.save(str(path))
    print(f"saved {path} ({pix.width()}x{pix.height()})")


async def submit(w, prompt: str, seed: int) -> str:
    w.params.prompt.setPlainText(prompt)
    w.params.seed.setValue(seed)
    await until(lambda: w.generate_button.isEnabled(), 20)
    before = w.model.rowCount()
    w.generate()
    await until(lambda: w.model.rowCount() > before, 20)
    return w.model.job(0).id


async def scenario(studio, state: str, out: Path) -> int:
    run = asyncio.ensure_future(studio.run(demo=state != "first-run"))
    await until(lambda: studio.window is not None and studio.window.isVisible())
    w = studio.window
    w.move(0, 0)
    if state == "first-run":
        w.resize(1280, 800)
        await until(lambda: w.engine is not None and w.first_run.isVisible(), 20)
        await asyncio.sleep(1.0)
        grab(w, out / "first-run.png")
        w.quit()
        await run
        return 0
    w.resize(1280, 800)
    await until(lambda: w.generate_button.isEnabled(), 20)
    seed_crowd(w, 40)
    done = await submit(w, "A friendly presenter greets the audience and smiles.", 7)
    await submit(w, "[sim:fail] A take the service refuses", 8)
    await until(lambda: w.model.find(done).state.value == "completed", 60)
    await submit(w, "[sim:slow] " + LONG_PROMPT, 9)
    await until(lambda: w.model.job(0).state.value == "processing", 30)
    await asyncio.sleep(3.0)  # the estimate bar moves
    w.params.prompt.setPlainText("The next take: a calm narrator, eyes on the camera.")
    w.queue.select_job(done)
    await asyncio.sleep(0.5)
    w.preview.loop.setChecked(True)
    w.preview.play()
    for width, height in SIZES:
        w.resize(width, height)
        w.fit_queue()
        await asyncio.sleep(1.2)
        grab(w, out / f"window-{state}-{width}x{height}.png")
    w.quit()
    await run
    return 0


def seed_crowd(window, n: int) -> None:
    """Earlier takes in the demo store: finished videos (copies of a real result, so the
    rows show first frames), and a few that failed or were cancelled."""
    import random

    from app.jobs.model import Job, JobState

    rnd = random.Random(4)
    now = time.time()
    folder = window.engine.output_folder()
    folder.mkdir(parents=True, exist_ok=True)
    states = [JobState.completed] * 6 + [JobState.failed, JobState.cancelled]
    for i in range(n):
        state = rnd.choice(states)
        job = Job(
            image=window.image_slot.value,
            audio=window.audio_slot.value,
            prompt=f"Take {i + 1}: " + (LONG_PROMPT if i % 3 == 0 else "a short hello"),
            duration=rnd.choice((5, 10, 15)),
            quality=rnd.choice(("high", "mid")),
            seed=rnd.randint(1, 999_999),
            state=state,
            demo=True,
            simulated=True,
            created_at=now - (n - i) * 600,
            submitted_at=now - (n - i) * 600 + 4,
            finished_at=now - (n - i) * 600 + 330,
            request_id=f"sim-{i:04d}",
        )
        if state == JobState.completed:
            job.cost = 2.81
            video = folder / f"take-{i + 1}.mp4"
            shutil.copy(RESULT, video)
            job.output_path = str(video)
        elif state == JobState.failed:
            job.error_code = "job_failed"
            job.error_message = "Audio processing failed: no speech detected"
        else:
            job.request_id = None
            job.error_code = "cancelled"
            job.error_message = "Cancelled before it was sent: nothing was billed"
        window.engine.store.add(job)
        window.model.upsert(job)


if __name__ == "__main__":
    sys.exit(main())
