"""The retry rules over real HTTP: GETs retry, a submit is never paid for twice."""

from __future__ import annotations

import math

import pytest

from app.api.errors import ErrorKind, SegmindError
from app.api.pacing import RequestBudget
from tests.api.api_helpers import run, settled_log

SUBMIT = "/v2/higgsfield-speech2video"


def _entries(sim, path_part: str) -> list[dict]:
    return [e for e in settled_log(sim) if path_part in e["path"]]


async def _inputs(client) -> dict:
    image = await client.upload("tests/data/portrait-astronaut.png")
    audio = await client.upload("tests/data/voice-3s.wav")
    return {"input_image": image, "input_audio": audio, "prompt": "Hi.", "duration": 5}


@pytest.mark.parametrize("mode", ["500", "502", "504", "drop", "429"])
def test_status_polls_survive_transient_failures(sim, api, mode):
    sim.fault("status", mode, count=3, reset="none")
    retries = []

    async def go():
        async with api(on_retry=lambda *a: retries.append(a)) as client:
            job = await client.submit(await _inputs(client))
            return await client.status(job.status_url)

    assert run(go()).status in ("QUEUED", "PROCESSING", "COMPLETED")
    kind = {"drop": ErrorKind.network, "429": ErrorKind.rate_limited}.get(mode, ErrorKind.server)
    assert [(k, n) for k, n, _ in retries] == [(kind, 1), (kind, 2), (kind, 3)]
    assert all(0 < delay <= 0.05 for *_, delay in retries)  # capped backoff
    assert len(_entries(sim, "/status")) == 4


def test_result_and_credits_are_retried_too(sim, api):
    sim.fault("credits", "504", count=2)
    sim.fault("result", "drop", count=2)

    async def go():
        async with api() as client:
            credits = await client.credits()
            with pytest.raises(SegmindError) as caught:
                await client.result(client.response_url_for("unknown"))
            return credits, caught.value

    credits, err = run(go())
    assert credits.credits == 50.0
    assert err.kind == ErrorKind.not_found  # reached the service after two drops
    assert len(_entries(sim, "/v2/requests/")) == 3


def test_submit_dropped_after_the_service_took_it_is_not_resubmitted(sim, api):
    sim.fault("submit", "drop_after")

    async def go():
        async with api() as client:
            inputs = await _inputs(client)
            with pytest.raises(SegmindError) as caught:
                await client.submit(inputs)
            return caught.value

    err = run(go())
    assert err.kind == ErrorKind.network and err.sent is True
    assert len(sim.submits()) == 1  # accepted (and it will be billed) exactly once
    assert len(_entries(sim, SUBMIT)) == 1


@pytest.mark.parametrize("mode", ["drop", "500", "502"])
def test_submit_is_not_retried_once_the_request_may_have_arrived(sim, api, mode):
    sim.fault("submit", mode)

    async def go():
        async with api() as client:
            inputs = await _inputs(client)
            with pytest.raises(SegmindError) as caught:
                await client.submit(inputs)
            return caught.value

    err = run(go())
    assert err.sent is True
    assert err.kind == (ErrorKind.network if mode == "drop" else ErrorKind.server)
    assert len(_entries(sim, SUBMIT)) == 1


def test_submit_refused_before_sending_is_retried(sim, api, relay_factory, monkeypatch):
    """The first connection is refused (nothing listens yet), the retry goes through.

    The relay acts as an http proxy taken from the environment (HTTP_PROXY), so
    this also shows that proxies from the environment are used.
    """
    host, port = sim.api_base.removeprefix("http://").split(":")
    relay = relay_factory((host, int(port)))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{relay.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    retries = []

    def on_retry(kind, attempt, delay):
        retries.append((kind, attempt))
        if relay._server is None:
            relay.start()  # the proxy comes up while the client backs off

    # The uploads go around the proxy (NO_PROXY=*); only the submit uses it.
    monkeypatch.setenv("NO_PROXY", "*")

    async def uploads():
        async with api() as client:
            return await _inputs(client)

    inputs = run(uploads())
    monkeypatch.delenv("NO_PROXY")

    async def submit():
        async with api(on_retry=on_retry) as client:
            return await client.submit(inputs)

    job = run(submit())
    assert job.request_id
    assert retries == [(ErrorKind.network, 1)]
    assert relay.connections >= 1
    assert len(sim.submits()) == 1
    assert len(_entries(sim, SUBMIT)) == 1  # the refused attempt never reached the service


def test_submit_after_429_is_retried_once_the_limit_resets(sim, api):
    sim.fault("submit", "429", reset="iso", reset_seconds=60)  # 0.3 s in sim time

    async def go():
        async with api() as client:
            inputs = await _inputs(client)
            return await client.submit(inputs)

    assert run(go()).request_id
    assert len(sim.submits()) == 1
    first, second = _entries(sim, SUBMIT)
    assert first["status"] == 429 and second["status"] == 200
    assert second["t"] - first["t"] >= 0.29


@pytest.mark.parametrize("style, reset_seconds", [("iso", 100), ("epoch", 300)])
def test_429_honours_the_reset_header(sim, api, style, reset_seconds):
    sim.fault("credits", "429", reset=style, reset_seconds=reset_seconds)
    retries = []

    async def go():
        async with api(on_retry=lambda *a: retries.append(a)) as client:
            return await client.credits()

    assert run(go()).credits == 50.0
    first, second = _entries(sim, "/get-user-credits")
    reset = first["t"] + reset_seconds * 0.005
    if style == "epoch":
        reset = math.floor(reset)  # the header carries whole seconds
    assert second["t"] >= reset - 0.01
    assert retries[0][2] > 0.05  # waited for the reset, not the (capped) backoff


@pytest.mark.parametrize("style", ["none", "garbage"])
def test_429_without_a_usable_reset_falls_back_to_backoff(sim, api, style):
    sim.fault("credits", "429", reset=style, reset_seconds=2000)
    retries = []

    async def go():
        async with api(on_retry=lambda *a: retries.append(a)) as client:
            return await client.credits()

    assert run(go()).credits == 50.0
    assert len(retries) == 1 and retries[0][2] <= 0.05
    first, second = _entries(sim, "/get-user-credits")
    assert second["t"] - first["t"] < 0.5


def test_a_429_pauses_the_shared_budget(sim, api):
    budget = RequestBudget(0)
    sim.fault("credits", "429", reset="iso", reset_seconds=60)

    async def go():
        async with api(budget=budget) as client, api(budget=budget) as other:
            await client.credits()
            await other.credits()

    run(go())
    entries = _entries(sim, "/get-user-credits")
    assert [e["status"] for e in entries] == [429, 200, 200]
    assert budget.paused_until >= entries[0]["t"] + 0.29


def test_budget_paces_every_keyed_request(sim, api):
    budget = RequestBudget(3, window=0.4)

    async def go():
        async with api(budget=budget) as client:
            for _ in range(5):
                await client.credits()

    run(go())
    times = [e["t"] for e in _entries(sim, "/get-user-credits")]
    assert len(times) == 5
    assert times[3] - times[0] >= 0.38  # the 4th waited for the first to leave the window
