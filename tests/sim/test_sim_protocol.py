"""The simulator speaks the Segmind protocol of docs/segmind-api.md over real HTTP."""

from __future__ import annotations

import time
from datetime import datetime

import httpx
import pytest

from tests.simulator import MODEL_PATH, api_client, submit, wait_until_done


def test_missing_key_is_401_with_an_error_message(sim):
    with api_client(sim, key=None) as c:
        r = c.get("/v1/get-user-credits")
    assert r.status_code == 401
    assert "x-api-key" in r.json()["error"]


def test_unknown_key_is_401_invalid_api_key(sim):
    with api_client(sim, key="SG_0000000000000000") as c:
        r = c.post(MODEL_PATH, json={})
    assert r.status_code == 401
    assert r.json() == {
        "error": "invalid_api_key",
        "error_description": "The API key is invalid or has expired",
        "status_code": 401,
    }


def test_wrong_content_type_is_406_plain_text(sim):
    with api_client(sim) as c:
        r = c.post(MODEL_PATH, content=b"input_image=x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 406
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == "Invalid content type"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"input_image": None}, "input_image"),
        ({"input_audio": "ftp://x/y.wav"}, "input_audio"),
        ({"duration": 7}, "duration"),
        ({"quality": "ultra"}, "quality"),
        ({"seed": 0}, "seed"),
        ({"enhance_prompt": "yes"}, "enhance_prompt"),
        ({"prompt": ""}, "prompt"),
    ],
)
def test_bad_field_is_400_naming_it(sim, change, field):
    body = {"input_image": "https://x/a.png", "input_audio": "https://x/a.wav", **change}
    body = {k: v for k, v in body.items() if v is not None}
    with api_client(sim) as c:
        r = c.post(MODEL_PATH, json=body)
    assert r.status_code == 400
    assert field in r.json()["error"]
    assert sim.submits() == []


def test_audio_that_is_not_wav_is_400_invalid_audio_format(sim):
    from tests.simulator import DATA, PORTRAIT, upload

    with api_client(sim) as c:
        image, mp3 = upload(c, sim, PORTRAIT, DATA / "voice-3s.mp3")
        r = submit(c, sim, input_image=image, input_audio=mp3)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_audio_format"


def test_job_goes_queued_processing_completed_within_the_scaled_time(sim):
    with api_client(sim) as c:
        t0 = time.monotonic()
        r = submit(c, sim)
        assert r.status_code == 200
        job = r.json()
        assert job["status"] == "QUEUED"
        rid = job["request_id"]
        assert job["status_url"] == f"{sim.api_base}/v2/requests/{rid}/status"
        assert job["response_url"] == f"{sim.api_base}/v2/requests/{rid}"
        assert job["poll_url"] == f"{sim.api_base}/v1/requests/{rid}"
        seen = []
        while not seen or seen[-1] != "COMPLETED":
            s = c.get(job["status_url"])
            assert s.status_code == 200
            assert "output" not in s.json()
            if not seen or seen[-1] != s.json()["status"]:
                seen.append(s.json()["status"])
            assert time.monotonic() - t0 < 10
            time.sleep(0.02)
        elapsed = time.monotonic() - t0
        result = c.get(job["response_url"]).json()
    assert seen == ["QUEUED", "PROCESSING", "COMPLETED"]
    assert 330 * 0.005 * 0.9 <= elapsed < 330 * 0.005 + 3
    assert result["status"] == "COMPLETED"
    assert result["error"] is None
    assert result["output"] == f"{sim.video_origin}/videos/{rid}.mp4"
    assert set(result["metrics"]) >= {"cost", "remaining_credits", "inference_time", "total_time"}
    assert result["metrics"]["cost"] == 1.41
    assert result["video"]["content_type"] == "video/mp4"
    assert result["video"]["file_size"] > 10_000


def test_result_before_completion_has_status_and_no_output(sim):
    with api_client(sim) as c:
        job = submit(c, sim).json()
        r = c.get(job["response_url"])
    assert r.status_code == 200
    assert r.json()["status"] in ("QUEUED", "PROCESSING")
    assert "output" not in r.json()


@pytest.mark.parametrize(
    ("marker", "message"),
    [("[sim:fail]", "no speech detected"), ("[sim:block]", "safety filter")],
)
def test_failed_job_is_422_on_status_and_result_and_not_billed(sim, marker, message):
    with api_client(sim) as c:
        job = submit(c, sim, prompt=f"hello {marker}").json()
        s = wait_until_done(c, job["status_url"])
        r = c.get(job["response_url"])
        credits = c.get("/v1/get-user-credits").json()["credits"]
    for resp in (s, r):
        assert resp.status_code == 422
        body = resp.json()
        assert body["status"] == "FAILED"
        assert message in body["error"]
        assert body["request_id"] == job["request_id"]
    assert credits == 50.0


def test_slow_marker_takes_twice_the_time(sim):
    sim.config(job_seconds=40)
    with api_client(sim) as c:
        t0 = time.monotonic()
        job = submit(c, sim, prompt="slowly [sim:slow]").json()
        wait_until_done(c, job["status_url"])
    assert time.monotonic() - t0 >= 2 * 40 * 0.005 * 0.9


def test_unknown_and_expired_requests_are_404(sim):
    sim.config(job_seconds=20)
    with api_client(sim) as c:
        r = c.get("/v2/requests/nope/status")
        assert r.status_code == 404
        assert r.json() == {"error": "Request nope not found"}
        job = submit(c, sim).json()
        assert c.get(job["status_url"]).status_code == 200
        assert sim.expire(job["request_id"])
        for url in (job["status_url"], job["response_url"]):
            r = c.get(url)
            assert r.status_code == 404
            assert r.json()["error"] == f"Request {job['request_id']} not found"


def test_requests_expire_after_the_scaled_retention(sim):
    sim.config(retention_seconds=60, job_seconds=20)  # 0.3 s and 0.1 s
    with api_client(sim) as c:
        job = submit(c, sim).json()
        assert wait_until_done(c, job["status_url"]).status_code == 200
        time.sleep(0.35)
        assert c.get(job["status_url"]).status_code == 404


def test_credits_are_billed_at_completion_per_key(sim):
    sim.config(keys=["SG_a", "SG_b"], credits=10.0, job_seconds=40)
    with api_client(sim, "SG_a") as a, api_client(sim, "SG_b") as b:
        job = submit(a, sim, duration=10, quality="mid").json()
        assert a.get("/v1/get-user-credits").json() == {"credits": 10.0, "free-credits": 0.0}
        wait_until_done(a, job["status_url"])
        assert a.get("/v1/get-user-credits").json()["credits"] == pytest.approx(10 - 1.72)
        assert b.get("/v1/get-user-credits").json()["credits"] == 10.0
        metrics = a.get(job["response_url"]).json()["metrics"]
    assert metrics["cost"] == 1.72
    assert metrics["remaining_credits"] == pytest.approx(8.28)


def test_insufficient_credits_is_406_with_balance_and_need(sim):
    sim.config(credits=1.0)
    with api_client(sim) as c:
        r = submit(c, sim, duration=15)
    assert r.status_code == 406
    assert r.json()["error"] == "Insufficient credits. Balance: $1.00, required: $4.22"
    assert sim.submits() == []


def test_spend_limit_is_406_with_its_own_message(sim):
    sim.config(spend_limit=2.0)
    with api_client(sim) as c:
        r = submit(c, sim, duration=10)
    assert r.status_code == 406
    assert "spend limit" in r.json()["error"].lower()


def test_rate_limit_is_429_with_iso_reset_header_and_no_retry_after(sim):
    sim.config(rate_limit=3, rate_window_seconds=200)  # 1 s windows
    with api_client(sim) as c:
        codes = [c.get("/v1/get-user-credits").status_code for _ in range(4)]
        r = c.get("/v1/get-user-credits")
    assert codes == [200, 200, 200, 429]
    assert "retry-after" not in r.headers
    reset = datetime.fromisoformat(r.headers["x-rate-limit-reset-at-utc"].replace("Z", "+00:00"))
    assert 0 < reset.timestamp() - time.time() <= 1.1
    time.sleep(reset.timestamp() - time.time() + 0.05)
    with api_client(sim) as c:
        assert c.get("/v1/get-user-credits").status_code == 200
    limited = [e for e in sim.log() if e["status"] == 429]
    assert limited and not any(e["injected"] for e in limited)


def test_rate_limit_is_per_key(sim):
    sim.config(keys=["SG_a", "SG_b"], rate_limit=1, rate_window_seconds=2000)
    with api_client(sim, "SG_a") as a, api_client(sim, "SG_b") as b:
        assert a.get("/v1/get-user-credits").status_code == 200
        assert a.get("/v1/get-user-credits").status_code == 429
        assert b.get("/v1/get-user-credits").status_code == 200


def test_burst_429_answers_the_next_requests_with_429(sim):
    sim.config(burst_429=2)
    with api_client(sim) as c:
        codes = [c.get("/v1/get-user-credits").status_code for _ in range(3)]
    assert codes == [429, 429, 200]
    assert [e["injected"] for e in sim.log()] == [True, True, False]


def test_submits_are_recorded_for_the_tests(sim):
    with api_client(sim) as c:
        job = submit(c, sim, seed=7, quality="mid", prompt="p").json()
    (record,) = sim.submits()
    assert record["request_id"] == job["request_id"]
    assert (record["seed"], record["quality"], record["prompt"], record["duration"]) == (
        7,
        "mid",
        "p",
        5,
    )
    view = sim.job(job["request_id"])
    assert view["status"] in ("QUEUED", "PROCESSING")


def test_unknown_path_is_404_and_get_on_submit_is_405_html(sim):
    with api_client(sim) as c:
        assert c.get("/v2/nope").status_code == 404
        r = c.get(MODEL_PATH)
    assert r.status_code == 405
    assert r.headers["content-type"].startswith("text/html")


def test_reset_restores_start_options_and_forgets_jobs(sim):
    sim.config(credits=3.0, rate_limit=2)
    with api_client(sim) as c:
        c.get("/v1/get-user-credits")
    sim.reset()
    assert sim.log() == []
    opts = sim.options()
    assert opts["credits"] == 50.0 and opts["rate_limit"] == 0
    with httpx.Client() as c:
        r = c.get(f"{sim.api_base}/v1/get-user-credits", headers={"x-api-key": sim.key})
    assert r.json()["credits"] == 50.0
