"""What the service answers, as small typed values, read defensively.

Every parser takes the decoded JSON of a 2xx answer and either returns a value or
raises SegmindError(malformed) naming what was missing; never another exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from app.api.failures import NOT_JSON, failed_job_error, malformed

QUEUED, PROCESSING, COMPLETED, FAILED = "QUEUED", "PROCESSING", "COMPLETED", "FAILED"

# Names other queue services use for the same states; accepted to be safe.
_STATUS_ALIASES = {
    "QUEUED": QUEUED,
    "IN_QUEUE": QUEUED,
    "PENDING": QUEUED,
    "STARTING": QUEUED,
    "PROCESSING": PROCESSING,
    "IN_PROGRESS": PROCESSING,
    "RUNNING": PROCESSING,
    "COMPLETED": COMPLETED,
    "COMPLETE": COMPLETED,
    "SUCCEEDED": COMPLETED,
    "SUCCESS": COMPLETED,
    "FAILED": FAILED,
    "FAILURE": FAILED,
    "ERROR": FAILED,
}


@dataclass(frozen=True)
class Submission:
    """A job the service accepted (and will bill when it completes)."""

    request_id: str
    status: str
    status_url: str
    response_url: str


@dataclass(frozen=True)
class JobStatus:
    """Where a job is: QUEUED, PROCESSING or COMPLETED (FAILED raises instead)."""

    status: str
    request_id: str | None = None
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True)
class JobResult:
    """A job's result; `output_url` is set once COMPLETED."""

    status: str
    output_url: str | None = None
    metrics: dict = field(default_factory=dict)
    cost: float | None = None
    video: dict | None = None


@dataclass(frozen=True)
class Credits:
    """The account's balance in dollars."""

    credits: float
    free_credits: float = 0.0


def _object(data: object, what: str, status: int) -> dict:
    if data is NOT_JSON:
        raise malformed(what, "Segmind's answer was not readable data (not JSON).", status=status)
    if not isinstance(data, dict):
        raise malformed(what, "Segmind's answer had an unexpected shape.", status=status)
    return data


def _text(value: object, limit: int = 2048) -> str | None:
    return value if isinstance(value, str) and value.strip() and len(value) <= limit else None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _status(data: dict, what: str, status: int) -> str:
    raw = data.get("status")
    name = _STATUS_ALIASES.get(raw.strip().upper()) if isinstance(raw, str) else None
    if name is None:
        shown = repr(raw)[:40] if raw is not None else "none"
        raise malformed(what, f"Segmind reported an unknown job status ({shown}).", status=status)
    return name


def _metrics(data: dict) -> dict:
    value = data.get("metrics")
    return value if isinstance(value, dict) else {}


def _raise_if_failed(data: dict, name: str, status: int) -> None:
    if name == FAILED:
        error = data.get("error")
        said = " ".join(error.split())[:300] if isinstance(error, str) else None
        raise failed_job_error(said, data.get("request_id"), status=status)


def parse_submission(data: object, status: int) -> dict:
    """The fields of a submit answer (URLs are checked by the client)."""
    obj = _object(data, "submit", status)
    request_id = _text(obj.get("request_id"), 200)
    if request_id is None:
        raise malformed("submit", "Segmind accepted the job but sent no request id.", status=status)
    raw = obj.get("status")
    return {
        "request_id": request_id.strip(),
        "status": _STATUS_ALIASES.get(raw.upper(), QUEUED) if isinstance(raw, str) else QUEUED,
        "status_url": _text(obj.get("status_url")),
        "response_url": _text(obj.get("response_url")),
    }


def parse_status(data: object, status: int) -> JobStatus:
    obj = _object(data, "status", status)
    name = _status(obj, "status", status)
    _raise_if_failed(obj, name, status)
    return JobStatus(name, _text(obj.get("request_id"), 200), _metrics(obj))


def parse_result(data: object, status: int, output_ok) -> JobResult:
    """A result; `output_ok(url)` says whether an output URL may be downloaded."""
    obj = _object(data, "result", status)
    name = _status(obj, "result", status)
    _raise_if_failed(obj, name, status)
    metrics = _metrics(obj)
    video = obj.get("video") if isinstance(obj.get("video"), dict) else None
    output = obj.get("output")
    if isinstance(output, list) and output:
        output = output[0]
    url = _text(output)
    if url is None and video is not None:
        url = _text(video.get("url"))
    if name == COMPLETED:
        if url is None:
            raise malformed("result", "the job is complete but Segmind sent no video link.")
        if not output_ok(url):
            raise malformed("result", "Segmind's video link is not a safe https address.")
    return JobResult(
        name, url if name == COMPLETED else None, metrics, _number(metrics.get("cost")), video
    )


def parse_credits(data: object, status: int) -> Credits:
    obj = _object(data, "credits", status)
    credits = _number(obj.get("credits"))
    if credits is None:
        raise malformed("credits", "Segmind's answer had no credit balance.", status=status)
    free = _number(obj.get("free-credits", obj.get("free_credits")))
    return Credits(credits, free or 0.0)


__all__ = [
    "COMPLETED",
    "Credits",
    "FAILED",
    "JobResult",
    "JobStatus",
    "PROCESSING",
    "QUEUED",
    "Submission",
    "parse_credits",
    "parse_result",
    "parse_status",
    "parse_submission",
]
