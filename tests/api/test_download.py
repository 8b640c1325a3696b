"""Keyless downloads: atomic, resumable after a dropped connection, length-checked."""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from app.api.errors import ErrorKind, SegmindError
from tests.api.api_helpers import run, settled_log


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def finished_job(sim, api):
    """A completed job on the simulator: (result, the simulator's view of the job)."""
    sim.config(job_seconds=20)  # 0.1 s with the session's time factor

    async def go():
        async with api() as client:
            image = await client.upload("tests/data/portrait-astronaut.png")
            audio = await client.upload("tests/data/voice-3s.wav")
            job = await client.submit(
                {"input_image": image, "input_audio": audio, "prompt": "Hi.", "duration": 5}
            )
            while (await client.status(job.status_url)).status != "COMPLETED":
                await asyncio.sleep(0.05)
            return await client.result(job.response_url)

    result = run(go())
    assert result.output_url and result.cost == 1.41
    return result, sim.job(result.video["file_name"].removesuffix(".mp4"))


def _video_gets(sim) -> list[dict]:
    return [
        e for e in settled_log(sim) if e["origin"] == "video" and e["path"].startswith("/videos/")
    ]


def test_download_is_complete_atomic_and_reports_progress(sim, downloader, finished_job, tmp_path):
    result, job = finished_job
    dest = tmp_path / "out" / "video.mp4"
    seen = []

    async def go():
        async with downloader() as d:
            return await d.download(result.output_url, dest, lambda *a: seen.append(a))

    assert run(go()) == dest
    assert sha256(dest) == job["sha256"] and dest.stat().st_size == job["size"]
    assert not dest.with_name("video.mp4.part").exists()
    assert seen[-1] == (job["size"], job["size"])
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert [e["key_present"] for e in _video_gets(sim)] == [False]


def test_dropped_download_resumes_with_range(sim, downloader, finished_job, tmp_path):
    result, job = finished_job
    sim.fault("video", "truncate")
    retries = []
    dest = tmp_path / "video.mp4"

    async def go():
        async with downloader(on_retry=lambda *a: retries.append(a)) as d:
            await d.download(result.output_url, dest, expected_size=result.video["file_size"])

    run(go())
    assert sha256(dest) == job["sha256"]
    assert [e["status"] for e in _video_gets(sim)] == [200, 206]  # the second asks for the rest
    assert retries[0][0] == ErrorKind.network


def test_a_part_file_from_an_earlier_run_is_continued(sim, downloader, finished_job, tmp_path):
    result, job = finished_job
    dest = tmp_path / "video.mp4"

    async def go():
        async with downloader() as d:
            await d.download(result.output_url, tmp_path / "whole.mp4")
            whole = (tmp_path / "whole.mp4").read_bytes()
            dest.with_name("video.mp4.part").write_bytes(whole[:1000])
            await d.download(result.output_url, dest)
            # Everything already there (crashed before the rename): a 416 ends it at once.
            dest.with_name("again.mp4.part").write_bytes(whole)
            await d.download(result.output_url, tmp_path / "again.mp4")

    run(go())
    assert sha256(dest) == sha256(tmp_path / "again.mp4") == job["sha256"]
    assert [e["status"] for e in _video_gets(sim)] == [200, 206, 416]


@pytest.mark.parametrize(
    "status, kind", [(404, ErrorKind.expired), (403, ErrorKind.expired), (418, ErrorKind.malformed)]
)
def test_video_gone_or_refused(sim, downloader, finished_job, tmp_path, status, kind):
    result, _ = finished_job
    sim.fault("video", "respond", status=status, body="<html>no</html>")
    dest = tmp_path / "video.mp4"

    async def go():
        async with downloader() as d:
            await d.download(result.output_url, dest)

    with pytest.raises(SegmindError) as caught:
        run(go())
    assert caught.value.kind == kind and str(status) in caught.value.message
    assert not dest.exists() and not dest.with_name("video.mp4.part").exists()


def test_video_server_errors_are_retried(sim, downloader, finished_job, tmp_path):
    result, job = finished_job
    sim.fault("video", "502", count=2)
    sim.fault("video", "drop")

    async def go():
        async with downloader() as d:
            await d.download(result.output_url, tmp_path / "v.mp4")

    run(go())
    assert sha256(tmp_path / "v.mp4") == job["sha256"]


def test_announced_size_mismatch_is_malformed(downloader, finished_job, tmp_path):
    result, _ = finished_job

    async def go():
        async with downloader() as d:
            await d.download(result.output_url, tmp_path / "v.mp4", expected_size=12)

    with pytest.raises(SegmindError) as caught:
        run(go())
    assert caught.value.kind == ErrorKind.malformed


class _RangeIgnoringServer(http.server.ThreadingHTTPServer):
    """A local video host that drops the first transfer midway, then ignores Range.

    The simulator always honours Range; this small server (real HTTP on loopback)
    stands in for CDNs that answer 200 with the whole file instead.
    """

    daemon_threads = True

    def __init__(self, payload: bytes):
        self.payload = payload
        self.requests: list[tuple[str | None, int]] = []

        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                first = not server.requests
                server.requests.append((self.headers.get("Range"), 200))
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.payload)))
                self.send_header("Content-Type", "video/mp4")
                self.end_headers()
                if first:
                    self.wfile.write(server.payload[: len(server.payload) // 3])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(server.payload)

        super().__init__(("127.0.0.1", 0), Handler)


def test_server_ignoring_range_restarts_from_zero(downloader, tmp_path):
    payload = Path("tests/data/result-h264-5s.mp4").read_bytes()
    server = _RangeIgnoringServer(payload)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v.mp4"
    seen = []

    async def go():
        async with downloader() as d:
            await d.download(url, tmp_path / "v.mp4", lambda done, total: seen.append(done))

    try:
        run(go())
    finally:
        server.shutdown()
        server.server_close()
    # Appending the 200 answer to the first third would give a longer, corrupt file.
    assert (tmp_path / "v.mp4").read_bytes() == payload
    assert server.requests[0][0] is None and server.requests[1][0] == f"bytes={len(payload) // 3}-"
    assert seen[-1] == len(payload)


def test_redirect_to_plain_http_is_refused(sim, downloader, finished_job, tmp_path):
    result, _ = finished_job
    sim.fault("video", "respond", status=302, headers={"Location": "http://cdn.example.com/v.mp4"})

    async def go():
        async with downloader() as d:
            await d.download(result.output_url, tmp_path / "v.mp4")

    with pytest.raises(SegmindError) as caught:
        run(go())
    assert caught.value.kind == ErrorKind.malformed and "plain http" in caught.value.message


def test_probe_falls_back_to_a_one_byte_get(downloader):
    """The range-ignoring host has no HEAD (501): the probe asks for bytes=0-0 instead."""
    payload = Path("tests/data/result-h264-5s.mp4").read_bytes()
    server = _RangeIgnoringServer(payload)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v.mp4"

    async def go():
        async with downloader() as d:
            return await d.probe_url(url)

    try:
        assert run(go()) == ("video/mp4", len(payload))
    finally:
        server.shutdown()
        server.server_close()
    assert server.requests[0][0] == "bytes=0-0"
