"""Uploading local files: streamed base64 data URLs, both answer shapes, bounded memory."""

from __future__ import annotations

import base64
import json
import os
import tracemalloc

import httpx
import pytest

from app.api.errors import ErrorKind, SegmindError
from app.api.uploads import UploadBody, mime_for
from tests.api.api_helpers import run, settled_log


async def _fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as plain:  # assets are public: no key
        return await plain.get(url)


@pytest.mark.parametrize("shape", ["file_urls", "urls"])
@pytest.mark.parametrize(
    "name, mime",
    [("portrait-astronaut.png", "image/png"), ("portrait-astronaut.jpg", "image/jpeg"),
     ("voice-3s.wav", "audio/wav")],
)  # fmt: skip
def test_upload_round_trip(sim, api, shape, name, mime):
    sim.config(upload_shape=shape)
    path = f"tests/data/{name}"
    seen = []

    async def go():
        async with api() as client:
            url = await client.upload(path, progress=lambda *a: seen.append(a))
            return url, await _fetch(url)

    url, served = run(go())
    assert url.startswith(sim.video_origin + "/assets/")
    assert served.content == open(path, "rb").read()  # noqa: SIM115
    assert served.headers["content-type"] == mime
    size = os.path.getsize(path)
    assert seen[-1] == (size, size)


def test_upload_body_is_exact_and_valid_json(tmp_path):
    for size in (1, 2, 3, 4, 196_607, 196_608, 196_609, 500_000):
        path = tmp_path / f"f{size}.wav"
        data = os.urandom(size)
        path.write_bytes(data)
        body = UploadBody(path, mime_for(path), None)

        async def collect(body=body):
            return b"".join([piece async for piece in body.stream()])

        raw = run(collect())
        assert len(raw) == body.length
        url = json.loads(raw)["data_urls"][0]
        assert url.startswith("data:audio/wav;base64,")
        assert base64.b64decode(url.split(",", 1)[1], validate=True) == data


def test_large_upload_keeps_memory_small(sim, api, tmp_path):
    size = 24 * 1024 * 1024
    path = tmp_path / "long-voice.wav"
    with path.open("wb") as f:
        for _ in range(size // (1024 * 1024)):
            f.write(os.urandom(1024 * 1024))

    async def go():
        async with api(request_timeout=30) as client:
            tracemalloc.start()
            try:
                url = await client.upload(path)
                return url, tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    url, peak = run(go(), timeout=60)
    # The body is 32 MiB of base64: whole-file copies would peak far above this.
    print(f"upload peak traced memory: {peak / 1e6:.2f} MB")
    assert peak < 6 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert url.startswith(sim.video_origin)


def test_upload_is_retried(sim, api):
    sim.fault("upload", "502")
    sim.fault("upload", "drop")
    sim.fault("upload", "429", reset="none")

    async def go():
        async with api() as client:
            return await client.upload("tests/data/voice-3s.wav")

    assert run(go()).startswith(sim.video_origin)
    statuses = [e["status"] for e in settled_log(sim) if e["path"] == "/upload-asset"]
    assert statuses == [502, 0, 429, 200]


@pytest.mark.parametrize(
    "body",
    [
        '{"file_urls": [], "message": "ok"}',
        '{"urls": ["ftp://x/y.png"]}',
        '{"urls": ["http://cdn.example.com/y.png"]}',
        '{"file_urls": [42]}',
        '"fine"',
        "<html>Upload OK</html>",
    ],
)
def test_upload_answer_without_a_usable_link_is_malformed(sim, api, body):
    sim.fault("upload", "respond", status=200, body=body)

    async def go():
        async with api() as client:
            await client.upload("tests/data/voice-3s.wav")

    with pytest.raises(SegmindError) as caught:
        run(go())
    assert caught.value.kind == ErrorKind.malformed


@pytest.mark.parametrize("name", ["missing.wav", "empty.wav", "folder.wav", "notes.unknownext"])
def test_unusable_local_files_are_refused_before_any_request(sim, api, tmp_path, name):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "folder.wav").mkdir()
    (tmp_path / "notes.unknownext").write_bytes(b"abc")

    async def go():
        async with api() as client:
            await client.upload(tmp_path / name)

    with pytest.raises(SegmindError) as caught:
        run(go())
    assert caught.value.kind == ErrorKind.invalid_input and caught.value.sent is False
    assert settled_log(sim) == []


def test_upload_too_large_for_the_service(sim, api):
    sim.fault("upload", "respond", status=413, body="Request Entity Too Large")

    async def go():
        async with api() as client:
            await client.upload("tests/data/voice-3s.wav")

    with pytest.raises(SegmindError) as caught:
        run(go())
    assert caught.value.kind == ErrorKind.invalid_input and "too large" in caught.value.message
