"""The `/_sim` admin endpoints: log, submits, jobs, config, faults, history, reset, expire."""

from __future__ import annotations

import collections
import dataclasses
import json
import time

from app.sim import history
from app.sim.faults import Fault


def handle(h, method: str, path: str):
    """Answer one admin request on handler `h`."""
    ctx, state = h.ctx, h.ctx.state
    body = h.read_body() if method == "POST" else b""
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        return h.reply_json(400, {"error": "admin bodies are JSON objects"})
    if not isinstance(data, dict):
        return h.reply_json(400, {"error": "admin bodies are JSON objects"})
    name = path[len("/_sim/") :].rstrip("/")
    if method == "GET":
        if name == "log":
            return h.reply_json(200, state.log_copy())
        if name == "submits":
            return h.reply_json(200, state.submits_copy())
        if name == "options":
            return h.reply_json(200, dataclasses.asdict(state.options))
        if name == "stats":
            return h.reply_json(200, ctx.stats())
        if name.startswith("jobs/"):
            view = job_view(ctx, name[len("jobs/") :])
            if view is None:
                return h.reply_json(404, {"error": "no such job"})
            return h.reply_json(200, view)
    if method == "POST":
        if name == "config":
            try:
                options = state.configure(data)
            except (ValueError, TypeError) as e:
                return h.reply_json(400, {"error": str(e)})
            if "seed" in data:
                ctx.faults.clear(options.seed)
            return h.reply_json(200, dataclasses.asdict(options))
        if name == "faults":
            try:
                fault, count = Fault.from_json(data)
            except (ValueError, TypeError) as e:
                return h.reply_json(400, {"error": str(e)})
            ctx.faults.add(fault, count)
            return h.reply_json(200, {"queued": ctx.faults.pending()})
        if name == "reset":
            state.reset()
            ctx.faults.clear(state.options.seed)
            ctx.forget_videos()
            return h.reply_json(200, {"ok": True})
        if name == "history":
            try:
                ids = history.seed(state, data)
            except (ValueError, TypeError, KeyError) as e:
                return h.reply_json(400, {"error": str(e)})
            return h.reply_json(200, {"request_ids": ids})
        if name.startswith("expire/"):
            found = state.expire(name[len("expire/") :])
            return h.reply_json(200 if found else 404, {"expired": found})
    return h.reply_json(404, {"error": f"unknown admin endpoint {method} {path}"})


def request_counts(state) -> dict:
    """Accepted submits grouped by request body; keyed requests per Host and per target."""
    by_body: dict[str, dict] = {}
    for s in state.submits_copy():
        text = json.dumps(s["body"], sort_keys=True)
        group = by_body.setdefault(text, {"body": s["body"], "count": 0, "request_ids": []})
        group["count"] += 1
        group["request_ids"].append(s["request_id"])
    keyed = [e for e in state.log_copy() if e["key_present"]]
    return {
        "accepted_submits": sum(g["count"] for g in by_body.values()),
        "submits_by_body": list(by_body.values()),
        "keyed_by_host": dict(collections.Counter(e["host"] for e in keyed)),
        "keyed_by_target": dict(collections.Counter(e["target"] or "other" for e in keyed)),
    }


def job_view(ctx, request_id: str) -> dict | None:
    """The simulator's inside view of one job (tests and benchmarks)."""
    state = ctx.state
    with state.lock:
        state.advance()
        job = state.jobs.get(request_id)
        if job is None:
            return None
        now = time.monotonic()
        video = job.video
        return {
            "request_id": job.request_id,
            "status": job.status(now),
            "expired": now >= job.expires_at,
            "prompt": job.prompt,
            "seed": job.seed,
            "duration": job.duration,
            "quality": job.quality,
            "price": job.price,
            "billed": job.billed,
            "answered": job.answered,
            "outcome": job.outcome,
            "image_url": job.image_url,
            "audio_url": job.audio_url,
            "seconds_left": max(0.0, job.done_at - now),
            "video_ready": bool(video and video.done.is_set() and video.path),
            "video_error": video.error if video else None,
            "sha256": video.sha256 if video else None,
            "size": video.size if video else 0,
            "output_url": ctx.output_url(request_id),
        }
