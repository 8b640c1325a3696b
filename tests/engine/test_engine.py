"""The job engine against the simulator over real HTTP, with a real SQLite store."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import pytest

from app.api.errors import ErrorKind, SegmindError
from app.jobs.engine import JobRequest
from app.jobs.events import JobChanged, JobWarning
from app.jobs.model import JobState


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def request(media, prompt="a calm presenter", **kw) -> JobRequest:
    return JobRequest(
        image=str(media / "portrait-astronaut.png"),
        audio=str(media / "voice-3s.wav"),
        prompt=prompt,
        seed=kw.pop("seed", 7),
        **kw,
    )


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


async def submit_and_wait(engine, req, **kw):
    await engine.start(resume=False)
    job = await engine.submit(req, **kw)
    return await engine.wait(job.id)


def test_job_completes_with_the_served_video_and_a_sidecar(make_engine, media, sim, home):
    engine = make_engine()
    states = []
    engine.events.subscribe(lambda e: isinstance(e, JobChanged) and states.append(e.job.state))
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.completed, job.error_message
    assert job.duration == 5  # 3.3 s of audio: the shortest duration that covers it
    served = sim.job(job.request_id)
    assert sha256(job.output_path) == served["sha256"] == job.output_hash
    assert [s["request_id"] for s in sim.submits()] == [job.request_id]
    sidecar = json.loads(Path(job.output_path).with_suffix(".json").read_text())
    assert sidecar["request_id"] == job.request_id and sidecar["parameters"]["seed"] == 7
    assert sim.key not in Path(job.output_path).with_suffix(".json").read_text()
    assert Path(job.output_path).is_relative_to(home)
    for s in (JobState.uploading, JobState.submitting, JobState.queued, JobState.downloading):
        assert s in states
    assert job.cost and job.cost > 0


@pytest.mark.parametrize(
    "marker, kind",
    [("[sim:fail]", ErrorKind.job_failed), ("[sim:block]", ErrorKind.content_blocked)],
)
def test_rejected_job_fails_at_once_with_the_server_message(make_engine, media, marker, kind):
    engine = make_engine()
    job = run(submit_and_wait(engine, request(media, prompt=f"hello {marker}")))
    assert job.state == JobState.failed
    assert job.error_code == kind.value
    assert job.output_path is None


def test_bad_key_fails_the_job_as_an_account_problem(make_engine, media, sim):
    engine = make_engine(key="SG_not_a_real_key_000")
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.failed and job.error_code == ErrorKind.invalid_key.value
    assert "SG_not_a_real_key_000" not in (job.error_message or "")
    assert sim.submits() == []


def test_lost_submit_answer_is_interrupted_never_resubmitted_then_retry(make_engine, media, sim):
    sim.fault("submit", "drop_after")
    engine = make_engine()
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.interrupted
    assert "may have been billed" in job.error_message
    assert len(sim.submits()) == 1  # accepted once by the service, not sent again

    async def retry():
        engine.retry(job.id)
        return await engine.wait(job.id)

    job = run(retry())
    assert job.state == JobState.completed and job.attempt == 2
    assert len(sim.submits()) == 2


def test_answered_server_error_on_submit_is_retried_once(make_engine, media, sim):
    sim.fault("submit", "502")
    engine = make_engine()
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.completed
    assert len(sim.submits()) == 1


def test_cancel_before_submit_is_free_and_retry_completes(make_engine, media, sim):
    engine = make_engine()

    async def scenario():
        await engine.start(resume=False)
        job = await engine.submit(request(media), drive=False)
        cancelled = engine.cancel(job.id)
        assert cancelled.state == JobState.cancelled
        assert "nothing was billed" in cancelled.error_message
        engine.retry(job.id)
        return await engine.wait(job.id)

    job = run(scenario())
    assert job.state == JobState.completed and job.attempt == 2
    assert len(sim.submits()) == 1


def test_duplicate_spend_guard_and_rerun(make_engine, media, sim):
    engine = make_engine()

    async def scenario():
        first = await submit_and_wait(engine, request(media))
        with pytest.raises(SegmindError) as refused:
            await engine.submit(request(media))
        assert refused.value.kind == ErrorKind.invalid_input
        assert "pay twice" in refused.value.message
        again = await engine.wait((await engine.submit(request(media), force=True)).id)
        other = engine.rerun(first.id)
        other = await engine.wait(other.id)
        return first, again, other

    first, again, other = run(scenario())
    assert again.state == other.state == JobState.completed
    assert other.rerun_of == first.id and other.seed != first.seed
    assert len(sim.submits()) == 3


def test_job_resumes_in_a_new_engine_after_close(make_engine, media, sim):
    first = make_engine()

    async def submit_only():
        await first.start(resume=False)
        job = await first.submit(request(media), drive=False)
        job = await first.wait(job.id, until_accepted=True)
        await first.aclose()
        return job

    job = run(submit_only())
    assert job.request_id and job.state in (JobState.queued, JobState.processing)
    second = make_engine()

    async def resume():
        await second.start(resume=True)
        return await second.wait(job.id)

    done = run(resume())
    assert done.state == JobState.completed
    assert len(sim.submits()) == 1


def test_forgotten_request_becomes_expired(make_engine, media, sim):
    sim.config(job_seconds=3000)  # long enough to expire it by hand
    engine = make_engine()

    async def scenario():
        await engine.start(resume=False)
        job = await engine.submit(request(media), drive=False)
        job = await engine.wait(job.id, until_accepted=True)
        sim.expire(job.request_id)
        return await engine.wait(job.id)

    job = run(scenario())
    assert job.state == JobState.expired and job.error_code == "expired"


def test_warning_before_the_hour_runs_out(make_engine, media, sim):
    sim.config(job_seconds=2000)
    engine = make_engine()
    engine.settings.timings.expiry_warning_seconds = 20  # scaled: 0.1 s
    engine.settings.timings.retention_seconds = 200  # scaled: 1 s
    warnings = []
    engine.events.subscribe(lambda e: isinstance(e, JobWarning) and warnings.append(e.message))
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.expired
    assert any("forgets it" in w for w in warnings)


def test_a_live_owner_keeps_its_job(make_engine, media):
    a, b = make_engine(), make_engine()

    async def scenario():
        await a.start(resume=False)
        job = await a.submit(request(media), drive=False)
        assert a.store.acquire(job.id, 30)
        assert b.drive(job.id) is None  # a is alive: b only watches
        a.store.release(job.id)
        return job

    run(scenario())


def test_invalid_input_is_refused_before_anything_is_stored(make_engine, media, sim, tmp_path):
    engine = make_engine()
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")

    async def scenario():
        await engine.start(resume=False)
        with pytest.raises(SegmindError) as err:
            await engine.submit(
                JobRequest(image=str(media / "portrait-astronaut.png"), audio=str(bad))
            )
        return err.value

    err = run(scenario())
    assert err.kind == ErrorKind.invalid_input and "notes.wav" in err.message
    assert engine.jobs() == []
    assert [
        e for e in sim.log() if e["origin"] == "api" and not e["path"].startswith("/_sim")
    ] == []


def test_delete_with_files_keeps_the_creators_own_audio(make_engine, media):
    engine = make_engine()
    job = run(submit_and_wait(engine, request(media)))
    assert job.state == JobState.completed
    assert Path(job.prepared_audio) == media / "voice-3s.wav"  # WAV sent as it was
    engine.remove(job.id, delete_files=True)
    assert not Path(job.output_path).exists()
    assert not Path(job.output_path).with_suffix(".json").exists()
    assert (media / "voice-3s.wav").exists() and (media / "portrait-astronaut.png").exists()
