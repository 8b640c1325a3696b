"""Segmind's own SDK (segmind 1.3.0) runs its v2 async flow and reads the request history.

No patching for the v2 flow: `SegmindClient(base_url=...)` takes the simulator's `/v1` base
and the SDK derives `/v2` from it; status and result URLs are followed as returned. The
history's address is a module constant (`segmind.generations.REQUEST_HISTORY_URL`): the
history tests point it at the simulator.
"""

from __future__ import annotations

import importlib

import pytest

segmind = pytest.importorskip("segmind")
from segmind import SegmindClient  # noqa: E402
from segmind.exceptions import SegmindError as SdkError  # noqa: E402
from segmind.v2 import InferenceFailed  # noqa: E402

from tests.simulator import PORTRAIT, VOICE_5S, api_client, upload  # noqa: E402


def sdk_client(sim) -> SegmindClient:
    return SegmindClient(api_key=sim.key, base_url=f"{sim.api_base}/v1")


def inputs(sim) -> dict:
    with api_client(sim) as c:
        image, audio = upload(c, sim, PORTRAIT, VOICE_5S)
    return {"input_image": image, "input_audio": audio, "duration": 5, "quality": "mid"}


def test_sdk_submit_async_and_wait_gets_the_completed_result(sim):
    sim.config(job_seconds=40)
    client = sdk_client(sim)
    job = client.submit_async("higgsfield-speech2video", prompt="Hello from the SDK", **inputs(sim))
    assert job.status_url == f"{sim.api_base}/v2/requests/{job.request_id}/status"
    result = job.wait(timeout=20, interval=0.05)
    assert result["status"] == "COMPLETED"
    assert result["output"].startswith(sim.video_origin + "/videos/")
    assert result["metrics"]["cost"] == 0.86
    assert sim.submits()[0]["prompt"] == "Hello from the SDK"


def test_sdk_sees_a_failed_job_as_inference_failed(sim):
    client = sdk_client(sim)
    job = client.submit_async("higgsfield-speech2video", prompt="x [sim:fail]", **inputs(sim))
    with pytest.raises(InferenceFailed) as failed:
        job.wait(timeout=20, interval=0.05)
    assert "no speech detected" in failed.value.detail


@pytest.fixture
def sdk_history(sim, monkeypatch):
    """The SDK's `generations` namespace, its history address pointed at the simulator."""
    # importlib: `segmind.generations` the attribute is the package's shortcut object
    module = importlib.import_module("segmind.generations")
    monkeypatch.setattr(module, "REQUEST_HISTORY_URL", sim.history_url)
    return sdk_client(sim).generations


def test_sdk_reads_the_history_and_gets_a_request_by_id(sim, sdk_history):
    sim.config(job_seconds=20, history_body="repr", history_dashless_ids=True)
    client = sdk_client(sim)
    job = client.submit_async("higgsfield-speech2video", prompt="In the history", **inputs(sim))
    job.wait(timeout=20, interval=0.05)
    page = sdk_history.history(model_name="speech2video", status="COMPLETED", per_page=5)
    (row,) = page["data"]
    assert row["request_id"] == job.request_id.replace("-", "")
    assert row["model_status"] == "COMPLETED" and row["credits_deduction"] == 0.86
    assert "'prompt': 'In the history'" in row["request_body"]
    one = sdk_history.get(job.request_id)
    assert one["request_id"] == row["request_id"]
    assert one["generation_url"] == row["generation_url"]
    log = [e for e in sim.log() if e["target"] == "history"]
    assert [e["status"] for e in log] == [200, 200] and all(e["key_ok"] for e in log)


def test_sdk_history_paging_and_its_errors(sim, sdk_history):
    sim.seed_history(count=7, days_ago=2)
    assert [len(sdk_history.history(page=p, per_page=3)["data"]) for p in (1, 2, 3)] == [3, 3, 1]
    with pytest.raises(SdkError) as unknown:
        sdk_history.get("0123456789abcdef0123456789abcdef")
    assert unknown.value.status == 404 and "not found" in unknown.value.detail
    with pytest.raises(SdkError) as too_long:
        sdk_history.history(from_date="2026-01-01", to_date="2026-03-01")
    assert too_long.value.status == 400 and "31 days" in too_long.value.detail
