"""Small helpers for tests that talk to the simulator over real HTTP (see tests/conftest.py)."""

from __future__ import annotations

import base64
import mimetypes
import time
from pathlib import Path

import httpx

from app.sim.process import SimulatorProcess

DATA = Path(__file__).parent / "data"
PORTRAIT = DATA / "portrait-astronaut.png"
VOICE_5S = DATA / "voice-5s.wav"
MODEL_PATH = "/v2/higgsfield-speech2video"


def data_url(path: Path, mime: str | None = None) -> str:
    """A base64 data URL of a file (WAV is always audio/wav)."""
    if mime is None:
        mime = "audio/wav" if path.suffix == ".wav" else mimetypes.guess_type(path.name)[0]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def api_client(sim: SimulatorProcess, key: str | None = "") -> httpx.Client:
    """A client on the API origin carrying `key` (the simulator's first key by default)."""
    key = sim.key if key == "" else key
    headers = {"x-api-key": key} if key is not None else {}
    return httpx.Client(base_url=sim.api_base, headers=headers, timeout=30.0)


def upload(client: httpx.Client, sim: SimulatorProcess, *paths: Path) -> list[str]:
    """Upload files through /upload-asset; their URLs on the video origin."""
    r = client.post(sim.upload_url, json={"data_urls": [data_url(p) for p in paths]})
    r.raise_for_status()
    body = r.json()
    return body.get("file_urls") or body["urls"]


def submit(client: httpx.Client, sim: SimulatorProcess, **fields) -> httpx.Response:
    """POST a submit with the test portrait and 5 s voice uploaded (fields override)."""
    if "input_image" not in fields or "input_audio" not in fields:
        image, audio = upload(client, sim, PORTRAIT, VOICE_5S)
        fields.setdefault("input_image", image)
        fields.setdefault("input_audio", audio)
    fields.setdefault("prompt", "A friendly astronaut says hello.")
    fields.setdefault("duration", 5)
    return client.post(MODEL_PATH, json=fields)


def wait_until_done(client: httpx.Client, status_url: str, timeout: float = 20.0) -> httpx.Response:
    """Poll a status URL until COMPLETED or FAILED; the final response."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(status_url)
        if r.status_code != 200 or r.json().get("status") in ("COMPLETED", "FAILED"):
            return r
        if time.monotonic() > deadline:
            raise TimeoutError(f"{status_url} still {r.json().get('status')} after {timeout} s")
        time.sleep(0.05)


def history_rows(client: httpx.Client, sim: SimulatorProcess, **params) -> list[dict]:
    """The rows of one page of the request history (`sim.history_url`), asserting a 200."""
    r = client.get(sim.history_url, params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"]
