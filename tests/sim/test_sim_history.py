"""The account's request history over real HTTP: list, by id, lag, id forms, bodies, windows."""

from __future__ import annotations

import ast
import datetime as dt
import json
import time

import httpx
import pytest

from tests.simulator import (
    MODEL_PATH,
    PORTRAIT,
    VOICE_5S,
    api_client,
    history_rows,
    submit,
    upload,
    wait_until_done,
)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def test_history_url_is_on_the_api_origin(sim):
    assert sim.history_url == f"{sim.api_base}/inference-request/request-history"


def test_a_job_appears_as_pending_then_completed_with_cost_output_and_body(sim):
    sim.config(job_seconds=40)
    with api_client(sim) as c:
        job = submit(c, sim, prompt="History, please.", seed=7, quality="mid").json()
        (pending,) = history_rows(c, sim)
        assert pending["request_id"] == job["request_id"]
        assert (pending["model_status"], pending["credits_deduction"]) == ("PENDING", 0.0)
        assert pending["generation_url"] is None and pending["latency_ms"] is None
        wait_until_done(c, job["status_url"])
        output = c.get(job["response_url"]).json()["output"]
        (done,) = history_rows(c, sim)
    assert done["model_name"] == "higgsfield-speech2video"
    assert done["model_status"] == "COMPLETED"
    assert done["credits_deduction"] == 0.86
    assert done["generation_url"] == output
    assert done["latency_ms"] == pytest.approx(40_000, rel=0.3)  # service milliseconds
    body = done["request_body"]  # as sent: no defaults filled in
    assert body["prompt"] == "History, please." and body["seed"] == 7
    assert "enhance_prompt" not in body
    created = dt.datetime.fromisoformat(done["created_at"].replace("Z", "+00:00"))
    assert abs(created.timestamp() - time.time()) < 30
    assert done["updated_at"] >= done["created_at"] and done["error"] is None


def test_a_failed_job_has_its_error_and_no_cost(sim):
    with api_client(sim) as c:
        job = submit(c, sim, prompt="x [sim:fail]").json()
        wait_until_done(c, job["status_url"])
        (row,) = history_rows(c, sim, status="FAILED")
        assert history_rows(c, sim, status="COMPLETED") == []
    assert row["model_status"] == "FAILED" and row["credits_deduction"] == 0.0
    assert "no speech detected" in row["error"]


def test_lag_hides_new_requests_from_the_list_and_the_lookup_separately(sim):
    sim.config(history_lag=200, history_get_lag=100, job_seconds=20)  # 1 s and 0.5 s
    with api_client(sim) as c:
        job = submit(c, sim).json()
        one = f"{sim.history_url}/{job['request_id']}"
        assert history_rows(c, sim) == []
        assert c.get(one).status_code == 404
        time.sleep(0.6)
        assert c.get(one).status_code == 200
        assert history_rows(c, sim) == []
        time.sleep(0.5)
        assert [r["request_id"] for r in history_rows(c, sim)] == [job["request_id"]]


def test_dashless_ids_are_listed_and_both_forms_are_looked_up(sim):
    sim.config(history_dashless_ids=True)
    with api_client(sim) as c:
        rid = submit(c, sim).json()["request_id"]
        (row,) = history_rows(c, sim)
        assert row["request_id"] == rid.replace("-", "") and len(row["request_id"]) == 32
        for form in (rid, rid.replace("-", ""), rid.upper()):
            got = c.get(f"{sim.history_url}/{form}")
            assert got.status_code == 200 and got.json()["request_id"] == row["request_id"]


@pytest.mark.parametrize(
    "style, read",
    [("object", lambda b: b), ("repr", ast.literal_eval), ("json_string", json.loads)],
)
def test_request_body_styles(sim, style, read):
    sim.config(history_body=style)
    with api_client(sim) as c:
        submit(c, sim, prompt='it\'s "quoted"', enhance_prompt=True)
        (row,) = history_rows(c, sim)
    body = row["request_body"]
    assert isinstance(body, dict if style == "object" else str)
    parsed = read(body)
    assert parsed["prompt"] == 'it\'s "quoted"' and parsed["enhance_prompt"] is True
    if style == "repr":
        assert body.startswith("{'prompt': ")  # like the SDK's own test fixture


def test_only_the_calling_keys_requests(sim):
    sim.config(keys=["SG_a", "SG_b"])
    with api_client(sim, "SG_a") as a, api_client(sim, "SG_b") as b:
        rid = submit(a, sim).json()["request_id"]
        assert len(history_rows(a, sim)) == 1
        assert history_rows(b, sim) == []
        assert b.get(f"{sim.history_url}/{rid}").status_code == 404
    with api_client(sim, key=None) as nobody:
        assert nobody.get(sim.history_url).status_code == 401


def test_paging_sorting_and_model_filter(sim):
    sim.seed_history(count=45, days_ago=1, spacing_seconds=60, credits_deduction=1.41)
    sim.seed_history(model_name="flux-schnell", credits_deduction=0.01)
    with api_client(sim) as c:
        pages = [
            history_rows(c, sim, page=p, per_page=20, model_name="speech2video")
            for p in (1, 2, 3, 4)
        ]
        assert [len(p) for p in pages] == [20, 20, 5, 0]
        listed = [r["created_at"] for p in pages for r in p]
        assert listed == sorted(listed, reverse=True)
        assert len({r["request_id"] for p in pages for r in p}) == 45
        oldest_first = history_rows(c, sim, sort_order="asc", per_page=100)
        assert oldest_first[0]["created_at"] < oldest_first[-1]["created_at"]
        cheap = history_rows(c, sim, sort_by="credits_deduction", sort_order="asc")[0]
        assert cheap["model_name"] == "flux-schnell"
        assert len(history_rows(c, sim, per_page=100)) == 46


def test_a_request_with_several_outputs_is_listed_once_per_output(sim):
    (rid,) = sim.seed_history(outputs=2, credits_deduction=2.81)
    with api_client(sim) as c:
        listed = history_rows(c, sim)
    assert [r["request_id"] for r in listed] == [rid, rid]
    assert [r["credits_deduction"] for r in listed] == [2.81, 2.81]


def test_date_windows_default_to_the_last_7_days_and_span_at_most_31(sim):
    sim.seed_history(days_ago=3, request_body={"prompt": "recent"})
    sim.seed_history(days_ago=12, request_body={"prompt": "older"})
    sim.seed_history(days_ago=45, request_body={"prompt": "old"})
    with api_client(sim) as c:

        def prompts(**params):
            return [r["request_body"]["prompt"] for r in history_rows(c, sim, **params)]

        assert prompts() == ["recent"]
        t = today()
        month = {"from_date": str(t - dt.timedelta(days=30)), "to_date": str(t)}
        assert prompts(**month) == ["recent", "older"]
        old = t - dt.timedelta(days=45)
        assert prompts(from_date=str(old), to_date=str(old)) == ["old"]
        too_long = c.get(sim.history_url, params={"from_date": str(t - dt.timedelta(days=31))})
        assert too_long.status_code == 400 and "31 days" in too_long.json()["error"]


@pytest.mark.parametrize(
    "params, word",
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"page": "x"}, "page"),
        ({"from_date": "01/02/2026"}, "from_date"),
        ({"from_date": "2026-02-02", "to_date": "2026-02-01"}, "from_date"),
        ({"status": "DONE"}, "status"),
        ({"sort_by": "price"}, "sort_by"),
        ({"sort_order": "up"}, "sort_order"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(sim, params, word):
    with api_client(sim) as c:
        r = c.get(sim.history_url, params=params)
    assert r.status_code == 400 and word in r.json()["error"]


def test_the_lookup_outlives_the_retention_and_so_does_the_video(sim):
    sim.config(job_seconds=20, output_retention_seconds=400)  # files kept 2 s
    with api_client(sim) as c:
        job = submit(c, sim).json()
        wait_until_done(c, job["status_url"])
        assert sim.expire(job["request_id"])
        assert c.get(job["status_url"]).status_code == 404
        assert c.get(job["response_url"]).status_code == 404
        row = c.get(f"{sim.history_url}/{job['request_id']}").json()
        assert row["model_status"] == "COMPLETED"
        video = httpx.get(row["generation_url"])
        assert video.status_code == 200 and video.content[4:8] == b"ftyp"
        time.sleep(2.1)
        assert httpx.get(row["generation_url"]).status_code == 404  # past the file's retention
        assert c.get(f"{sim.history_url}/{job['request_id']}").status_code == 200
    assert sim.job(job["request_id"])["expired"] is True


def test_an_old_request_is_found_by_id_outside_any_window(sim):
    (rid,) = sim.seed_history(days_ago=400, status="FAILED", error="boom")
    with api_client(sim) as c:
        assert history_rows(c, sim) == []
        got = c.get(f"{sim.history_url}/{rid}")
    assert got.status_code == 200
    assert (got.json()["model_status"], got.json()["error"]) == ("FAILED", "boom")


def test_unknown_id_is_404_naming_it(sim):
    with api_client(sim) as c:
        r = c.get(f"{sim.history_url}/0123456789abcdef0123456789abcdef")
    assert r.status_code == 404
    assert r.json() == {"error": "Request 0123456789abcdef0123456789abcdef not found"}


@pytest.mark.parametrize("code", [404, 500])
def test_history_off_answers_every_history_request_with_an_error(sim, code):
    sim.config(history_off=code)
    with api_client(sim) as c:
        rid = submit(c, sim).json()["request_id"]
        assert c.get(sim.history_url).status_code == code
        assert c.get(f"{sim.history_url}/{rid}").status_code == code
        assert c.get("/v1/get-user-credits").status_code == 200  # the rest still works


def test_history_faults_and_the_rate_limit_apply(sim):
    sim.fault("history", "502")
    sim.config(rate_limit=2)
    with api_client(sim) as c:
        assert c.get(sim.history_url).status_code == 502
        assert c.get(sim.history_url).status_code == 200
        assert c.get(sim.history_url).status_code == 200
        assert c.get(sim.history_url).status_code == 429


def test_drop_after_accept_makes_the_job_but_loses_the_answer(sim):
    sim.config(drop_after_accept=1, job_seconds=20)
    with api_client(sim) as c:
        image, audio = upload(c, sim, PORTRAIT, VOICE_5S)
        sent = {"input_image": image, "input_audio": audio, "prompt": "lost answer", "seed": 5}
        with pytest.raises(httpx.RemoteProtocolError):
            c.post(MODEL_PATH, json=sent)
        (accepted,) = sim.submits()
        assert accepted["answered"] is False and accepted["body"] == sent
        time.sleep(0.2)
        (row,) = history_rows(c, sim)
        assert row["request_id"] == accepted["request_id"]
        assert row["model_status"] == "COMPLETED"
        assert c.post(MODEL_PATH, json=sent).status_code == 200  # the count was one
    stats = sim.stats()
    assert stats["accepted_submits"] == 2
    assert [g["count"] for g in stats["submits_by_body"]] == [2]
    assert [s["answered"] for s in sim.submits()] == [False, True]
    assert sim.job(accepted["request_id"])["answered"] is False


def test_drop_after_accept_rate_is_repeatable_with_the_seed(sim):
    def answered():
        sim.reset()
        sim.config(drop_after_accept_rate=0.5, seed=3)
        with api_client(sim) as c:
            image, audio = upload(c, sim, PORTRAIT, VOICE_5S)
            for i in range(8):
                try:
                    c.post(
                        MODEL_PATH, json={"input_image": image, "input_audio": audio, "seed": i + 1}
                    )
                except httpx.RemoteProtocolError:
                    pass
        return [s["answered"] for s in sim.submits()]

    first = answered()
    assert len(first) == 8 and True in first and False in first
    assert answered() == first


def test_stats_count_keyed_requests_per_host_and_target(sim):
    with api_client(sim) as c:
        submit(c, sim)
        c.get(sim.history_url)
    httpx.get(f"{sim.video_origin}/videos/none.mp4")
    stats = sim.stats()
    assert stats["keyed_by_host"] == {sim.api_base.removeprefix("http://"): 3}
    assert stats["keyed_by_target"] == {"upload": 1, "submit": 1, "history": 1}
