"""Malformed answers, fuzzed: always a SegmindError with a clear message, never another exception.

Most examples go over real HTTP (the simulator's `respond` fault answers with the
generated status, body and headers). Bodies that are not UTF-8 cannot travel
through that fault (it takes a string), so one test feeds raw bytes through an
httpx.MockTransport instead; it is labelled below.
"""

from __future__ import annotations

import json
import string

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.client import SegmindClient
from app.api.errors import ErrorKind, SegmindError
from app.api.failures import NOT_JSON, decode_json
from app.api.models import Credits, JobResult, JobStatus, Submission
from tests.api.api_helpers import FAST, run

STATUSES = st.one_of(
    st.sampled_from(
        [200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405, 406, 408, 409, 410, 413,
         415, 422, 429, 500, 501, 502, 503, 504]
    ),
    st.integers(200, 599),
)  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = ["status", "request_id", "error", "output", "metrics", "video", "status_url",
          "response_url", "credits", "free-credits", "file_urls", "urls",
          "error_description"]  # fmt: skip
PLAUSIBLE = st.dictionaries(
    st.sampled_from(FIELDS),
    st.one_of(
        JSON_VALUES,
        st.sampled_from(["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "Insufficient credits",
                         "https://cdn.example.com/v.mp4", "http://127.0.0.1:1/v.mp4"]),
    ),
    max_size=6,
)  # fmt: skip
HTML = st.sampled_from(
    ["<html><body><h1>502 Bad Gateway</h1></body></html>", "<!DOCTYPE html><p>Sign in</p>", "<"]
)
BODIES = st.one_of(
    PLAUSIBLE.map(json.dumps),
    PLAUSIBLE.map(json.dumps).flatmap(
        lambda s: st.integers(0, max(0, len(s) - 1)).map(lambda n: s[:n])
    ),
    JSON_VALUES.map(json.dumps),
    HTML,
    st.text(max_size=200),
    st.integers(50_000, 200_000).map(lambda n: json.dumps({"error": "x" * n, "status": "é" * 10})),
)
SAFE_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " :-+.TZ,", max_size=30)
HEADERS = st.fixed_dictionaries(
    {
        "Content-Type": st.sampled_from(
            ["application/json", "text/html", "text/plain", "application/octet-stream"]
        )
    },
    optional={"x-rate-limit-reset-at-utc": SAFE_TEXT, "Retry-After": SAFE_TEXT},
)

EXPECTED_KIND = {401: ErrorKind.invalid_key, 403: ErrorKind.not_permitted,
                 410: ErrorKind.model_retired, 429: ErrorKind.rate_limited}  # fmt: skip
CALLS = {
    "status": lambda c: c.status(c.status_url_for("r1")),
    "result": lambda c: c.result(c.response_url_for("r1")),
    "credits": lambda c: c.credits(),
    "submit": lambda c: c.submit({"prompt": "x"}),
    "upload": lambda c: c.upload("tests/data/voice-3s.wav"),
}
TYPES = {
    "status": JobStatus,
    "result": JobResult,
    "credits": Credits,
    "submit": Submission,
    "upload": str,
}


def _client(base: str, upload: str, key: str, transport=None) -> SegmindClient:
    # retry_deadline 0: every answer is judged once (retries are tested elsewhere).
    return SegmindClient(
        key, api_base=base, upload_url=upload, transport=transport, **{**FAST, "retry_deadline": 0}
    )


def _judge(target: str, status: int, body: bytes, outcome, key: str) -> None:
    if not isinstance(outcome, SegmindError):
        assert isinstance(outcome, TYPES[target]), outcome
        assert 200 <= status < 300
        return
    err = outcome
    assert isinstance(err.kind, ErrorKind)
    text = str(err)
    assert err.message and err.next_step and len(text) < 1500
    assert key not in text and key not in repr(err)
    if target == "submit":
        assert err.sent is not None
    if 200 <= status < 300 and decode_json(body) is NOT_JSON:
        assert err.kind == ErrorKind.malformed
    if status in EXPECTED_KIND:
        assert err.kind == EXPECTED_KIND[status]
    if status >= 500:
        assert err.kind == ErrorKind.server
    if status == 422:
        assert err.kind in (ErrorKind.job_failed, ErrorKind.content_blocked)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(target=st.sampled_from(sorted(CALLS)), status=STATUSES, body=BODIES, headers=HEADERS)
def test_fuzzed_answers_over_http(sim_process, target, status, body, headers):
    sim = sim_process
    sim.fault(target, "respond", status=status, body=body, headers=headers)

    async def go():
        async with _client(sim.api_base, sim.upload_url, sim.key) as client:
            try:
                return await CALLS[target](client)
            except SegmindError as err:
                return err

    try:
        outcome = run(go(), timeout=10)
    finally:
        sim.reset()  # an unconsumed fault must not leak into the next example
    _judge(target, status, body.encode(), outcome, sim.key)


# Labelled mock: raw, non-UTF-8 bytes cannot go through the simulator's respond fault.
@settings(max_examples=200, deadline=None)
@given(
    target=st.sampled_from(sorted(CALLS)),
    status=STATUSES,
    body=st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=100).map(lambda b: b'{"status": "QUEUED", "error": "' + b + b'"}'),
        st.just(b"\xff\xfe{\x00}\x00"),
        st.just(b'{"error": "caf\xe9"}'),
    ),
)
def test_fuzzed_raw_bytes_via_mock_transport(target, status, body):
    key = "SG_fuzz000000000000"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    async def go():
        base = "https://api.segmind.test"
        async with _client(base, base + "/upload-asset", key, httpx.MockTransport(answer)) as c:
            try:
                return await CALLS[target](c)
            except SegmindError as err:
                return err

    _judge(target, status, body, run(go()), key)
