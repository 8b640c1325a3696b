"""The keyed Segmind client: upload, submit, status, result, credits, request history.

The key travels only to the origins of the API base, the upload URL and the request
history (app/api/history.py), on a
client that never follows redirects. GETs are retried on network errors, 429 and
5xx; a submit only when it surely never reached the service (or got a 429), since
every accepted submit is a paid job.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import httpx

from app.api import history
from app.api.errors import ErrorKind, SegmindError
from app.api.failures import Reply, error_for_exception, error_for_reply, malformed
from app.api.models import (
    Credits,
    JobResult,
    JobStatus,
    Submission,
    parse_credits,
    parse_result,
    parse_status,
    parse_submission,
)
from app.api.pacing import RequestBudget
from app.api.retry import Backoff, with_retries
from app.api.uploads import UploadBody, mime_for
from app.api.urls import origin, parse_url, require_service_url, safe_scheme, short

MODEL = "higgsfield-speech2video"
MAX_REPLY_BYTES = 1024 * 1024
MAX_CONNECTIONS = 8  # a JSON answer bigger than this is not Segmind's
_UPLOAD_FLOOR_BPS = 50_000  # slowest upload speed allowed before the total timeout hits
_RETRYABLE_GET = (ErrorKind.network, ErrorKind.rate_limited, ErrorKind.server)


class _Secret:
    """Holds the key so that no repr, vars() dump or traceback local shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


def _key_problem(key: str) -> str | None:
    if not key:
        return "No Segmind API key is set."
    if not key.isascii() or not key.isprintable() or any(ch.isspace() for ch in key):
        return "The API key contains characters a key cannot have (spaces or accents)."
    return None


class SegmindClient:
    """Async client of Segmind's v2 queue API for Higgsfield Speech 2 Video."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str,
        upload_url: str,
        history_url: str | None = None,
        budget: RequestBudget | None = None,
        retry_base: float = 1.0,
        retry_cap: float = 60.0,
        retry_deadline: float = 600.0,
        request_timeout: float = 60.0,
        on_retry: Callable[[ErrorKind, int, float], object] | None = None,
        model: str = MODEL,
        keepalive_expiry: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._key = _Secret((api_key or "").strip())
        api = require_service_url(api_base, "Segmind API address")
        upload = require_service_url(upload_url, "Segmind upload address")
        self.api_base = api_base.strip().rstrip("/")
        self.upload_url = upload_url.strip()
        # None: no request history lookup (an API base that is not Segmind's own)
        self.history_url = history_url.strip() if history_url else None
        self._history_origin = None
        if self.history_url:
            hist = require_service_url(self.history_url, "Segmind request history address")
            self._history_origin = origin(hist)
        self.model = model
        self.budget = budget
        self.retry_deadline = retry_deadline
        self.request_timeout = request_timeout
        self.on_retry = on_retry
        self._backoff = Backoff(retry_base, retry_cap)
        # A few requests at a time: with hundreds of polls in flight, httpcore's pool
        # scans every waiting request on each change and stalls the (UI) loop.
        self._in_flight = asyncio.Semaphore(MAX_CONNECTIONS)
        self._api_origin = origin(api)
        self._upload_origin = origin(upload)
        # transport: tests only (httpx.MockTransport for fuzzing); None = real network.
        self._http = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=True,
            timeout=httpx.Timeout(request_timeout, connect=max(1.0, request_timeout / 2)),
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS,
                max_keepalive_connections=MAX_CONNECTIONS,
                keepalive_expiry=keepalive_expiry,
            ),
            headers={"user-agent": "s2v-studio", "accept": "application/json"},
            transport=transport,
        )

    def __repr__(self) -> str:
        state = "set" if self._key.value else "missing"
        return (
            f"SegmindClient(api_base={self.api_base!r}, upload_url={self.upload_url!r}, "
            f"key={state})"
        )

    async def __aenter__(self) -> SegmindClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # addresses ---------------------------------------------------------------
    def status_url_for(self, request_id: str) -> str:
        """The status URL of a stored job (after a restart)."""
        return f"{self.api_base}/v2/requests/{urllib.parse.quote(request_id, safe='')}/status"

    def response_url_for(self, request_id: str) -> str:
        """The result URL of a stored job (after a restart)."""
        return f"{self.api_base}/v2/requests/{urllib.parse.quote(request_id, safe='')}"

    def is_own_url(self, url: str) -> bool:
        """True when `url` is on the API's own origin (the key may go there)."""
        parsed = parse_url(url)
        return parsed is not None and origin(parsed) == self._api_origin

    def _own(self, url: str | None, what: str) -> str:
        if isinstance(url, str) and url.startswith("/") and not url.startswith("//"):
            url = self.api_base + url
        if not isinstance(url, str) or not self.is_own_url(url):
            raise malformed(
                what,
                f"Segmind pointed to another address ({short(url)}); the app does not send "
                "your key anywhere but Segmind's own host.",
                sent=False,
            )
        return url

    # the calls -----------------------------------------------------------------
    async def upload(self, path: str | Path, mime: str | None = None, progress=None) -> str:
        """Upload a local file; returns the public https URL Segmind gives it."""
        path = Path(path)
        body = UploadBody(path, mime or mime_for(path), progress)
        reply = await self._retrying(lambda: self._send("upload", "POST", self.upload_url, body))
        data = reply.data if isinstance(reply.data, dict) else None
        if data is None:
            raise malformed(
                "upload", "Segmind's answer was not readable data.", status=reply.status
            )
        urls = data.get("file_urls") or data.get("urls")
        url = urls[0] if isinstance(urls, list) and urls else None
        parsed = parse_url(url)
        if parsed is None or not safe_scheme(parsed):
            raise malformed(
                "upload", "Segmind did not send back a usable file link.", status=reply.status
            )
        return str(url).strip()

    async def submit(self, inputs: dict) -> Submission:
        """Start a paid job. Retried only when the request surely never arrived (or 429).

        Every SegmindError raised here has `sent` set: False when the service surely
        never saw the request, True when it may have (then it must not be resubmitted
        blindly).
        """
        try:
            content = json.dumps(inputs, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise SegmindError(
                ErrorKind.invalid_input, f"The job's settings cannot be sent ({exc}).", sent=False
            ) from None
        url = f"{self.api_base}/v2/{self.model}"

        def may_retry(err: SegmindError) -> bool:
            return err.kind == ErrorKind.rate_limited or (
                err.kind == ErrorKind.network and err.sent is False
            )

        reply = await self._retrying(lambda: self._send("submit", "POST", url, content), may_retry)
        try:
            fields = parse_submission(reply.data, reply.status)
        except SegmindError as err:
            err.sent = True
            raise
        rid = fields["request_id"]
        try:
            status_url = self._own(fields["status_url"] or self.status_url_for(rid), "submit")
            response_url = self._own(fields["response_url"] or self.response_url_for(rid), "submit")
        except SegmindError as err:
            err.sent = True
            err.request_id = rid
            err.message += f" (request id {rid})"
            raise
        return Submission(rid, fields["status"], status_url, response_url)

    async def status(self, status_url: str) -> JobStatus:
        """A job's status; FAILED raises SegmindError(job_failed | content_blocked)."""
        url = self._own(status_url, "status")
        reply = await self._retrying(lambda: self._send("status", "GET", url))
        return parse_status(reply.data, reply.status)

    async def result(self, response_url: str) -> JobResult:
        """A job's result; `output_url` is set once COMPLETED. FAILED raises."""
        url = self._own(response_url, "result")
        reply = await self._retrying(lambda: self._send("result", "GET", url))

        def output_ok(link: str) -> bool:
            parsed = parse_url(link)
            return parsed is not None and safe_scheme(parsed)

        return parse_result(reply.data, reply.status, output_ok)

    async def credits(self) -> Credits:
        """The account's credit balance."""
        url = f"{self.api_base}/v1/get-user-credits"
        reply = await self._retrying(lambda: self._send("credits", "GET", url))
        return parse_credits(reply.data, reply.status)

    @property
    def has_history(self) -> bool:
        """False when there is no request history to ask (history calls raise NoHistory)."""
        return self.history_url is not None

    async def history_page(self, **query) -> history.HistoryPage:
        """One page of the account's request history: page, per_page, from_date, to_date,
        model_name, status, sort_by, sort_order (see app/api/history.py)."""
        if not self.history_url:
            raise history.NoHistory()
        url = history.page_url(self.history_url, **query)
        reply = await self._retrying(lambda: self._send("history", "GET", url))
        return history.parse_page(reply.data, reply.status)

    async def history_get(self, request_id: str) -> history.HistoryRow | None:
        """One of the account's requests by id, of any age; None when the history has none."""
        if not self.history_url:
            raise history.NoHistory()
        url = history.row_url(self.history_url, request_id)
        try:
            reply = await self._retrying(lambda: self._send("history", "GET", url))
        except SegmindError as err:
            if history.means_unknown_request(err, request_id):
                return None
            raise
        return history.parse_one(reply.data, reply.status)

    # plumbing ------------------------------------------------------------------
    async def _retrying(self, call, may_retry=None) -> Reply:
        return await with_retries(
            call,
            may_retry=may_retry or (lambda err: err.kind in _RETRYABLE_GET),
            backoff=self._backoff,
            deadline=self.retry_deadline,
            on_retry=self.on_retry,
            on_rate_limit=self.budget.pause_until if self.budget else None,
        )

    async def _send(self, what: str, method: str, url: str, content=None) -> Reply:
        """One keyed request; raises SegmindError for anything but a 2xx answer."""
        target = parse_url(url)
        allowed = self._api_origin
        if what in ("upload", "history"):
            allowed = self._upload_origin if what == "upload" else self._history_origin
        if target is None or origin(target) != allowed or not safe_scheme(target):
            raise malformed(what, f"refused to send the key to {short(url)}.", sent=False)
        problem = _key_problem(self._key.value)
        if problem:
            raise SegmindError(ErrorKind.invalid_key, problem, sent=False)
        headers = {"x-api-key": self._key.value}
        timeout = self.request_timeout
        if isinstance(content, UploadBody):
            headers["content-length"] = str(content.length)
            timeout += content.length / _UPLOAD_FLOOR_BPS
            content = content.stream()
        if content is not None:
            headers["content-type"] = "application/json"
        # the budget first: a request waiting for its turn must not hold a connection
        sent = await self.budget.acquire(what) if self.budget is not None else None
        async with self._in_flight:
            return await self._send_now(what, method, url, target, headers, content, timeout, sent)

    async def _send_now(self, what, method, url, target, headers, content, timeout, sent) -> Reply:
        try:
            async with asyncio.timeout(timeout):
                request = self._http.build_request(method, url, headers=headers, content=content)
                try:
                    response = await self._http.send(request, stream=True)
                finally:
                    if sent is not None and self.budget is not None:  # counted by now
                        self.budget.answered(sent)
                try:
                    body, too_big = await _read_capped(response)
                finally:
                    await response.aclose()
        except SegmindError:
            raise
        except (httpx.TransportError, TimeoutError) as exc:
            raise error_for_exception(exc, what, target.host) from None
        except httpx.HTTPError as exc:
            raise malformed(
                what, f"the answer could not be read ({type(exc).__name__}).", sent=True
            ) from None
        reply = Reply(response.status_code, response.headers, body)
        if not 200 <= reply.status < 300:
            err = error_for_reply(reply, what, self._key.value)
            err.sent = True
            raise err
        if too_big:
            raise malformed(
                what, "Segmind's answer was far too large.", status=reply.status, sent=True
            )
        return reply


async def _read_capped(response: httpx.Response) -> tuple[bytes, bool]:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            return b"".join(chunks)[:MAX_REPLY_BYTES], True
    return b"".join(chunks), False
