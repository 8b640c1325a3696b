"""Reading Segmind's request history: rows, pages and by-id answers, field by field.

Nothing here raises anything but SegmindError(malformed) for a page or record that has no
readable shape at all; a row without a readable request id is skipped (counted in `listed`).
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass

from app.api.failures import NOT_JSON, malformed
from app.api.urls import parse_url
from app.secrets import redact

STATUSES = {
    "COMPLETED": "COMPLETED",
    "COMPLETE": "COMPLETED",
    "SUCCEEDED": "COMPLETED",
    "SUCCESS": "COMPLETED",
    "FAILED": "FAILED",
    "FAILURE": "FAILED",
    "ERROR": "FAILED",
    "PENDING": "PENDING",
    "QUEUED": "PENDING",
    "PROCESSING": "PENDING",
    "IN_PROGRESS": "PENDING",
    "RUNNING": "PENDING",
}
_ENVELOPES = ("data", "rows", "items", "results", "requests", "history", "records")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_MAX_BODY_TEXT = 1 << 20


@dataclass(frozen=True)
class HistoryRow:
    """One request of the account as the history lists it (None: not given or unreadable)."""

    request_id: str  # a dashed lower-case UUID whenever the listed id is a UUID
    model_name: str | None
    status: str | None  # COMPLETED | FAILED | PENDING
    cost: float | None  # credits_deduction, USD
    request_body: dict | None  # the inputs as sent
    generation_url: str | None  # the output; http(s) only
    latency_ms: float | None
    created: float | None  # epoch seconds
    updated: float | None
    error: str | None


@dataclass(frozen=True)
class HistoryPage:
    """The readable rows of one page; `listed` counts every entry (a short page ends paging)."""

    rows: list[HistoryRow]
    listed: int
    fingerprint: str  # the same page twice means the service ignores `page`

    @property
    def skipped(self) -> int:
        return self.listed - len(self.rows)


def normalize_request_id(value: object) -> str | None:
    """A dashed lower-case UUID from any listed form (dashes or not, any case, braces)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip().strip("{}").strip()
    if not text or len(text) > 200 or not text.isprintable():
        return None
    bare = text.replace("-", "")
    if _HEX32.match(bare):
        b = bare.lower()
        return f"{b[:8]}-{b[8:12]}-{b[12:16]}-{b[16:20]}-{b[20:]}"
    return text


def parse_request_body(value: object) -> dict | None:
    """The inputs as sent: a JSON object, a JSON string or a Python-repr string."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or len(value) > _MAX_BODY_TEXT:
        return None
    text = value.strip()
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        try:  # literals only: never eval
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
    if isinstance(parsed, str):  # JSON text inside a JSON string
        return parse_request_body(parsed) if parsed.strip()[:1] == "{" else None
    return parsed if isinstance(parsed, dict) else None


def parse_time(value: object) -> float | None:
    """Epoch seconds from ISO 8601 (naive = UTC) or epoch seconds/milliseconds."""
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 64:
            return None
        try:
            value = float(text)
        except ValueError:
            try:
                when = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return when.timestamp()
    seconds = number(value)
    if seconds is None or seconds <= 0:
        return None
    return seconds / 1000.0 if seconds > 1e11 else seconds


def number(value: object) -> float | None:
    """A finite number from a number or numeric text (never a bool)."""
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


def _first(obj: dict, *names: str):
    for name in names:
        if obj.get(name) is not None:
            return obj[name]
    return None


def _text(value: object, limit: int = 300) -> str | None:
    if isinstance(value, dict):
        value = value.get("message") or value.get("error")
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return redact(text[: limit - 1] + "…" if len(text) > limit else text)


def _url(value: object) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("url")
    return value.strip() if parse_url(value) is not None else None


def parse_row(obj: object) -> HistoryRow | None:
    """One row, or None when it has no readable request id."""
    if not isinstance(obj, dict):
        return None
    request_id = normalize_request_id(_first(obj, "request_id", "requestId", "id"))
    if request_id is None:
        return None
    status = _first(obj, "model_status", "status")
    cost = number(_first(obj, "credits_deduction", "cost"))
    latency = number(_first(obj, "latency_ms", "latency"))
    model = _first(obj, "model_name", "model", "slug")
    body = _first(obj, "request_body", "parameters", "inputs")
    return HistoryRow(
        request_id=request_id,
        model_name=model.strip() if isinstance(model, str) and model.strip() else None,
        status=STATUSES.get(status.strip().upper()) if isinstance(status, str) else None,
        cost=cost if cost is not None and cost >= 0 else None,
        request_body=parse_request_body(body),
        generation_url=_url(_first(obj, "generation_url", "output_url", "output")),
        latency_ms=latency if latency is not None and latency >= 0 else None,
        created=parse_time(_first(obj, "created_at", "createdAt", "model_created", "created")),
        updated=parse_time(
            _first(obj, "updated_at", "updatedAt", "model_updated", "completed_at", "updated")
        ),
        error=_text(_first(obj, "error", "error_message")),
    )


def _entries(data: object, depth: int = 0) -> list | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and depth < 2:
        for name in _ENVELOPES:
            found = _entries(data.get(name), depth + 1)
            if found is not None:
                return found
    return None


def parse_page(data: object, status: int = 200) -> HistoryPage:
    """A page of the list (`{"data": [...]}`, a bare list, or similar envelopes)."""
    entries = _entries(data) if data is not NOT_JSON else None
    if entries is None:
        raise malformed(
            "history", "Segmind's request history had an unexpected shape.", status=status
        )
    rows = [row for row in map(parse_row, entries) if row is not None]
    digest = hashlib.sha256(json.dumps(entries, sort_keys=True, default=str).encode()).hexdigest()
    return HistoryPage(rows, len(entries), digest)


def parse_one(data: object, status: int = 200) -> HistoryRow:
    """The answer of the by-id lookup: the row itself, or the row in an envelope."""
    row = parse_row(data)
    if row is None:
        entries = _entries(data) if data is not NOT_JSON else None
        inner = data.get("data") if isinstance(data, dict) else None
        row = parse_row(inner) or (parse_row(entries[0]) if entries else None)
    if row is None:
        raise malformed("history", "Segmind's request record was not readable.", status=status)
    return row
