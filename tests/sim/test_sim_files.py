"""Uploads and the video origin: both upload shapes, public files, Range, HEAD, the CDN hop."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.simulator import (
    DATA,
    PORTRAIT,
    VOICE_5S,
    api_client,
    data_url,
    submit,
    wait_until_done,
)


def finished_video(sim, **fields) -> tuple[str, dict]:
    sim.config(job_seconds=20)
    with api_client(sim) as c:
        job = submit(c, sim, **fields).json()
        assert wait_until_done(c, job["status_url"]).status_code == 200
        return c.get(job["response_url"]).json()["output"], job


def test_upload_returns_file_urls_that_serve_the_same_bytes(sim):
    with api_client(sim) as c:
        r = c.post(sim.upload_url, json={"data_urls": [data_url(PORTRAIT), data_url(VOICE_5S)]})
    assert r.status_code == 200
    body = r.json()
    assert body["message"] == "Files uploaded successfully"
    image, audio = body["file_urls"]
    assert image.startswith(sim.video_origin + "/assets/") and audio.endswith(".wav")
    got = httpx.get(image)
    assert got.content == PORTRAIT.read_bytes()
    assert got.headers["content-type"] == "image/png"
    assert httpx.get(audio).content == VOICE_5S.read_bytes()


def test_upload_urls_shape(sim):
    sim.config(upload_shape="urls")
    with api_client(sim) as c:
        r = c.post(sim.upload_url, json={"data_urls": [data_url(PORTRAIT)]})
    assert list(r.json()) == ["urls"]
    assert httpx.get(r.json()["urls"][0]).content == PORTRAIT.read_bytes()


def test_upload_accepts_a_chunked_streamed_body(sim):
    payload = ('{"data_urls": ["' + data_url(DATA / "voice-14s.wav") + '"]}').encode()

    def chunks():
        for i in range(0, len(payload), 65536):
            yield payload[i : i + 65536]

    with api_client(sim) as c:
        r = c.post(sim.upload_url, content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    url = r.json()["file_urls"][0]
    assert httpx.get(url).content == (DATA / "voice-14s.wav").read_bytes()


@pytest.mark.parametrize(
    "body",
    [{"data_urls": ["https://x/y.png"]}, {"data_urls": []}, {"files": ["data:a/b;base64,AA=="]}],
)
def test_bad_upload_is_400(sim, body):
    with api_client(sim) as c:
        r = c.post(sim.upload_url, json=body)
    assert r.status_code == 400
    assert "data_urls" in r.json()["error"]


def test_upload_needs_a_key(sim):
    with api_client(sim, key=None) as c:
        assert c.post(sim.upload_url, json={"data_urls": [data_url(PORTRAIT)]}).status_code == 401


def test_video_is_public_with_ranges_and_head(sim):
    url, job = finished_video(sim)
    full = httpx.get(url)
    assert full.status_code == 200
    assert full.headers["content-type"] == "video/mp4"
    assert full.headers["accept-ranges"] == "bytes"
    size = len(full.content)
    assert full.content[4:8] == b"ftyp"
    assert hashlib.sha256(full.content).hexdigest() == sim.job(job["request_id"])["sha256"]

    part = httpx.get(url, headers={"Range": "bytes=100-"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-{size - 1}/{size}"
    assert part.content == full.content[100:]
    tail = httpx.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == full.content[-10:]
    mid = httpx.get(url, headers={"Range": "bytes=5-9"})
    assert mid.content == full.content[5:10]
    bad = httpx.get(url, headers={"Range": f"bytes={size}-"})
    assert bad.status_code == 416
    assert bad.headers["content-range"] == f"bytes */{size}"

    head = httpx.head(url)
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == size
    assert head.content == b""


def test_unknown_video_is_404(sim):
    assert httpx.get(f"{sim.video_origin}/videos/nope.mp4").status_code == 404


def test_video_outlives_the_expired_request(sim):
    url, job = finished_video(sim)
    sim.expire(job["request_id"])
    assert httpx.get(url).status_code == 200


def test_redirect_videos_hops_across_origins_and_the_log_shows_a_leaked_key(sim):
    sim.config(redirect_videos=True)
    url, _ = finished_video(sim)
    assert url.startswith(sim.api_base + "/cdn/")
    hop = httpx.get(url)
    assert hop.status_code == 302
    assert hop.headers["location"].startswith(sim.video_origin + "/videos/")
    # a careless client that keeps the key on redirects
    leaked = httpx.get(url, headers={"x-api-key": sim.key}, follow_redirects=True)
    assert leaked.status_code == 200
    video_hits = [e for e in sim.log() if e["origin"] == "video"]
    assert video_hits[-1]["key_present"] is True


def test_video_bytes_pads_with_a_trailing_free_box(sim):
    sim.config(video_bytes=2_000_000)
    url, job = finished_video(sim)
    body = httpx.get(url).content
    assert len(body) == 2_000_000
    assert sim.job(job["request_id"])["size"] == 2_000_000
    # walk the top-level boxes: the last one is `free`, the sizes add up
    pos, boxes = 0, []
    while pos < len(body):
        size = int.from_bytes(body[pos : pos + 4], "big")
        boxes.append(body[pos + 4 : pos + 8])
        pos += size
    assert pos == len(body)
    assert boxes[0] == b"ftyp" and boxes[-1] == b"free" and b"moov" in boxes


def test_same_inputs_reuse_the_encoding(sim):
    _, first = finished_video(sim)
    _, second = finished_video(sim)
    assert sim.job(first["request_id"])["sha256"] == sim.job(second["request_id"])["sha256"]
