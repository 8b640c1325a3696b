"""A batch under injected faults, and pacing that never trips the rate limit."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from app.jobs.engine import Engine, JobRequest
from app.jobs.model import JobState
from app.settings import Settings, Timings, app_paths
from app.sim.process import SimulatorProcess


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def requests_for(media, n, tag):
    return [
        JobRequest(
            image=str(media / "portrait-astronaut.png"),
            audio=str(media / "voice-3s.wav"),
            prompt=f"{tag} job {i}",
            seed=100 + i,
        )
        for i in range(n)
    ]


@pytest.mark.slow
def test_batch_of_ten_completes_under_faults_without_duplicate_submits(make_engine, media, sim):
    sim.config(error_rate=0.2, drop_rate=0.1, truncate_rate=0.2, burst_429=6)
    engine = make_engine(concurrency=10)
    hands_on = Counter()

    async def scenario():
        await engine.start(resume=False)
        jobs = [await engine.submit(r) for r in requests_for(media, 10, "faulty")]
        done = await asyncio.gather(*(engine.wait(j.id) for j in jobs))
        # What a creator would do with the few the engine would not decide alone:
        for _ in range(5):
            again = [j for j in done if j.state in (JobState.interrupted, JobState.failed)]
            if not again:
                break
            for j in again:
                hands_on[j.state.value] += 1
                engine.retry(j.id)
            done = [await engine.wait(j.id) for j in done]
        return done

    done = asyncio.run(asyncio.wait_for(scenario(), 240))
    sim.config(error_rate=0, drop_rate=0, truncate_rate=0)
    assert all(j.state == JobState.completed for j in done), [(j.id, j.state) for j in done]
    accepted = Counter(s["prompt"] for s in sim.submits())
    for job in done:
        # never more accepted submits than attempts the creator asked for
        assert accepted[job.prompt] <= job.attempt, (job.prompt, accepted[job.prompt])
        assert sha256(job.output_path) == sim.job(job.request_id)["sha256"]
    injected = [e for e in sim.log() if e.get("injected") or e.get("dropped")]
    assert len(injected) >= 10  # the faults really happened
    print(f"faults injected: {len(injected)}; retried by hand: {dict(hands_on)}")


@pytest.mark.slow
def test_pacing_on_a_free_plan_causes_no_429(s2v_home, media):
    factor = 0.02  # a minute lasts 1.2 s
    with SimulatorProcess.start(time_factor=factor, rate_limit=5) as sim:
        paths = app_paths(s2v_home)
        settings = Settings(
            api_base=sim.api_base,
            upload_url=sim.upload_url,
            budget_preset="free",
            concurrency=5,
            timings=Timings(scale=factor, retry_base=0.2),
        )
        engine = Engine(paths, settings, lambda: sim.key)

        async def scenario():
            await engine.start(resume=False)
            jobs = [await engine.submit(r) for r in requests_for(media, 5, "paced")]
            done = [await engine.wait(j.id) for j in jobs]
            await engine.aclose()
            return done

        done = asyncio.run(asyncio.wait_for(scenario(), 240))
        log = [e for e in sim.log() if not e["path"].startswith("/_sim")]
    assert all(j.state == JobState.completed for j in done)
    assert [e for e in log if e["status"] == 429] == []
    keyed = [e for e in log if e["key_present"]]
    print(f"{len(keyed)} keyed requests for 5 jobs ({len(keyed) / 5:.1f} per job), no 429")
    assert len(keyed) / 5 <= 7  # 2 uploads + submit + early check + 1-2 polls + result


def test_a_job_segmind_renders_holds_no_job_slot(make_engine, media, sim):
    """Concurrency is local work: with one slot, the second job is uploaded and submitted
    while the first is still rendering at Segmind."""
    sim.config(job_seconds=400)  # 2 s at the test scale
    engine = make_engine(concurrency=1)

    async def scenario():
        await engine.start(resume=False)
        jobs = [await engine.submit(r) for r in requests_for(media, 2, "slots")]
        return [await engine.wait(j.id) for j in jobs]

    done = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert all(j.state == JobState.completed for j in done)
    first, second = sorted(sim.submits(), key=lambda s: s["t"])
    assert second["t"] - first["t"] < 400 * 0.005 / 2  # long before the first is done


def test_two_engines_on_one_store_share_the_free_plan(s2v_home, media):
    """The window and a command line on one machine: one budget, no 429 of their own."""
    factor = 0.02
    with SimulatorProcess.start(time_factor=factor, rate_limit=5) as sim:
        paths = app_paths(s2v_home)

        def engine() -> Engine:
            settings = Settings(
                api_base=sim.api_base,
                upload_url=sim.upload_url,
                budget_preset="free",
                concurrency=3,
                timings=Timings(scale=factor, retry_base=0.2),
            )
            return Engine(paths, settings, lambda: sim.key)

        a, b = engine(), engine()

        async def scenario():
            await a.start(resume=False)
            await b.start(resume=False)
            jobs = [await a.submit(r) for r in requests_for(media, 2, "window")]
            jobs += [await b.submit(r) for r in requests_for(media, 2, "command line")]
            done = [await e.wait(j.id) for e, j in zip((a, a, b, b), jobs, strict=True)]
            await a.aclose()
            await b.aclose()
            return done

        done = asyncio.run(asyncio.wait_for(scenario(), 240))
        log = [e for e in sim.log() if not e["path"].startswith("/_sim")]
    assert all(j.state == JobState.completed for j in done)
    assert [e for e in log if e["status"] == 429] == []
