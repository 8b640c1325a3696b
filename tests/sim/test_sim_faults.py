"""Fault injection: gateway errors, 429 resets, drops (before and after the work), truncation."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.simulator import (
    MODEL_PATH,
    PORTRAIT,
    VOICE_5S,
    api_client,
    submit,
    upload,
    wait_until_done,
)


@pytest.mark.parametrize("code", [500, 502, 504])
@pytest.mark.parametrize("target", ["status", "credits"])
def test_gateway_errors_have_html_bodies_and_are_one_shot(sim, code, target):
    sim.fault(target, str(code))
    with api_client(sim) as c:
        url = "/v1/get-user-credits" if target == "credits" else "/v2/requests/x/status"
        r = c.get(url)
        assert r.status_code == code
        assert r.headers["content-type"].startswith("text/html")
        assert "<html>" in r.text
        assert c.get(url).status_code in (200, 404)
    assert [e["injected"] for e in sim.log()] == [True, False]


@pytest.mark.parametrize(
    ("style", "check"),
    [
        ("iso", lambda v: v.endswith("Z") and "T" in v),
        ("epoch", lambda v: v.isdigit()),
        ("garbage", lambda v: v == "soon-ish"),
        ("none", lambda v: v is None),
    ],
)
def test_injected_429_reset_header_styles(sim, style, check):
    sim.fault("result", "429", reset=style)
    with api_client(sim) as c:
        r = c.get("/v2/requests/x")
    assert r.status_code == 429
    assert check(r.headers.get("x-rate-limit-reset-at-utc"))
    assert "retry-after" not in r.headers


def test_respond_fault_answers_what_it_is_told(sim):
    sim.fault("credits", "respond", status=403, body="nope", headers={"Content-Type": "text/plain"})
    with api_client(sim) as c:
        r = c.get("/v1/get-user-credits")
    assert (r.status_code, r.text, r.headers["content-type"]) == (403, "nope", "text/plain")


def test_drop_closes_before_doing_anything(sim):
    sim.fault("submit", "drop")
    with api_client(sim) as c:
        image, audio = upload(c, sim, PORTRAIT, VOICE_5S)
        with pytest.raises(httpx.RemoteProtocolError):
            c.post(MODEL_PATH, json={"input_image": image, "input_audio": audio, "prompt": "x"})
    assert sim.submits() == []
    assert sim.log()[-1] | {"t": 0} == {
        "t": 0,
        "origin": "api",
        "method": "POST",
        "path": MODEL_PATH,
        "host": sim.api_base.removeprefix("http://"),
        "target": "submit",
        "status": 0,
        "key_present": True,
        "key_ok": True,
        "injected": True,
        "dropped": True,
    }


def test_drop_after_submit_accepts_and_bills_but_never_answers(sim):
    """The case a client must never retry: the job exists and costs money."""
    sim.config(job_seconds=20)
    sim.fault("submit", "drop_after")
    with api_client(sim) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            submit(c, sim)
        (record,) = sim.submits()
        rid = record["request_id"]
        status_url = f"{sim.api_base}/v2/requests/{rid}/status"
        assert wait_until_done(c, status_url).json()["status"] == "COMPLETED"
        assert c.get("/v1/get-user-credits").json()["credits"] == pytest.approx(50 - 1.41)
    assert sim.job(rid)["billed"] is True
    entry = [e for e in sim.log() if e["path"] == MODEL_PATH][-1]
    assert entry["dropped"] and entry["injected"]


def test_drop_after_on_status_keeps_the_job(sim):
    with api_client(sim) as c:
        job = submit(c, sim).json()
        sim.fault("status", "drop_after")
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(job["status_url"])
        assert c.get(job["status_url"]).status_code == 200


def test_truncate_sends_half_the_video_then_closes_and_range_resumes(sim):
    sim.config(job_seconds=20)
    with api_client(sim) as c:
        job = submit(c, sim).json()
        wait_until_done(c, job["status_url"])
        url = c.get(job["response_url"]).json()["output"]
    whole = httpx.get(url).content
    sim.fault("video", "truncate")
    got = bytearray()
    with pytest.raises(httpx.RemoteProtocolError), httpx.stream("GET", url) as r:
        assert r.headers["content-length"] == str(len(whole))
        for chunk in r.iter_raw():
            got += chunk
    assert 0 < len(got) < len(whole)
    rest = httpx.get(url, headers={"Range": f"bytes={len(got)}-"})
    assert rest.status_code == 206
    assert bytes(got) + rest.content == whole
    truncated = [e for e in sim.log() if e["origin"] == "video" and e["dropped"]]
    assert len(truncated) == 1 and truncated[0]["injected"]


def test_throttle_paces_downloads(sim):
    sim.config(job_seconds=20, throttle_bps=400_000)
    with api_client(sim) as c:
        job = submit(c, sim).json()
        wait_until_done(c, job["status_url"])
        url = c.get(job["response_url"]).json()["output"]
    t0 = time.monotonic()
    size = len(httpx.get(url, headers={"Range": "bytes=0-99999"}).content)
    assert size == 100_000
    assert time.monotonic() - t0 >= 100_000 / 400_000 * 0.8


def test_latency_delays_every_api_answer(sim):
    sim.config(latency=0.2)
    with api_client(sim) as c:
        t0 = time.monotonic()
        c.get("/v1/get-user-credits")
    assert time.monotonic() - t0 >= 0.2


def test_random_error_rate_is_seeded_and_marked_injected(sim):
    sim.config(error_rate=0.5, seed=3)
    with api_client(sim) as c:
        codes = [c.get("/v1/get-user-credits").status_code for _ in range(30)]
    assert {500, 502, 504} & set(codes) and 200 in codes
    for entry, code in zip(sim.log(), codes, strict=True):
        assert entry["injected"] == (code != 200)


def test_bad_fault_requests_are_refused(sim):
    r = sim.http.post("/faults", json={"target": "everything", "mode": "500"})
    assert r.status_code == 400 and "target" in r.json()["error"]
    r = sim.http.post("/faults", json={"target": "submit", "mode": "explode"})
    assert r.status_code == 400 and "mode" in r.json()["error"]


def test_the_log_never_holds_the_key(sim):
    with api_client(sim) as c:
        submit(c, sim)
        c.get("/v1/get-user-credits")
    raw = sim.http.get("/log").text
    assert sim.key not in raw
    assert all(e["key_present"] and e["key_ok"] for e in sim.log())
