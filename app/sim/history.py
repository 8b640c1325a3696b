"""The account's request history as `segmind` 1.3.0 reads it (`generations.history`, `.get`).

Rows come from the simulator's own jobs (shown after `history_lag`) and from rows added
through `/_sim/history` (old requests, other models, other keys). Only the calling key's
rows are ever shown. Ids are compared without dashes, case-insensitively.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

from app.sim.http_common import iso_utc

MODEL_NAME = "higgsfield-speech2video"
STATUSES = ("COMPLETED", "FAILED", "PENDING")
SORTS = ("model_created", "model_name", "credits_deduction")
MAX_DAYS = 31
DEFAULT_DAYS = 7


class HistoryQueryError(ValueError):
    """A bad query parameter; the message names it."""


def bare(request_id: str) -> str:
    """An id without dashes, lower case: the form ids are compared in."""
    return request_id.replace("-", "").strip().lower()


def job_rows(ctx, key: str, lag: float) -> list[dict]:
    """The rows of this key's jobs that are at least `lag` (scaled) seconds old."""
    state = ctx.state
    rows = []
    with state.lock:
        state.advance()
        now = time.monotonic()
        for job in state.jobs.values():
            if job.key != key or now < job.submitted + state.options.scaled(lag):
                continue
            status = job.status(now)
            done = status in ("COMPLETED", "FAILED")
            f = state.options.time_factor or 1.0
            latency = ((job.finished or now) - job.submitted) / f * 1000
            rows.append(
                {
                    "request_id": job.request_id,
                    "model_name": MODEL_NAME,
                    "status": status if done else "PENDING",
                    "cost": job.price if job.billed else 0.0,
                    "body": job.body,
                    "url": ctx.output_url(job.request_id) if status == "COMPLETED" else None,
                    "latency_ms": round(latency) if done else None,
                    "created": job.submitted_wall,
                    "updated": job.wall(job.finished) if job.finished else job.submitted_wall,
                    "error": job.error() if status == "FAILED" else None,
                    "copies": 1,
                }
            )
    return rows


def seeded_rows(state, key: str) -> list[dict]:
    with state.lock:
        return [dict(row) for row in state.seeded if row["key"] == key]


def all_rows(ctx, key: str, lag: float) -> list[dict]:
    """Every row of `key`, a request with several outputs once per output."""
    rows = job_rows(ctx, key, lag) + seeded_rows(ctx.state, key)
    return [row for row in rows for _ in range(max(1, row["copies"]))]


def render(row: dict, options) -> dict:
    """A row as the service sends it."""
    body = row["body"]
    if options.history_body == "repr":
        body = repr(body)
    elif options.history_body == "json_string":
        body = json.dumps(body)
    rid = bare(row["request_id"]) if options.history_dashless_ids else row["request_id"]
    return {
        "request_id": rid,
        "model_name": row["model_name"],
        "model_status": row["status"],
        "credits_deduction": round(row["cost"], 2),
        "request_body": body,
        "generation_url": row["url"],
        "latency_ms": row["latency_ms"],
        "created_at": iso_utc(row["created"]),
        "updated_at": iso_utc(row["updated"]),
        "error": row["error"],
    }


def _date(params: dict, name: str) -> dt.date | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise HistoryQueryError(f"{name} must be a date as YYYY-MM-DD") from None


def _int(params: dict, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HistoryQueryError(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise HistoryQueryError(f"{name} must be from {low} to {high}")
    return value


def query(ctx, key: str, params: dict) -> dict:
    """One page of the list, as the service answers it; raises HistoryQueryError."""
    page = _int(params, "page", 1, 1, 1_000_000)
    per_page = _int(params, "per_page", 20, 1, 100)
    today = dt.datetime.now(dt.UTC).date()
    to_date = _date(params, "to_date") or today
    from_date = _date(params, "from_date") or to_date - dt.timedelta(days=DEFAULT_DAYS)
    if from_date > to_date:
        raise HistoryQueryError("from_date must not be after to_date")
    if (to_date - from_date).days + 1 > MAX_DAYS:
        raise HistoryQueryError(f"from_date and to_date may span at most {MAX_DAYS} days")
    status = (params.get("status") or "").upper()
    if status and status not in STATUSES:
        raise HistoryQueryError(f"status must be one of {', '.join(STATUSES)}")
    sort_by = params.get("sort_by") or "model_created"
    if sort_by not in SORTS:
        raise HistoryQueryError(f"sort_by must be one of {', '.join(SORTS)}")
    order = (params.get("sort_order") or "desc").lower()
    if order not in ("asc", "desc"):
        raise HistoryQueryError("sort_order must be asc or desc")
    model = (params.get("model_name") or "").lower()

    def keep(row: dict) -> bool:
        day = dt.datetime.fromtimestamp(row["created"], dt.UTC).date()
        return (
            from_date <= day <= to_date
            and (not status or row["status"] == status)
            and model in row["model_name"].lower()
        )

    field = {"model_created": "created", "model_name": "model_name", "credits_deduction": "cost"}
    rows = [r for r in all_rows(ctx, key, ctx.state.options.history_lag) if keep(r)]
    rows.sort(key=lambda r: (r[field[sort_by]], r["created"]), reverse=order == "desc")
    shown = rows[(page - 1) * per_page : page * per_page]
    options = ctx.state.options
    return {
        "data": [render(r, options) for r in shown],
        "page": page,
        "per_page": per_page,
        "total": len(rows),
    }


def find(ctx, key: str, request_id: str) -> dict | None:
    """One row of `key` by id (any age, dashes or not), or None."""
    wanted = bare(request_id)
    for row in all_rows(ctx, key, ctx.state.options.history_get_lag):
        if bare(row["request_id"]) == wanted:
            return render(row, ctx.state.options)
    return None


def seed(state, data: dict) -> list[str]:
    """Add history rows (old requests, other models or keys): `/_sim/history`."""
    options = state.options
    key = data.get("key") or options.keys[0]
    if not isinstance(key, str):
        raise ValueError("key must be a string")
    status = str(data.get("status", "COMPLETED")).upper()
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    count = int(data.get("count", 1))
    if not 1 <= count <= 10_000:
        raise ValueError("count must be from 1 to 10000")
    created = data.get("created_at")
    if isinstance(created, str):
        created = dt.datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()
    elif created is None:
        created = time.time() - float(data.get("days_ago", 0)) * 86400
    spacing = float(data.get("spacing_seconds", 60))
    body = data.get("request_body", {"prompt": "an older request"})
    ids = []
    with state.lock:
        for i in range(count):
            rid = str(data["request_id"]) if count == 1 and data.get("request_id") else None
            rid = rid or str(uuid.uuid4())
            at = float(created) - i * spacing
            state.seeded.append(
                {
                    "request_id": rid,
                    "key": key,
                    "model_name": str(data.get("model_name", MODEL_NAME)),
                    "status": status,
                    "cost": float(data.get("credits_deduction", 0.0)),
                    "body": body,
                    "url": data.get("generation_url"),
                    "latency_ms": data.get("latency_ms"),
                    "created": at,
                    "updated": at + float(data.get("latency_ms") or 0) / 1000,
                    "error": data.get("error"),
                    "copies": int(data.get("outputs", 1)),
                }
            )
            ids.append(rid)
    return ids
