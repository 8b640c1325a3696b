"""Segmind's account-level request history: read defensively, searched, summed.

What the `segmind` SDK 1.3.0 documents (`Generations.history` and `.get`): a paged list
`GET {history_url}?page&per_page&from_date&to_date&model_name&status` of the calling
account's requests, and `GET {history_url}/{request_id}` for one request of any age. The
page envelope, the timestamp names, how soon a request appears and the id format are not
documented: rows are parsed field by field (an unreadable row is skipped, an unreadable
page raises), ids are compared as dashed lower-case UUIDs, and lists are paged until a
short page. Everything here but `list_rows` and `search` is pure; reading rows is in
app/api/history_rows.py (its names are importable from here too).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from app.api.errors import ErrorKind, SegmindError
from app.api.failures import malformed
from app.api.history_rows import (
    STATUSES,
    HistoryPage,
    HistoryRow,
    normalize_request_id,
    parse_one,
    parse_page,
    parse_request_body,
    parse_row,
    parse_time,
)
from app.api.history_rows import number as _number

MODEL = "higgsfield-speech2video"
MAX_PER_PAGE = 100
MAX_WINDOW_DAYS = 31  # "the window may span at most 31 days" (inclusive dates)
MAX_PAGES = 100  # per window: 10,000 requests of this model in 31 days is not a creator's
MATCH_FIELDS = (
    "input_image",
    "input_audio",
    "prompt",
    "seed",
    "duration",
    "quality",
    "enhance_prompt",
)
MODEL_DEFAULTS = {  # what the service uses for a field that was not sent
    "prompt": (
        "Generate a captivating avatar video with fluent dialogue and lively facial gestures."
    ),
    "duration": 10,
    "quality": "high",
    "enhance_prompt": False,
    "seed": 42,
}


class NoHistory(SegmindError):
    """This client has no request history address (the API base is not Segmind's own)."""

    def __init__(self) -> None:
        super().__init__(
            ErrorKind.network,
            "There is no Segmind request history for this API address.",
            next_step="Set SEGMIND_HISTORY_URL to the request history of this service.",
            sent=False,
        )


@dataclass(frozen=True)
class MonthSpend:
    """A month's requests of this model from the history, each request counted once."""

    month: str
    total_usd: float
    requests: int
    made_here_usd: float
    made_here_requests: int

    def to_dict(self) -> dict:
        return {
            "month": self.month,
            "total_usd": self.total_usd,
            "requests": self.requests,
            "made_here_usd": self.made_here_usd,
            "made_here_requests": self.made_here_requests,
        }


def means_unknown_request(err: SegmindError, request_id: str) -> bool:
    """A 404 that names the request: the history has no such request (not a missing route)."""
    if err.status != 404:
        return False
    said = (err.server_message or "").lower()
    rid = request_id.strip().lower()
    return bool(said) and (rid in said or rid.replace("-", "") in said or "request" in said)


# --- addresses and windows -----------------------------------------------------


def page_url(history_url: str, **query) -> str:
    """The list's URL with the query (None values left out, dates as YYYY-MM-DD)."""
    params = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in query.items()}
    params = {k: v for k, v in params.items() if v is not None and v != ""}
    return f"{history_url.rstrip('/')}?{urllib.parse.urlencode(params)}"


def row_url(history_url: str, request_id: str) -> str:
    return f"{history_url.rstrip('/')}/{urllib.parse.quote(request_id.strip(), safe='')}"


def utc_day(epoch: float) -> dt.date:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).date()


def date_windows(first: dt.date, last: dt.date, days: int = MAX_WINDOW_DAYS):
    """Inclusive (from, to) date pairs of at most `days` days covering first..last."""
    windows = []
    while first <= last:
        end = min(last, first + dt.timedelta(days=days - 1))
        windows.append((first, end))
        first = end + dt.timedelta(days=1)
    return windows


def month_days(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of "YYYY-MM" (ValueError when it is not one)."""
    if not re.fullmatch(r"\d{4}-\d{2}", month or ""):
        raise ValueError(f"{month!r} is not a month as YYYY-MM")
    first = dt.date(int(month[:4]), int(month[5:]), 1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


# --- matching and summing --------------------------------------------------------


def same_model(name: str | None, model: str = MODEL) -> bool:
    """True for this model's rows ("higgsfield-speech2video", any case or separator)."""

    def squash(text: str) -> str:
        return re.sub(r"[^0-9a-z]", "", text.lower())

    return name is None or squash(name) == squash(model)


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    return None


def same_value(sent: object, listed: object) -> bool:
    """Equal up to how a service may store it: "10" == 10 == 10.0, "true" == True."""
    if sent is None or listed is None:
        return sent is None and listed is None
    if isinstance(sent, bool) or isinstance(listed, bool):
        a, b = _as_bool(sent), _as_bool(listed)
        return a is not None and a == b
    if isinstance(sent, int | float) or isinstance(listed, int | float):
        a, b = _number(sent), _number(listed)
        return a is not None and a == b
    if isinstance(sent, str) and isinstance(listed, str):
        return (
            unicodedata.normalize("NFC", sent).strip()
            == unicodedata.normalize("NFC", listed).strip()
        )
    return sent == listed


def matches(row: HistoryRow, sent_inputs: dict) -> bool:
    """True when the row's request_body carries every value this attempt sent.

    Every field of MATCH_FIELDS that was sent must be in the body with an equal value; one
    that was not sent must be absent or the model's default (a service may fill defaults
    in). The image and audio URLs are required: uploads are shared between parts and
    takes, so URLs alone are not enough, and without them nothing is.
    """
    body = row.request_body
    if body is None or not sent_inputs.get("input_image") or not sent_inputs.get("input_audio"):
        return False
    for name in MATCH_FIELDS:
        if name in sent_inputs:
            if name not in body or not same_value(sent_inputs[name], body[name]):
                return False
        elif name in body and not same_value(MODEL_DEFAULTS.get(name), body[name]):
            return False
    return True


def unique(rows: Iterable[HistoryRow]) -> list[HistoryRow]:
    """One row per request_id (a request with several outputs is listed once per output)."""
    seen: dict[str, HistoryRow] = {}
    for row in rows:
        kept = seen.get(row.request_id)
        if kept is None or (kept.cost is None and row.cost is not None):
            seen[row.request_id] = row
    return list(seen.values())


def month_spend(
    rows: Iterable[HistoryRow], month: str, made_here: Iterable[str] = (), model: str = MODEL
) -> MonthSpend:
    """Sum this model's requests of `month` (UTC), each request_id once; `made_here`: ids
    of this studio's own jobs (any form)."""
    first, last = month_days(month)
    here = {normalize_request_id(r) for r in made_here} - {None}
    total = here_total = 0.0
    count = here_count = 0
    for row in unique(rows):
        if not same_model(row.model_name, model):
            continue
        if row.created is not None and not first <= utc_day(row.created) <= last:
            continue
        cost = row.cost or 0.0
        total, count = total + cost, count + 1
        if row.request_id in here:
            here_total, here_count = here_total + cost, here_count + 1
    return MonthSpend(month, round(total, 2), count, round(here_total, 2), here_count)


# --- talking to the service (through SegmindClient's budget and retries) ---------


async def list_rows(
    client, first: dt.date, last: dt.date, *, model_name: str | None = MODEL, status=None
) -> list[HistoryRow]:
    """Every readable row from `first` to `last` (UTC dates), window by window, page by page."""
    rows: list[HistoryRow] = []
    for start, end in date_windows(first, last):
        previous = None
        for page in range(1, MAX_PAGES + 1):
            got = await client.history_page(
                page=page,
                per_page=MAX_PER_PAGE,
                from_date=start,
                to_date=end,
                model_name=model_name,
                status=status,
            )
            if got.listed and got.fingerprint == previous:
                break  # the same page again: the service ignores `page`
            rows.extend(got.rows)
            if got.listed < MAX_PER_PAGE:
                break
            previous = got.fingerprint
        else:
            raise malformed("history", f"the request history ran past {MAX_PAGES} pages.")
    return rows


async def search(
    client, sent_inputs: dict, since: float, until: float, *, slack: float = 300.0
) -> list[HistoryRow]:
    """This model's requests made between `since` and `until` (epoch, +- `slack` for clock
    differences) whose body carries every value sent: 0 = not found, 2+ = ambiguous."""
    low, high = since - slack, until + slack
    rows = await list_rows(client, utc_day(low), utc_day(high))
    return [
        row
        for row in unique(rows)
        if same_model(row.model_name)
        and (row.created is None or low <= row.created <= high)
        and matches(row, sent_inputs)
    ]


__all__ = [
    "MATCH_FIELDS",
    "MAX_PER_PAGE",
    "MAX_WINDOW_DAYS",
    "MODEL",
    "STATUSES",
    "HistoryPage",
    "HistoryRow",
    "MonthSpend",
    "NoHistory",
    "date_windows",
    "list_rows",
    "matches",
    "means_unknown_request",
    "month_days",
    "month_spend",
    "normalize_request_id",
    "page_url",
    "parse_one",
    "parse_page",
    "parse_request_body",
    "parse_row",
    "parse_time",
    "row_url",
    "same_model",
    "same_value",
    "search",
    "unique",
    "utc_day",
]
