"""Screenshots of batches in the queue (docs/screenshots/queue-batches-*.png).

    DISPLAY=:94 .venv/bin/python tools/screenshots_batches.py [--out docs/screenshots]

Runs the offline demo once per colour scheme in its own process (like
tools/screenshots.py, whose helpers it uses): a finished batch (collapsed), a loose job,
a takes group with the kept take's star, a batch still running with one failure, and
older loose takes; then 200 finished jobs in four batches (`queue-batches-200-*.png`).
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
sys.path.insert(0, str(ROOT))

from tools.screenshots import RESULT, grab, seed_crowd, until  # noqa: E402

SCHEMES = ("light", "dark")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    p.add_argument("--state", choices=SCHEMES, help=argparse.SUPPRESS)  # child process
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.state:
        return shoot(args.state, out)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for scheme in SCHEMES:
        home = Path(tempfile.mkdtemp(prefix="s2v-batch-shots-"))
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "xcb",
            "S2V_HOME": str(home),
            "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        r = subprocess.run(
            [sys.executable, __file__, "--state", scheme, "--out", str(out)],
            env=env,
            cwd=ROOT,
            timeout=300,
        )
        shutil.rmtree(home, ignore_errors=True)
        print(f"{scheme}: {'ok' if r.returncode == 0 else f'failed ({r.returncode})'}")
        failed += r.returncode != 0
    return 1 if failed else 0


def shoot(scheme: str, out: Path) -> int:
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
    settings.color_scheme = scheme
    settings.concurrency = 4
    settings.save(paths)
    studio = Studio(paths, demo_time_factor=0.03)
    studio.theme = Theme(app, scheme)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(scenario(studio, scheme, out))


def request(w, prompt: str, seed: int, image: str | None = None):
    from app.jobs.prepare import JobRequest

    return JobRequest(
        image=image or w.image_slot.value,
        audio=w.audio_slot.value,
        prompt=prompt,
        seed=seed,
        duration=5,
        quality="high",
    )


async def scenario(studio, scheme: str, out: Path) -> int:
    run = asyncio.ensure_future(studio.run(demo=True))
    await until(lambda: studio.window is not None and studio.window.isVisible())
    w = studio.window
    w.move(0, 0)
    w.resize(1280, 800)
    await until(lambda: w.generate_button.isEnabled(), 20)
    e = w.engine
    w.engine.output_folder().mkdir(parents=True, exist_ok=True)
    seed_crowd(w, 5)
    portraits, _ = await e.submit_batch(
        [request(w, f"Portrait {i}: a warm hello to new subscribers", 10 + i) for i in (1, 2, 3)],
        "Three portraits",
    )
    await until(lambda: w.model.counts_of(portraits.id).finished, 90)
    w.queue.set_collapsed(portraits.id, True)
    script = [
        "Monday: what is new this week",
        "[sim:fail] Tuesday: the clip with no speech",
        "Wednesday: three tips for better sound",
        "[sim:slow] Thursday: a longer story for the newsletter",
    ]
    week, _ = await e.submit_batch(
        [request(w, text, 100 + i) for i, text in enumerate(script)], "Week of shorts"
    )
    loose = await e.submit(request(w, "A quick thank-you to the team", 77))
    takes, jobs = await e.make_takes(request(w, "The product launch, take by take", 0), 3)
    await until(lambda: w.model.counts_of(takes.id).finished, 90)
    e.keep_take(jobs[1].id)
    await until(lambda: w.model.find(loose.id).state.value == "completed", 60)
    await until(lambda: w.model.counts_of(week.id).failed >= 1, 60)
    w.pane_action.setChecked(False)  # the queue takes the whole height
    w.error_bar.hide()  # the failure is on its row: the bar was read and closed
    w.queue.select_job(loose.id)
    w.queue.table.scrollToTop()
    await asyncio.sleep(1.5)
    grab(w, out / f"queue-batches-{scheme}.png")
    w.pane_action.setChecked(True)
    w.queue.select_job(jobs[1].id)
    w.resize(1920, 1080)
    w.fit_queue()
    w.queue.table.scrollToTop()
    await asyncio.sleep(1.2)
    grab(w, out / f"queue-batches-{scheme}-1920x1080.png")
    w.resize(1280, 800)
    await until(lambda: w.model.counts_of(week.id).finished, 120)
    w.pane_action.setChecked(False)

    many(w, 200)
    w.model.load(w.engine.store, background=False)
    w.queue.set_collapsed("many-2", True)
    w.queue.set_collapsed(takes.id, True)
    w.queue.set_collapsed(week.id, True)
    w.queue.select_batch("many-0")
    w.queue.table.scrollToTop()
    await asyncio.sleep(1.5)
    grab(w, out / f"queue-batches-200-{scheme}.png")
    w.quit()
    await run
    return 0


def many(window, n: int) -> None:
    """n finished jobs in four batches (one a takes group), stored in one transaction each."""
    from app.jobs.batch_store import Batch
    from app.jobs.model import Job, JobState

    store = window.engine.store
    folder = window.engine.output_folder()
    now = time.time() - 86400
    per = n // 4
    for b in range(4):
        batch = Batch(f"many-{b}", f"Catalogue part {b + 1}", "batch", now - b * 3600)
        jobs = []
        for i in range(per):
            state = JobState.failed if i % 17 == 5 else JobState.completed
            job = Job(
                image=window.image_slot.value,
                audio=window.audio_slot.value,
                prompt=f"Catalogue {b + 1}, item {i + 1}: the product in one sentence",
                duration=5,
                seed=1000 + b * per + i,
                state=state,
                demo=True,
                simulated=True,
                created_at=now - b * 3600 + i,
                submitted_at=now - b * 3600 + i + 4,
                finished_at=now - b * 3600 + i + 300,
                request_id=f"sim-many-{b}-{i}",
            )
            if state == JobState.completed:
                job.cost = 1.41
                video = folder / f"many-{b}-{i}.mp4"
                shutil.copy(RESULT, video)
                job.output_path = str(video)
            else:
                job.error_code = "job_failed"
                job.error_message = "Audio processing failed: no speech detected"
            jobs.append((job, [], None))
        store.add_batch(batch, jobs, None)


if __name__ == "__main__":
    sys.exit(main())
