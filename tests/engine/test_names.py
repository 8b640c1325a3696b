"""The engine names videos with app/jobs/naming.py: today's names by default, the settings'
template, a counter on collision; against the simulator over HTTP, real SQLite."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.jobs.engine import JobRequest
from app.jobs.model import JobState


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def request(media, seed: int, prompt: str = "a calm presenter") -> JobRequest:
    return JobRequest(
        image=str(media / "portrait-astronaut.png"),
        audio=str(media / "voice-3s.wav"),
        prompt=prompt,
        seed=seed,
    )


async def complete(engine, *requests):
    await engine.start(resume=False)
    jobs = [await engine.submit(r) for r in requests]
    return [await engine.wait(j.id) for j in jobs]


def test_default_names_are_todays(make_engine, media):
    (job,) = run(complete(make_engine(), request(media, seed=7)))
    assert job.state == JobState.completed, job.error_message
    assert Path(job.output_path).name == f"portrait-astronaut-5s-seed7-{job.id}.mp4"


def test_the_settings_template_and_a_counter_never_overwriting(make_engine, media):
    engine = make_engine(name_template="{image}-{quality}-{audio}")
    first, second = run(complete(engine, request(media, seed=1), request(media, seed=2)))
    assert first.state == second.state == JobState.completed
    stem = "portrait-astronaut-high-voice-3s"
    names = sorted(Path(j.output_path).name for j in (first, second))
    assert names == [f"{stem}-2.mp4", f"{stem}.mp4"]
    for job in (first, second):  # two videos, two sidecars: neither overwrote the other
        assert Path(job.output_path).stat().st_size > 0
        assert Path(job.output_path).with_suffix(".json").exists()
