"""The preview plays a simulator result (MPEG-4 Part 2 + AAC), fetched over real HTTP."""

from __future__ import annotations

import httpx

from app.jobs.model import Job, JobState
from app.ui.preview import PreviewPlayer
from tests.simulator import PORTRAIT, VOICE_5S, api_client, submit, wait_until_done
from tests.ui.test_preview import count_frames


def fetch_sim_result(sim, dest) -> tuple[str, dict]:
    """Submit a 5 s job to the simulator, wait for it, download the video without the key."""
    with api_client(sim) as client:
        r = submit(client, sim, duration=5, seed=11)
        r.raise_for_status()
        body = r.json()
        done = wait_until_done(client, body["status_url"])
        assert done.json()["status"] == "COMPLETED", done.text
        result = client.get(body["response_url"]).json()
    with httpx.Client(timeout=30) as keyless:  # result URLs are public: never send the key
        video = keyless.get(result["output"])
        video.raise_for_status()
    dest.write_bytes(video.content)
    return body["request_id"], result


def test_simulator_result_plays(qtbot, sim, tmp_path):
    video = tmp_path / "sim-result.mp4"
    request_id, result = fetch_sim_result(sim, video)
    job = Job(
        image=str(PORTRAIT),
        audio=str(VOICE_5S),
        duration=5,
        seed=11,
        state=JobState.completed,
        request_id=request_id,
        cost=result["metrics"]["cost"],
        output_path=str(video),
        demo=True,
    )
    player = PreviewPlayer()
    qtbot.addWidget(player)
    player.show()
    player.show_job(job)
    frames, ms = count_frames(qtbot, player)
    assert frames >= 50
    assert 4500 <= ms <= 5500
    assert not player.details.badge.isHidden()
    assert request_id in player.details.values["Request id"].text()
    player.clear()
    video.unlink()  # released: removable
