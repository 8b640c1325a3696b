"""Money counted right: hidden jobs still count, the monthly threshold on the command
line, and next steps in each face's own words."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.api.errors import ErrorKind, SegmindError
from app.jobs.engine import JobRequest
from app.jobs.events import JobAdded, JobChanged, JobRemoved
from app.jobs.model import JobState
from tests.engine.conftest import write_settings


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def request(media, prompt="money", **kw) -> JobRequest:
    return JobRequest(
        image=str(media / "portrait-astronaut.png"),
        audio=str(media / kw.pop("audio", "voice-3s.wav")),
        prompt=prompt,
        seed=kw.pop("seed", 5),
        **kw,
    )


def test_hidden_jobs_still_count_and_guard_and_another_window_drops_them(make_engine, media, sim):
    window, other = make_engine(), make_engine()
    seen = []
    other.events.subscribe(
        lambda e: seen.append(type(e).__name__) if isinstance(e, JobAdded | JobRemoved) else None
    )

    async def scenario():
        await window.start()
        await other.start()
        job = await window.wait((await window.submit(request(media))).id)
        spent = window.month_spend()
        await asyncio.sleep(1.5)  # the other engine's heartbeat sees the new job
        window.hide(job.id, delete_files=True)
        await asyncio.sleep(1.5)  # ...and that it was hidden
        after = window.month_spend()
        with pytest.raises(SegmindError) as twin:
            await window.submit(request(media))
        window.restore(job.id)
        await asyncio.sleep(1.5)
        return job, spent, after, twin.value

    job, spent, after, twin = run(scenario())
    assert job.state == JobState.completed and spent.billed == job.cost > 0
    assert after == spent  # hiding never lowers "this month"
    assert "pay twice" in twin.message  # still fingerprinted
    assert not Path(job.output_path).exists()
    assert not Path(job.output_path).with_suffix(".json").exists()
    assert seen == ["JobAdded", "JobRemoved", "JobAdded"]
    assert [j.id for j in window.jobs()] == [job.id]


def test_hidden_jobs_are_never_listed_or_resumed(make_engine, media, sim):
    engine = make_engine()

    async def scenario():
        await engine.start(resume=False)
        job = await engine.submit(request(media), drive=False)
        engine.cancel(job.id)
        engine.remove(job.id)  # the window's older name for hide
        assert engine.jobs() == [] and engine.get(job.id) is None
        with pytest.raises(SegmindError):
            engine.retry(job.id)  # not found: hidden jobs are out of reach of verbs
        hidden = engine.store.get(job.id)
        assert hidden.hidden and hidden.state == JobState.cancelled
        return [e.what for e in engine.history(job.id)]

    history = run(scenario())
    assert history[0] == "created" and history[-1] == "hidden"
    assert "pending->cancelled" in history
    assert sim.submits() == []


def test_the_monthly_threshold_refuses_submit_retry_and_rerun_unless_yes(cli, media, sim, home):
    write_settings(home, sim, spend_threshold=2.0)  # one 5 s high video costs $1.41
    image, voice = media / "portrait-astronaut.png", media / "voice-3s.wav"
    first = cli("submit", image, voice, "--wait", "--json", "--seed", "1")
    assert first.returncode == 0, first.stderr
    done = json.loads(first.stdout)
    before = len(sim.log())
    for args in (
        ("submit", image, voice, "--seed", "2"),
        ("rerun", done["id"]),
    ):
        refused = cli(*args, "--json")
        assert refused.returncode == 2, refused.stderr
        error = json.loads(refused.stdout)["error"]
        assert error["code"] == "spend_threshold"
        assert "$2.00" in error["message"] and "--yes" in error["message"]
        assert "settings.json" in error["message"]
    assert len(sim.log()) == before  # refused before any request
    cancelled = cli("submit", image, voice, "--seed", "3", "--yes", "--json")
    assert cancelled.returncode == 0, cancelled.stderr
    job_id = json.loads(cancelled.stdout)["id"]
    cli("cancel", job_id)
    refused = cli("retry", job_id, "--json")
    assert refused.returncode == 2 and json.loads(refused.stdout)["error"]["code"] == (
        "spend_threshold"
    )
    allowed = cli("retry", job_id, "--yes", "--json")
    assert allowed.returncode == 0, allowed.stderr


def test_demo_jobs_never_meet_the_threshold(make_engine):
    engine = make_engine()
    engine.settings.spend_threshold = 0.5
    assert engine.spend_problem(1.41).kind == ErrorKind.spend_threshold
    engine.demo = True
    assert engine.spend_problem(1.41) is None
    engine.demo = False
    engine.settings.spend_threshold = 0  # no threshold at all
    assert engine.spend_problem(100.0) is None


def test_window_next_steps_never_name_a_flag(make_engine, media, sim, cli):
    engine = make_engine()

    async def scenario():
        await engine.start(resume=False)
        await engine.wait((await engine.submit(request(media))).id)
        errors = []
        for req in (request(media), request(media, audio="voice-32s.wav", duration=15)):
            with pytest.raises(SegmindError) as err:
                await engine.submit(req)
            errors.append(err.value)
        return errors

    twin, too_long = run(scenario())
    assert (twin.action, too_long.action) == ("force", "trim")
    for err in (twin, too_long):
        assert "--" not in err.next_step and "--" in err.cli_step
        assert err.to_dict()["message"].endswith(err.cli_step)
    again = cli("submit", media / "portrait-astronaut.png", media / "voice-3s.wav",
                "--prompt", "money", "--seed", "5")  # fmt: skip
    assert again.returncode == 2 and "--force" in again.stderr


def test_changes_and_requests_reach_the_other_engine_as_events(make_engine, media, sim, cli):
    window = make_engine()
    events = []
    window.events.subscribe(events.append)

    async def scenario():
        await window.start()
        await asyncio.to_thread(
            cli, "submit", media / "portrait-astronaut.png", media / "voice-3s.wav",
            "--prompt", "events", "--wait",
        )  # fmt: skip
        await asyncio.sleep(1.5)

    run(scenario())
    added = [e for e in events if isinstance(e, JobAdded)]
    changed = [e.job.state for e in events if isinstance(e, JobChanged)]
    assert len(added) == 1 and JobState.completed in changed
