"""SegmindClient's request history over real HTTP against the simulator: pages, lookups,
the paging lister, the search for a lost submit answer, month sums, degradation."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time

import pytest

from app.api import history
from app.api.errors import ErrorKind, SegmindError
from app.api.pacing import RequestBudget
from tests.api.api_helpers import run, settled_log


@pytest.fixture
def hapi(api, sim):
    """`hapi(**overrides)`: a client with the simulator's request history."""

    def make(**kw):
        return api(history_url=kw.pop("history_url", sim.history_url), **kw)

    return make


async def inputs_for(client, **fields) -> dict:
    image = await client.upload("tests/data/portrait-astronaut.png")
    audio = await client.upload("tests/data/voice-3s.wav")
    return {"input_image": image, "input_audio": audio, "prompt": "Hi.", "duration": 5, **fields}


async def lost_submit(client, sent: dict) -> None:
    with pytest.raises(SegmindError) as caught:
        await client.submit(sent)
    assert caught.value.kind == ErrorKind.network and caught.value.sent is True


def history_requests(sim) -> list[dict]:
    return [e for e in settled_log(sim) if e["target"] == "history"]


def test_a_page_and_a_lookup_of_a_finished_job(sim, hapi):
    sim.config(job_seconds=20, history_dashless_ids=True, history_body="repr")

    async def go():
        async with hapi() as client:
            sent = await inputs_for(client, seed=77, enhance_prompt=True)
            job = await client.submit(sent)
            while (await client.status(job.status_url)).status != "COMPLETED":
                await asyncio.sleep(0.05)
            page = await client.history_page(page=1, per_page=100, model_name=history.MODEL)
            return job, sent, page, await client.history_get(job.request_id)

    job, sent, page, one = run(go())
    (listed,) = page.rows
    assert page.listed == 1 and page.skipped == 0
    assert listed == one
    assert one.request_id == job.request_id  # listed without dashes, read as the dashed UUID
    assert (one.status, one.cost, one.model_name) == ("COMPLETED", 1.41, "higgsfield-speech2video")
    assert one.request_body == sent and history.matches(one, sent)
    assert one.generation_url.startswith(sim.video_origin + "/videos/")
    assert one.created <= time.time() and one.updated >= one.created and one.latency_ms > 0


def test_an_unknown_id_is_none_but_a_missing_route_is_an_error(sim, hapi):
    async def lookup():
        async with hapi() as client:
            return await client.history_get("0123456789abcdef0123456789abcdef")

    assert run(lookup()) is None
    sim.config(history_off=404)
    with pytest.raises(SegmindError) as caught:
        run(lookup())
    assert caught.value.kind == ErrorKind.malformed and caught.value.status == 404
    assert "request history" in caught.value.message


def test_history_gets_retried_like_other_gets(sim, hapi):
    sim.fault("history", "502")
    sim.fault("history", "drop")
    sim.fault("history", "429", reset_seconds=10)

    async def go():
        budget = RequestBudget(0)
        async with hapi(budget=budget) as client:
            page = await client.history_page()
            return page, budget.paused_until

    page, paused = run(go())
    assert page.rows == [] and paused > 0  # the 429 paused the shared budget
    assert [e["status"] for e in history_requests(sim)] == [502, 0, 429, 200]


def test_history_off_500_gives_up_as_a_server_error(sim, hapi):
    sim.config(history_off=500)

    async def go():
        async with hapi(retry_deadline=0.2) as client:
            await client.history_page()

    with pytest.raises(SegmindError) as caught:
        run(go())
    assert caught.value.kind == ErrorKind.server and caught.value.exit_code == 5


def test_history_requests_are_counted_in_the_request_budget(sim, hapi):
    budget = RequestBudget(2, window=600)

    async def go():
        async with hapi(budget=budget) as client:
            await client.history_page()
            await client.history_get("0123456789abcdef0123456789abcdef")
            return budget.wait_time()

    assert run(go()) > 500


def test_without_a_history_address_the_client_says_so(sim, api):
    async def go():
        async with api() as client:
            assert not client.has_history
            await client.history_page()

    with pytest.raises(history.NoHistory) as caught:
        run(go())
    assert caught.value.exit_code == 5 and "SEGMIND_HISTORY_URL" in str(caught.value)
    assert caught.value.sent is False
    assert history_requests(sim) == []


def test_the_lister_pages_until_a_short_page_in_windows_of_31_days(sim, hapi):
    ids = sim.seed_history(count=250, days_ago=1, spacing_seconds=4 * 3600)  # ~42 days back
    today = dt.datetime.now(dt.UTC).date()
    first = today - dt.timedelta(days=45)

    async def go():
        async with hapi() as client:
            return await history.list_rows(client, first, today)

    rows = run(go())
    assert sorted(r.request_id for r in rows) == sorted(ids)
    windows = history.date_windows(first, today)
    assert len(windows) == 2
    per_window = [sum(a <= history.utc_day(r.created) <= b for r in rows) for a, b in windows]
    pages = sum(n // history.MAX_PER_PAGE + 1 for n in per_window)
    assert len(history_requests(sim)) == pages


def test_the_lister_stops_when_the_service_ignores_the_page(sim, hapi):
    full = {"data": [{"request_id": f"{i:032x}"} for i in range(100)]}
    sim.fault("history", "respond", count=5, status=200, body=json.dumps(full))

    async def go():
        async with hapi() as client:
            today = dt.datetime.now(dt.UTC).date()
            return await history.list_rows(client, today, today)

    assert len(run(go())) == 100
    assert len(history_requests(sim)) == 2


@pytest.mark.parametrize("lag", [0, 150])  # 0.75 s: the first searches see nothing
def test_search_finds_a_submit_whose_answer_was_lost(sim, hapi, lag):
    sim.config(drop_after_accept=1, history_lag=lag, history_dashless_ids=True, history_body="repr")

    async def go():
        async with hapi() as client:
            sent = await inputs_for(client, seed=9)
            since = time.time()
            await lost_submit(client, sent)
            tries = 0
            while not (found := await history.search(client, sent, since, time.time())):
                tries += 1
                await asyncio.sleep(0.2)
            return found, tries

    found, tries = run(go())
    (accepted,) = sim.submits()
    assert [r.request_id for r in found] == [accepted["request_id"]]
    assert accepted["answered"] is False
    assert (tries > 0) == (lag > 0)
    assert sim.stats()["accepted_submits"] == 1


def test_search_sees_two_identical_submits_as_two_candidates(sim, hapi):
    async def go():
        async with hapi() as client:
            sent = await inputs_for(client)
            since = time.time()
            await client.submit(sent)
            await client.submit(sent)
            await client.submit(sent | {"seed": 43})  # same uploads, another take
            return await history.search(client, sent, since, time.time())

    found = run(go())
    assert len(found) == 2  # ambiguous: the caller must not adopt either
    assert all("seed" not in r.request_body for r in found)  # not the take with seed 43


def test_search_ignores_requests_outside_the_time_window(sim, hapi):
    async def go():
        async with hapi() as client:
            sent = await inputs_for(client)
            await client.submit(sent)
            later = time.time() + 3600
            return await history.search(client, sent, later, later + 60, slack=60)

    assert run(go()) == []


def test_month_spend_from_the_history(sim, hapi):
    now = dt.datetime.now(dt.UTC)
    month = now.strftime("%Y-%m")
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    (mine,) = sim.seed_history(created_at=first.timestamp() + 60, credits_deduction=2.81)
    sim.seed_history(created_at=first.timestamp() + 120, credits_deduction=1.72, outputs=3)
    sim.seed_history(created_at=first.timestamp() + 180, model_name="flux-dev", credits_deduction=5)
    sim.seed_history(created_at=first.timestamp() - 60, credits_deduction=4.22)  # last month
    sim.seed_history(created_at=first.timestamp() + 240, key="SG_other", credits_deduction=9)

    async def go():
        async with hapi() as client:
            start, end = history.month_days(month)
            rows = await history.list_rows(client, start, end)
            return history.month_spend(rows, month, made_here=[mine])

    spend = run(go())
    assert spend.to_dict() == {
        "month": month,
        "total_usd": 4.53,
        "requests": 2,
        "made_here_usd": 2.81,
        "made_here_requests": 1,
    }


def test_an_expired_job_is_downloaded_through_its_history_record(sim, hapi, downloader, tmp_path):
    sim.config(job_seconds=20)

    async def go():
        async with hapi() as client, downloader() as d:
            job = await client.submit(await inputs_for(client))
            while (await client.status(job.status_url)).status != "COMPLETED":
                await asyncio.sleep(0.05)
            sim.expire(job.request_id)
            with pytest.raises(SegmindError) as gone:
                await client.result(job.response_url)
            assert gone.value.kind == ErrorKind.not_found
            record = await client.history_get(job.request_id)
            await d.download(record.generation_url, tmp_path / "v.mp4")
            return job, record

    job, record = run(go())
    assert record.status == "COMPLETED" and record.cost == 1.41
    assert (tmp_path / "v.mp4").stat().st_size == sim.job(job.request_id)["size"]
    video = [e for e in settled_log(sim) if e["origin"] == "video"]
    assert video and not any(e["key_present"] for e in video)
