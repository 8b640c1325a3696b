"""Settling from Segmind's request history, against the simulator over real HTTP.

A lost submit answer is adopted from the history (never resubmitted), ambiguity and
absence end interrupted, a request the status route forgot is downloaded through its
history row, `check` settles old interrupted jobs and cancelled jobs' real cost, and
`spend` sums the key's own history.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from urllib.parse import urlsplit

import pytest

from app.jobs.events import JobChanged, JobWaiting
from app.jobs.model import Job, JobState
from app.jobs.settle import CHECKING, search_times
from app.jobs.store import JobStore
from app.settings import app_paths
from tests.engine.test_engine import request, run, sha256, submit_and_wait


def hist_engine(make_engine, sim, **changes):
    return make_engine(history_url=sim.history_url, **changes)


def history_searches(sim) -> list[dict]:
    return [e for e in sim.log() if e["target"] == "history"]


def keyed_hosts(sim) -> set[str]:
    return {h.split(":")[0] + ":" + h.split(":")[1] for h in sim.stats()["keyed_by_host"]}


@pytest.mark.parametrize("lag", [0, 150])  # 150 service s = 0.75 s: the first searches miss
def test_lost_answer_is_adopted_from_the_history(make_engine, media, sim, lag):
    sim.config(drop_after_accept=1, history_lag=lag, history_dashless_ids=True)
    engine = hist_engine(make_engine, sim)
    waits = []
    engine.events.subscribe(lambda e: isinstance(e, JobWaiting) and waits.append(e.reason))
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.completed, job.error_message
    (accepted,) = sim.submits()  # exactly one accepted submit: never sent again
    assert accepted["answered"] is False
    assert job.request_id == accepted["request_id"]  # dashed, whatever the history listed
    assert sha256(job.output_path) == sim.job(job.request_id)["sha256"]
    assert job.status_url == f"{sim.api_base}/v2/requests/{job.request_id}/status"
    assert CHECKING in waits
    notes = [h.what for h in engine.history(job.id)]
    assert "checking with Segmind" in notes and "found in Segmind's history" in notes
    assert (len(history_searches(sim)) > 1) == (lag > 0)
    api = urlsplit(sim.api_base).netloc
    assert set(sim.stats()["keyed_by_host"]) == {api}  # API, upload and history only


@pytest.mark.parametrize("twin_is_known", [False, True])
def test_two_matching_requests_are_ambiguous_and_never_adopted(
    make_engine, media, sim, twin_is_known
):
    sim.config(drop_after_accept=1)
    engine = hist_engine(make_engine, sim)
    seeded = []

    def twin(event) -> None:  # another request with exactly this attempt's inputs
        job = event.job if isinstance(event, JobChanged) else None
        if job is not None and job.state == JobState.submitting and not seeded:
            body = {"input_image": job.image_url, "input_audio": job.audio_url, **job.params()}
            seeded.extend(sim.seed_history(request_body=body, created_at=time.time()))
            if twin_is_known:  # another job of this studio holds it (dash-less, upper case)
                other = Job(image="a.png", audio="b.wav", request_id=seeded[0].replace("-", ""))
                engine.store.add(other.copy(request_id=other.request_id.upper()))

    engine.events.subscribe(twin)
    job = run(submit_and_wait(engine, request(media)))
    assert seeded and len(sim.submits()) == 1
    if twin_is_known:  # the known request is never this job's: the other one is adopted
        assert job.state == JobState.completed
        assert job.request_id == sim.submits()[0]["request_id"]
        return
    assert job.state == JobState.interrupted
    assert job.request_id is None
    assert "2 requests with exactly this job's inputs" in job.error_message


def test_no_such_request_ends_interrupted_after_the_settle_window(make_engine, media, sim):
    sim.fault("submit", "respond", status=200, body="<html>gateway</html>")  # never created
    engine = hist_engine(make_engine, sim)
    started = time.monotonic()
    job = run(submit_and_wait(engine, request(media)))
    took = time.monotonic() - started
    assert job.state == JobState.interrupted
    assert "history shows no such request: it was most likely not billed" in job.error_message
    assert sim.submits() == []
    t = engine.settings.timings
    assert took >= t.s("settle_window_seconds")
    # at once, 2, 5, 10, 20, 40 s, then every minute to the window's end (scaled)
    assert len(history_searches(sim)) == len(search_times(t)) == 16


def test_a_5xx_answer_checks_the_history_before_its_one_resend(make_engine, media, sim):
    sim.fault("submit", "502")
    engine = hist_engine(make_engine, sim)
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.completed
    assert len(sim.submits()) == 1
    log = [e["target"] for e in sim.log() if e["target"] in ("submit", "history")]
    first_resend = log.index("submit", 1)
    assert "history" in log[1:first_resend]


def test_the_resend_after_the_history_check_has_its_own_retry_deadline(make_engine, media, sim):
    sim.fault("submit", "502")
    sim.fault("submit", "429", reset_seconds=200)  # 1 s: past the client's own deadline
    engine = hist_engine(make_engine, sim)
    t = engine.settings.timings
    t.settle_window_seconds, t.retry_deadline = 200.0, 100.0  # 1 s of checking, 0.5 s
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.completed, job.error_message
    assert len(sim.submits()) == 1


@pytest.mark.parametrize("how", ["status 404", "local clock"])
def test_a_request_past_the_hour_is_downloaded_through_the_history(make_engine, media, sim, how):
    first = hist_engine(make_engine, sim)

    async def accepted():
        await first.start(resume=False)
        job = await first.submit(request(media), drive=False)
        job = await first.wait(job.id, until_accepted=True)
        await first.aclose()
        return job

    job = run(accepted())
    while sim.job(job.request_id)["status"] != "COMPLETED":
        time.sleep(0.1)
    changes = {}
    if how == "status 404":
        assert sim.expire(job.request_id)
    else:  # the laptop slept past the hour: no status request is even tried
        changes["timings"] = first.settings.timings
        changes["timings"].retention_seconds = 0.0
    before = len(sim.log())
    later = hist_engine(make_engine, sim, **changes)

    async def resumed():
        await later.start(resume=True)
        return await later.wait(job.id)

    done = run(resumed())
    assert done.state == JobState.completed, done.error_message
    assert sha256(done.output_path) == sim.job(job.request_id)["sha256"]
    assert "output from Segmind's history" in [h.detail for h in later.history(job.id)]
    statuses = [e for e in sim.log()[before:] if e["target"] == "status"]
    assert len(statuses) == (1 if how == "status 404" else 0)
    assert len(sim.submits()) == 1


def test_check_adopts_an_interrupted_job_from_before(make_engine, media, sim, cli):
    sim.fault("submit", "drop_after")
    old = make_engine()  # no history lookup: interrupted at once, as before

    async def interrupted():
        job = await submit_and_wait(old, request(media))
        await old.aclose()
        return job

    job = run(interrupted())
    assert job.state == JobState.interrupted and "may have been billed" in job.error_message
    proc = cli("check", job.id, "--wait", "--json", SEGMIND_HISTORY_URL=sim.history_url)
    assert proc.returncode == 0, proc.stderr
    done = json.loads(proc.stdout)
    assert done["state"] == "completed" and done["request_id"] == sim.submits()[0]["request_id"]
    assert "adopted as" in proc.stderr
    assert len(sim.submits()) == 1


def test_check_without_a_history_lookup_says_so(make_engine, media, sim, cli):
    sim.fault("submit", "drop_after")
    job = run(submit_and_wait(make_engine(), request(media)))
    proc = cli("check", job.id)
    assert proc.returncode == 5
    assert "SEGMIND_HISTORY_URL" in proc.stderr


def test_check_settles_a_cancelled_jobs_real_cost(make_engine, media, sim):
    engine = hist_engine(make_engine, sim)

    async def cancelled():
        await engine.start(resume=False)
        job = await engine.submit(request(media), drive=False)
        job = await engine.wait(job.id, until_accepted=True)
        engine.cancel(job.id)
        await engine.settle(job.id)
        for _ in range(200):
            if engine.get(job.id).state == JobState.cancelled:
                break
            await asyncio.sleep(0.02)
        maybe = engine.month_spend()
        while sim.job(job.request_id)["status"] != "COMPLETED":
            await asyncio.sleep(0.1)
        checked, outcome = await engine.check_with_segmind(job.id)
        return maybe, checked, outcome, engine.month_spend()

    maybe, job, outcome, spend = run(cancelled())
    assert maybe.maybe == pytest.approx(1.41) and maybe.billed == 0
    assert outcome == "cost" and job.state == JobState.cancelled
    assert job.cost == pytest.approx(1.41) and not job.may_be_billed
    assert spend.billed == pytest.approx(1.41) and spend.maybe == 0


def test_spend_sums_the_keys_own_history(home, sim, cli):
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    now = time.time()
    mine = sim.seed_history(credits_deduction=2.81, created_at=now, outputs=2)[0]
    sim.seed_history(credits_deduction=1.41, created_at=now - 60, count=2)
    sim.seed_history(credits_deduction=9.0, created_at=now, model_name="other-model")
    sim.seed_history(credits_deduction=9.0, created_at=now, key="SG_someone_else")
    store = JobStore(app_paths(home).database())
    store.add(Job(image="a.png", audio="b.wav", request_id=mine, state=JobState.completed))
    store.close()
    env = {"SEGMIND_HISTORY_URL": sim.history_url}
    proc = cli("spend", "--month", month, "--json", **env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "month": month,
        "total_usd": 5.63,
        "requests": 3,
        "made_here_usd": 2.81,
        "made_here_requests": 1,
    }
    assert cli("spend", "--json", key="SG_wrong_key_0000", **env).returncode == 3
    assert cli("spend", "--json", key="", **env).returncode == 3
    assert cli("spend", "--month", "2026-13", **env).returncode == 2
    sim.config(history_off=500)
    assert cli("spend", **env).returncode == 5
    assert cli("spend").returncode == 5  # no history lookup for a simulator's API base


def test_a_lost_answer_of_a_job_that_failed_there_fails_with_the_services_error(
    make_engine, media, sim
):
    sim.config(drop_after_accept=1)
    engine = hist_engine(make_engine, sim)
    job = run(submit_and_wait(engine, request(media, prompt="hello [sim:fail]")))
    assert job.state == JobState.failed
    assert "no speech detected" in job.error_message
    assert job.request_id == sim.submits()[0]["request_id"] and len(sim.submits()) == 1
    assert not job.may_be_billed  # a failed request is not billed


def test_submit_without_wait_returns_once_the_lost_answer_is_adopted(media, sim, cli):
    sim.config(drop_after_accept=1, history_lag=100)
    proc = cli(
        "submit", media / "portrait-astronaut.png", media / "voice-3s.wav", "--json",
        SEGMIND_HISTORY_URL=sim.history_url,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    job = json.loads(proc.stdout)
    assert job["request_id"] == sim.submits()[0]["request_id"]
    assert job["state"] in ("queued", "processing")
    assert "checking with Segmind" in proc.stderr
