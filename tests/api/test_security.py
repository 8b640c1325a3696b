"""Where the key may go: only Segmind's own hosts, never a video host, never plain http off-box."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from app.api.client import SegmindClient
from app.api.download import Downloader
from app.api.errors import ErrorKind, SegmindError
from app.settings import DEFAULT_HISTORY_URL, Settings
from tests.api.api_helpers import assert_no_key, free_port, run, settled_log


def _error(coro) -> SegmindError:
    async def go():
        try:
            await coro()
        except SegmindError as err:
            return err
        raise AssertionError("no SegmindError")

    return run(go())


def test_redirected_video_never_sees_the_key(sim, api, downloader, tmp_path):
    sim.config(redirect_videos=True, job_seconds=20)

    async def go():
        async with api() as client, downloader() as d:
            image = await client.upload("tests/data/portrait-astronaut.png")
            audio = await client.upload("tests/data/voice-3s.wav")
            job = await client.submit({"input_image": image, "input_audio": audio, "prompt": "Hi."})
            while (await client.status(job.status_url)).status != "COMPLETED":
                await asyncio.sleep(0.05)
            result = await client.result(job.response_url)
            assert result.output_url.startswith(sim.api_base + "/cdn/")  # on the API's own host
            await d.download(result.output_url, tmp_path / "v.mp4")

    run(go())
    hops = [e for e in settled_log(sim) if "/cdn/" in e["path"] or e["path"].startswith("/videos/")]
    assert [(e["origin"], e["status"]) for e in hops] == [("api", 302), ("video", 200)]
    assert not any(e["key_present"] for e in hops)
    assert (tmp_path / "v.mp4").stat().st_size > 1000


def test_the_log_would_catch_a_leaking_client(sim, api):
    """Control: a keyed client that follows redirects leaks the key (httpx keeps x-api-key)."""
    sim.config(redirect_videos=True, job_seconds=20)

    async def go():
        async with api() as client:
            image = await client.upload("tests/data/portrait-astronaut.png")
            audio = await client.upload("tests/data/voice-3s.wav")
            job = await client.submit({"input_image": image, "input_audio": audio, "prompt": "Hi."})
            while (await client.status(job.status_url)).status != "COMPLETED":
                await asyncio.sleep(0.05)
            url = (await client.result(job.response_url)).output_url
        naive = httpx.AsyncClient(headers={"x-api-key": sim.key}, follow_redirects=True)
        async with naive:
            await naive.get(url)

    run(go())
    video = [
        e for e in settled_log(sim) if e["origin"] == "video" and e["path"].startswith("/videos/")
    ]
    assert video[-1]["key_present"] is True


def test_keyed_client_does_not_follow_redirects(sim, api):
    location = f"{sim.video_origin}/videos/x.mp4"
    sim.fault("status", "respond", status=302, body="", headers={"Location": location})

    async def go():
        async with api() as client:
            await client.status(client.status_url_for("abc"))

    err = _error(go)
    assert err.kind == ErrorKind.malformed and "not followed" in err.message
    assert [e["origin"] for e in settled_log(sim)] == ["api"]


@pytest.mark.parametrize(
    "url",
    [
        "{video}/v2/requests/abc/status",  # another origin on this machine (logs key_present)
        "https://evil.example.com/v2/requests/abc/status",
        "{api_https}/v2/requests/abc/status",  # same host, other scheme
        "//evil.example.com/v2/requests/abc",
        "not a url",
        "",
    ],
)
def test_foreign_status_url_is_malformed_and_never_requested(sim, api, url):
    url = url.format(video=sim.video_origin, api_https=sim.api_base.replace("http:", "https:"))

    async def go():
        async with api() as client:
            await client.status(url)

    err = _error(go)
    assert err.kind == ErrorKind.malformed and err.sent is False
    assert "another address" in err.message

    async def result():
        async with api() as client:
            await client.result(url)

    assert _error(result).kind == ErrorKind.malformed
    assert settled_log(sim) == []


def test_submit_answer_pointing_elsewhere_keeps_the_request_id(sim, api):
    body = {
        "request_id": "rid-123",
        "status": "QUEUED",
        "status_url": f"{sim.video_origin}/v2/requests/rid-123/status",
        "response_url": f"{sim.video_origin}/v2/requests/rid-123",
    }
    sim.fault("submit", "respond", status=200, body=json.dumps(body))

    async def go():
        async with api() as client:
            await client.submit({"prompt": "x"})

    err = _error(go)
    assert (err.kind, err.sent, err.request_id) == (ErrorKind.malformed, True, "rid-123")
    assert "rid-123" in err.message


def test_relative_and_missing_status_urls_stay_on_the_api_host(sim, api):
    sim.fault("submit", "respond", status=200, body=json.dumps({"request_id": "r1"}))

    async def go():
        async with api() as client:
            job = await client.submit({"prompt": "x"})
            assert job.status_url == client.status_url_for("r1")
            assert job.response_url == client.response_url_for("r1")
            with pytest.raises(SegmindError) as caught:
                await client.status("/v2/requests/r1/status")
            return caught.value

    assert run(go()).kind == ErrorKind.not_found  # asked the simulator, which does not know r1


@pytest.mark.parametrize(
    "api_base, upload_url",
    [
        ("http://api.segmind.com", "https://workflows-api.segmind.com/upload-asset"),
        ("https://api.segmind.com", "http://workflows-api.segmind.com/upload-asset"),
        ("http://10.0.0.5:8080", "http://127.0.0.1:1/upload-asset"),
        ("ftp://api.segmind.com", "https://workflows-api.segmind.com/upload-asset"),
    ],
)
def test_plain_http_off_this_machine_is_refused(api_base, upload_url):
    with pytest.raises(SegmindError) as caught:
        SegmindClient("SG_0123456789abcdef", api_base=api_base, upload_url=upload_url)
    assert caught.value.kind == ErrorKind.invalid_input
    assert "https" in str(caught.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "localhost", "[::1]"])
def test_plain_http_on_loopback_is_allowed(host):
    client = SegmindClient(
        "SG_0123456789abcdef", api_base=f"http://{host}:1", upload_url=f"http://{host}:1/u"
    )
    run(client.aclose())


@pytest.mark.parametrize(
    "url",
    ["http://cdn.example.com/v.mp4", "file:///etc/passwd", "ftp://cdn.example.com/v.mp4"],
)
def test_downloads_refuse_unsafe_links(url, tmp_path):
    async def go():
        async with Downloader() as d:
            await d.download(url, tmp_path / "v.mp4")

    err = _error(go)
    assert err.kind == ErrorKind.malformed and not (tmp_path / "v.mp4.part").exists()


def test_result_with_plain_http_video_link_is_malformed(sim, api):
    body = {"status": "COMPLETED", "output": "http://cdn.example.com/v.mp4", "metrics": {}}
    sim.fault("result", "respond", status=200, body=json.dumps(body))

    async def go():
        async with api() as client:
            await client.result(client.response_url_for("abc"))

    assert _error(go).kind == ErrorKind.malformed


def test_probe_url(sim, api, downloader):
    async def go():
        async with api() as client, downloader() as d:
            url = await client.upload("tests/data/voice-3s.wav")
            found = await d.probe_url(url)
            assert await d.probe_url(url, expect="audio") == found
            with pytest.raises(SegmindError) as wrong:
                await d.probe_url(url, expect="image")
            return url, found, wrong.value

    url, (ctype, size), wrong = run(go())
    assert ctype == "audio/wav"
    assert size == Path("tests/data/voice-3s.wav").stat().st_size
    assert wrong.kind == ErrorKind.invalid_input and "not an image" in wrong.message
    assert not any(e["key_present"] for e in settled_log(sim) if e["origin"] == "video")


@pytest.mark.parametrize(
    "url, words",
    [
        ("ftp://example.com/a.png", "not an http(s)"),
        ("file:///etc/passwd", "not an http(s)"),
        ("javascript:alert(1)", "not an http(s)"),
        ("http://example.com/a.png", "only https"),
        ("http://127.0.0.1:{free}/a.png", "Could not reach"),
        ("{video}/assets/nothing.png", "HTTP 404"),
    ],
)
def test_probe_url_refusals_name_the_link(sim, downloader, url, words):
    url = url.format(free=free_port(), video=sim.video_origin)

    async def go():
        async with downloader(timeout=2.0) as d:
            await d.probe_url(url)

    err = _error(go)
    assert err.kind == ErrorKind.invalid_input and words in err.message
    assert url[:30] in err.message


def test_key_is_not_in_reprs(sim, api):
    async def go():
        async with api() as client:
            return repr(client), repr(vars(client)), client

    text, fields, client = run(go())
    assert sim.key not in text and sim.key not in fields and "key=set" in text
    assert_no_key(sim.key, client)


def _self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_custom_ca_from_ssl_cert_file(sim, relay_factory, tmp_path, monkeypatch):
    """https to a TLS relay in front of the simulator: refused, then trusted via SSL_CERT_FILE."""
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    host, port = sim.api_base.removeprefix("http://").split(":")
    relay = relay_factory((host, int(port)), tls=context)
    relay.start()
    base = f"https://127.0.0.1:{relay.port}"
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)

    def client():
        return SegmindClient(
            sim.key, api_base=base, upload_url=base + "/upload-asset", retry_deadline=0
        )

    async def credits():
        async with client() as c:
            return await c.credits()

    err = _error(credits)
    assert err.kind == ErrorKind.network and "SSL_CERT_FILE" in err.message
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    assert run(credits()).credits == 50.0


def test_the_key_reaches_only_the_api_upload_and_history_hosts(
    sim, relay_factory, downloader, tmp_path
):
    """A whole job with the history on a host of its own (a relay on another port)."""
    sim.config(job_seconds=20, redirect_videos=True)
    host, port = sim.api_base.removeprefix("http://").split(":")
    relay = relay_factory((host, int(port)))
    relay.start()
    history_url = f"http://127.0.0.1:{relay.port}/inference-request/request-history"

    async def go():
        client = SegmindClient(
            sim.key, api_base=sim.api_base, upload_url=sim.upload_url, history_url=history_url
        )
        async with client, downloader() as d:
            image = await client.upload("tests/data/portrait-astronaut.png")
            audio = await client.upload("tests/data/voice-3s.wav")
            job = await client.submit({"input_image": image, "input_audio": audio, "prompt": "Hi."})
            while (await client.status(job.status_url)).status != "COMPLETED":
                await asyncio.sleep(0.05)
            await client.history_page(per_page=100)
            record = await client.history_get(job.request_id)
            await d.download(record.generation_url, tmp_path / "v.mp4")
            with pytest.raises(SegmindError) as refused:  # the history host is not the API's
                await client.status(
                    history_url.replace(
                        "/inference-request/request-history", "/v2/requests/x/status"
                    )
                )
            return refused.value

    refused = run(go())
    assert refused.kind == ErrorKind.malformed and refused.sent is False
    api_host, relay_host = sim.api_base.removeprefix("http://"), f"127.0.0.1:{relay.port}"
    log = settled_log(sim)
    keyed = {(e["host"], e["target"]) for e in log if e["key_present"]}
    assert keyed == {
        (api_host, "upload"),
        (api_host, "submit"),
        (api_host, "status"),
        (relay_host, "history"),
    }
    assert sim.stats()["keyed_by_host"].keys() == {api_host, relay_host}
    hops = [e for e in log if e["target"] in ("cdn", "video")]
    assert hops and not any(e["key_present"] for e in hops)


@pytest.mark.parametrize(
    "history_url",
    [
        "http://api.spotprod.segmind.com/inference-request/request-history",
        "ftp://api.spotprod.segmind.com/x",
        "not a url",
    ],
)
def test_an_unsafe_history_address_is_refused(history_url):
    with pytest.raises(SegmindError) as caught:
        SegmindClient(
            "SG_0123456789abcdef",
            api_base="https://api.segmind.com",
            upload_url="https://workflows-api.segmind.com/upload-asset",
            history_url=history_url,
        )
    assert caught.value.kind == ErrorKind.invalid_input


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, DEFAULT_HISTORY_URL),
        ({"SEGMIND_API_BASE": "https://api.segmind.com/"}, DEFAULT_HISTORY_URL),
        ({"SEGMIND_API_BASE": "http://127.0.0.1:9"}, None),  # no history for another API
        (
            {
                "SEGMIND_API_BASE": "http://127.0.0.1:9",
                "SEGMIND_HISTORY_URL": "http://127.0.0.1:9/h",
            },
            "http://127.0.0.1:9/h",
        ),
        ({"SEGMIND_HISTORY_URL": "https://h.example/h"}, "https://h.example/h"),
    ],
)
def test_segmind_history_url_only_with_segmind_api_base(s2v_home, monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings().with_env().history_url == expected
    # a settings file's own API base counts like the environment's (the environment wins)
    proxied = expected if {"SEGMIND_HISTORY_URL", "SEGMIND_API_BASE"} & env.keys() else None
    assert Settings(api_base="https://proxy.example").with_env().history_url == proxied
