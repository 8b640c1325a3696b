"""Segmind's own SDK (segmind 1.3.0) runs its v2 async flow against the simulator.

No patching: `SegmindClient(base_url=...)` takes the simulator's `/v1` base and the SDK
derives `/v2` from it; status and result URLs are followed as returned.
"""

from __future__ import annotations

import pytest

segmind = pytest.importorskip("segmind")
from segmind import SegmindClient  # noqa: E402
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
