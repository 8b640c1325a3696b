"""Every error kind, produced by the simulator over real HTTP, with a message and a next step."""

from __future__ import annotations

import json
import time

import pytest

from app.api.errors import ErrorKind, SegmindError
from tests.api.api_helpers import assert_no_key, free_port, run, settled_log

IMAGE, AUDIO = "tests/data/portrait-astronaut.png", "tests/data/voice-3s.wav"


async def _inputs(client, prompt="A calm talk.", **extra) -> dict:
    image = await client.upload(IMAGE)
    audio = await client.upload(AUDIO)
    return {"input_image": image, "input_audio": audio, "prompt": prompt, "duration": 5, **extra}


def _raises(sim, coro_fn) -> SegmindError:
    """Run `coro_fn()` and return the SegmindError it raised (any other outcome fails)."""

    async def go():
        try:
            await coro_fn()
        except SegmindError as err:
            return err
        raise AssertionError("no SegmindError")

    err = run(go())
    assert err.message and err.next_step
    assert_no_key(sim.key, err)
    return err


def test_missing_key_is_refused_before_any_request(sim, api):
    async def go():
        async with api(key="") as client:
            await client.submit({"prompt": "x"})

    err = _raises(sim, go)
    assert err.kind == ErrorKind.invalid_key and err.sent is False
    assert settled_log(sim) == []


def test_wrong_key_401(sim, api):
    async def go():
        async with api(key="SG_0123456789abcdef") as client:
            await client.credits()

    err = _raises(sim, go)
    assert (err.kind, err.status) == (ErrorKind.invalid_key, 401)
    assert err.server_message == "The API key is invalid or has expired"
    assert_no_key("SG_0123456789abcdef", err)


@pytest.mark.parametrize(
    "status, body, kind",
    [
        (403, '{"error": "Model access denied for this plan"}', ErrorKind.not_permitted),
        (410, '{"error": "This model has been deprecated"}', ErrorKind.model_retired),
        (406, "Invalid content type", ErrorKind.bad_content_type),
        (500, '{"error": "Internal error"}', ErrorKind.server),
    ],
)
def test_submit_refusals_from_the_service(sim, api, status, body, kind):
    sim.fault("submit", "respond", status=status, body=body, headers={"Content-Type": "text/plain"})

    async def go():
        async with api() as client:
            await client.submit(
                {"input_image": "https://x/a.png", "input_audio": "https://x/a.wav"}
            )

    err = _raises(sim, go)
    assert (err.kind, err.status, err.sent) == (kind, status, True)
    assert [e["path"] for e in settled_log(sim)].count(
        "/v2/higgsfield-speech2video"
    ) == 1  # no retry


def test_unknown_model_is_retired(sim, api):
    async def go():
        async with api(model="higgsfield-speech2video-v0") as client:
            await client.submit({"prompt": "x"})

    assert _raises(sim, go).kind == ErrorKind.model_retired


def test_bad_request_names_the_field(sim, api):
    async def go():
        async with api() as client:
            await client.submit(await _inputs(client, duration=7))

    err = _raises(sim, go)
    assert (err.kind, err.status) == (ErrorKind.bad_request, 400)
    assert "duration" in err.message


def test_mp3_audio_is_a_bad_request(sim, api):
    async def go():
        async with api() as client:
            inputs = await _inputs(client)
            inputs["input_audio"] = await client.upload("tests/data/voice-3s.mp3")
            await client.submit(inputs)

    err = _raises(sim, go)
    assert err.kind == ErrorKind.bad_request and "WAV" in err.message


def test_insufficient_credits_and_spend_limit_told_apart(sim, api):
    sim.config(credits=0.5)

    async def go():
        async with api() as client:
            await client.submit(await _inputs(client))

    err = _raises(sim, go)
    assert (err.kind, err.status) == (ErrorKind.insufficient_credits, 406)
    assert "Balance" in err.server_message

    sim.reset()
    sim.config(spend_limit=1.0)
    err = _raises(sim, go)
    assert (err.kind, err.status) == (ErrorKind.spend_limit, 406)


@pytest.mark.parametrize(
    "marker, kind, words",
    [
        ("[sim:fail]", ErrorKind.job_failed, "no speech detected"),
        ("[sim:block]", ErrorKind.content_blocked, "safety filter"),
    ],
)
def test_failed_jobs_keep_the_server_text(sim, api, marker, kind, words):
    sim.config(fail_seconds=0.2)  # the status flips to FAILED within ~1 ms of sim time

    async def go():
        async with api() as client:
            job = await client.submit(await _inputs(client, prompt=f"Hello {marker}"))
            errors = []
            for call, url in ((client.status, job.status_url), (client.result, job.response_url)):
                try:
                    await call(url)
                except SegmindError as err:
                    errors.append(err)
            return errors

    for err in run(go()):
        assert (err.kind, err.status) == (kind, 422)
        assert words in err.server_message and words in err.message
        assert_no_key(sim.key, err)


def test_unknown_and_expired_requests_are_not_found(sim, api):
    async def go():
        async with api() as client:
            job = await client.submit(await _inputs(client))
            assert (await client.status(job.status_url)).status in ("QUEUED", "PROCESSING")
            assert sim.expire(job.request_id)
            errors = []
            for url in (job.status_url, client.response_url_for(job.request_id)):
                try:
                    await client.status(url) if url.endswith("/status") else await client.result(
                        url
                    )
                except SegmindError as err:
                    errors.append(err)
            return errors

    errors = run(go())
    assert [(e.kind, e.status) for e in errors] == [(ErrorKind.not_found, 404)] * 2

    async def unknown():
        async with api() as client:
            await client.status(client.status_url_for("no-such-request"))

    assert _raises(sim, unknown).kind == ErrorKind.not_found


def test_rate_limited_when_the_reset_is_beyond_the_deadline(sim, api):
    sim.config(rate_limit=1, rate_window_seconds=2000)  # 10 s window in sim time

    async def go():
        async with api(retry_deadline=0.5) as client:
            await client.credits()
            await client.credits()

    started = time.time()
    err = _raises(sim, go)
    assert (err.kind, err.status) == (ErrorKind.rate_limited, 429)
    assert err.retry_at == pytest.approx(started + 10, abs=1.0)
    assert time.time() - started < 1.0  # gave up at once: the reset is past the deadline


def test_server_errors_after_the_deadline(sim, api):
    sim.fault("status", "502", count=100)

    async def go():
        async with api(retry_deadline=0.3) as client:
            await client.status(client.status_url_for("abc"))

    err = _raises(sim, go)
    assert (err.kind, err.status) == (ErrorKind.server, 502)
    assert "error page" in err.message  # not the nginx HTML itself
    assert len([e for e in settled_log(sim) if e["path"].endswith("/status")]) >= 3


def test_network_errors(sim, api):
    port = free_port()  # nothing listens there

    async def refused():
        async with api(api_base=f"http://127.0.0.1:{port}", retry_deadline=0.1) as client:
            await client.credits()

    err = _raises(sim, refused)
    assert err.kind == ErrorKind.network and err.sent is False
    assert "127.0.0.1" in err.message

    sim.fault("credits", "drop", count=100)

    async def dropped():
        async with api(retry_deadline=0.2) as client:
            await client.credits()

    err = _raises(sim, dropped)
    assert err.kind == ErrorKind.network and "cut" in err.message


def test_timeouts_are_network_errors(sim, api):
    sim.config(latency=0.5)

    async def go():
        async with api(request_timeout=0.2, retry_deadline=0.1) as client:
            await client.credits()

    err = _raises(sim, go)
    assert err.kind == ErrorKind.network and "in time" in err.message


@pytest.mark.parametrize(
    "body, ctype, detail",
    [
        ("<html><body>Gateway login</body></html>", "text/html", "not readable data"),
        ('{"status": "QUEUED"', "application/json", "not readable data"),
        ('["QUEUED"]', "application/json", "unexpected shape"),
        ('{"status": 3}', "application/json", "unknown job status"),
        ('{"request_id": "x"}', "application/json", "unknown job status"),
    ],
)
def test_malformed_status_answers(sim, api, body, ctype, detail):
    sim.fault("status", "respond", status=200, body=body, headers={"Content-Type": ctype})

    async def go():
        async with api() as client:
            await client.status(client.status_url_for("abc"))

    err = _raises(sim, go)
    assert err.kind == ErrorKind.malformed and detail in err.message


def test_completed_result_without_a_video_link_is_malformed(sim, api):
    body = json.dumps({"status": "COMPLETED", "output": None, "metrics": {"cost": 1.41}})
    sim.fault("result", "respond", status=200, body=body)

    async def go():
        async with api() as client:
            await client.result(client.response_url_for("abc"))

    assert "no video link" in _raises(sim, go).message


def test_server_text_echoing_the_key_is_redacted(sim, api):
    body = json.dumps({"error": f"bad key {sim.key} for this model"})
    sim.fault("credits", "respond", count=5, status=403, body=body)  # a stray request may take one

    async def go():
        async with api() as client:
            await client.credits()

    err = _raises(sim, go)  # _raises checks that the key is nowhere in the error
    assert "[key redacted]" in err.server_message
