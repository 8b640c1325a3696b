"""Turn what the service (or the network) did into a SegmindError a creator can act on.

Server text is kept in `server_message` (cut short, key redacted); the message
says in plain words what happened, the kind's next step says what to do.
"""

from __future__ import annotations

import json
import re
import ssl
from dataclasses import dataclass

import httpx

from app.api.errors import ErrorKind, SegmindError
from app.api.retry import parse_reset_time
from app.secrets import redact

ACTIONS = {
    "upload": "Uploading the file to Segmind",
    "submit": "Sending the job to Segmind",
    "status": "Checking the job's status",
    "result": "Fetching the job's result",
    "credits": "Checking your Segmind credits",
    "history": "Reading your Segmind request history",
    "download": "Downloading the video",
    "probe": "Checking the link",
}

_BLOCKED = re.compile(
    r"content[\s_-]*(?:block|filter|polic|moderat)|safety|nsfw|moderation|flagged|"
    r"inappropriate|prohibited|violat",
    re.IGNORECASE,
)
_MAX_SERVER_TEXT = 300
NOT_JSON = object()


@dataclass
class Reply:
    """A response read in full (bodies are capped by the caller)."""

    status: int
    headers: httpx.Headers
    body: bytes

    def __post_init__(self) -> None:
        self.data = decode_json(self.body)

    @property
    def is_html(self) -> bool:
        ctype = self.headers.get("content-type", "").lower()
        head = self.body[:64].lstrip().lower()
        return "html" in ctype or head.startswith((b"<!doctype", b"<html", b"<"))


def decode_json(body: bytes) -> object:
    """The parsed JSON, or NOT_JSON (non-UTF-8, truncated, HTML, empty...)."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return NOT_JSON


def server_message(reply: Reply, key: str | None) -> str | None:
    """The service's own words from an error body, short and without the key."""
    text: str | None = None
    data = reply.data
    if isinstance(data, dict):
        for name in ("error_description", "error", "message", "detail"):
            value = data.get(name)
            if isinstance(value, dict):
                value = value.get("message") or value.get("error")
            if isinstance(value, str) and value.strip():
                text = value
                break
    elif isinstance(data, str):
        text = data
    elif data is NOT_JSON and reply.body and not reply.is_html:
        text = reply.body.decode("utf-8", errors="replace")
    if not text:
        return None
    text = " ".join(text.split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(text) > _MAX_SERVER_TEXT:
        text = text[: _MAX_SERVER_TEXT - 1] + "…"
    return redact(text, key)


def failed_job_error(server: str | None, request_id: object, *, status: int | None) -> SegmindError:
    """A FAILED job: content/safety blocks told apart from other failures."""
    said = server or "no reason given"
    rid = f" ({request_id})" if isinstance(request_id, str) and len(request_id) < 100 else ""
    if _BLOCKED.search(said):
        return SegmindError(
            ErrorKind.content_blocked,
            f"Segmind's safety filter blocked the job{rid}: {said}",
            status=status,
            server_message=server,
        )
    return SegmindError(
        ErrorKind.job_failed,
        f"The job failed on Segmind{rid}: {said}",
        status=status,
        server_message=server,
    )


def error_for_reply(reply: Reply, what: str, key: str | None) -> SegmindError:
    """The error for a non-2xx answer to `what` (a key of ACTIONS)."""
    code = reply.status
    said = server_message(reply, key)
    action = ACTIONS.get(what, "The request")
    quoted = f' Segmind said: "{said}"' if said else ""

    def err(kind: ErrorKind, message: str, **kw) -> SegmindError:
        return SegmindError(kind, message, status=code, server_message=said, **kw)

    if code == 401:
        return err(
            ErrorKind.invalid_key, "Segmind refused the API key (missing, wrong or expired)."
        )
    if code == 403:
        return err(ErrorKind.not_permitted, f"Your Segmind account may not do this (403).{quoted}")
    if code == 404:
        if what == "submit":
            return err(
                ErrorKind.model_retired,
                f"Segmind does not know the Speech 2 Video model any more (404).{quoted}",
            )
        if what in ("status", "result"):
            return err(ErrorKind.not_found, f"Segmind does not know this job (404).{quoted}")
        return err(ErrorKind.malformed, f"{action} failed: the address was not found (404).")
    if code == 406:
        low = (said or "").lower()
        if "spend" in low:
            return err(ErrorKind.spend_limit, f"Your team's spend limit is reached.{quoted}")
        if "credit" in low or "balance" in low or "insufficient" in low:
            return err(ErrorKind.insufficient_credits, f"Not enough Segmind credits.{quoted}")
        if "content" in low and "type" in low:
            return err(ErrorKind.bad_content_type, f"Segmind refused the request format.{quoted}")
        if "limit" in low:
            return err(ErrorKind.spend_limit, f"A Segmind account limit is reached.{quoted}")
        return err(ErrorKind.bad_request, f"{action} was refused (406).{quoted}")
    if code == 410:
        return err(ErrorKind.model_retired, f"Segmind has retired this model (410).{quoted}")
    if code == 422:
        data = reply.data if isinstance(reply.data, dict) else {}
        return failed_job_error(said, data.get("request_id"), status=code)
    if code == 429:
        return err(
            ErrorKind.rate_limited,
            f"Segmind's rate limit was reached while {action[0].lower()}{action[1:]}.",
            retry_at=parse_reset_time(reply.headers),
        )
    if code == 413:
        return err(ErrorKind.invalid_input, f"{action} failed: the file is too large for Segmind.")
    if code == 400 or 400 <= code < 500:
        detail = quoted or " (no details given)"
        return err(ErrorKind.bad_request, f"{action} was refused as invalid ({code}).{detail}")
    if code >= 500:
        what_came = " (an error page)" if reply.is_html else quoted
        return err(ErrorKind.server, f"{action} failed: Segmind had a problem ({code}){what_came}.")
    if 300 <= code < 400:
        return err(
            ErrorKind.malformed,
            f"{action} failed: Segmind redirected the request ({code}); it was not followed "
            "so that the API key stays with Segmind.",
        )
    return err(ErrorKind.malformed, f"{action} failed: unexpected answer (HTTP {code}).")


def malformed(what: str, detail: str, *, status: int | None = None, sent=None) -> SegmindError:
    """Segmind answered, but not something the app understands."""
    action = ACTIONS.get(what, "The request")
    return SegmindError(ErrorKind.malformed, f"{action} failed: {detail}", status=status, sent=sent)


def error_for_exception(exc: BaseException, what: str, host: str) -> SegmindError:
    """The error for a network failure; `sent` says whether the request may have arrived."""
    action = ACTIONS.get(what, "The request")
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        message, sent = f"{action} failed: connecting to {host} timed out.", False
    elif isinstance(exc, httpx.ProxyError):
        message, sent = f"{action} failed: the proxy refused the connection to {host}.", False
    elif isinstance(exc, httpx.ConnectError):
        sent = False
        cause = _chain(exc)
        if any(isinstance(c, ssl.SSLCertVerificationError) for c in cause) or (
            "CERTIFICATE_VERIFY_FAILED" in str(exc)
        ):
            message = (
                f"{action} failed: the certificate of {host} is not trusted "
                "(a company proxy needs its CA in SSL_CERT_FILE)."
            )
        else:
            message = f"{action} failed: could not connect to {host}."
    elif isinstance(exc, httpx.TimeoutException | TimeoutError):
        message, sent = f"{action} failed: {host} did not answer in time.", True
    elif isinstance(exc, httpx.TransportError):
        message, sent = f"{action} failed: the connection to {host} was cut.", True
    else:
        message, sent = f"{action} failed: {type(exc).__name__} talking to {host}.", True
    return SegmindError(ErrorKind.network, message, sent=sent)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen
