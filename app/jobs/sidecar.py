"""A small JSON file next to each video: what made it (never the key)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.jobs.model import Job
from app.settings import write_atomic


def sidecar_path(video: Path) -> Path:
    return video.with_suffix(".json")


def _iso(t: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t else None


def write_sidecar(job: Job, video: Path, extra: dict | None = None, batch=None) -> Path:
    """Record inputs (names and hashes), parameters, request id, cost and times, the
    batch (an app.jobs.batch_store.Batch), take and keep mark (and `extra` entries: a
    long video's parts)."""
    info = {
        "app": "Speech2Video Studio",
        "model": "higgsfield-speech2video",
        "simulated": job.demo,
        "job_id": job.id,
        "request_id": job.request_id,
        "inputs": {
            "image": {
                "name": Path(job.image).name,
                "sha256": job.image_hash,
                "bytes": job.image_size,
            },
            "audio": {
                "name": Path(job.audio).name,
                "sha256": job.audio_hash,
                "bytes": job.audio_size,
                "seconds": job.audio_seconds,
                "trimmed": job.trim,
                "trim_start": job.trim_start if job.trim else None,
            },
        },
        "parameters": job.params(),
        "cost": job.cost,
        "metrics": job.metrics,
        "video": {"name": video.name, "sha256": job.output_hash, "source_url": job.output_url},
        "times": {
            "created": _iso(job.created_at),
            "submitted": _iso(job.submitted_at),
            "finished": _iso(job.finished_at or time.time()),
        },
        "attempt": job.attempt,
        "rerun_of": job.rerun_of,
        "batch": {"id": batch.id, "name": batch.name, "kind": batch.kind} if batch else None,
        "take": job.take,
        "kept": job.kept,
        **(extra or {}),
    }
    path = sidecar_path(video)
    write_atomic(path, json.dumps(info, indent=2).encode())
    return path


def mark_sidecar(video: Path, **changes) -> None:
    """Change entries of a video's sidecar in place (the keep mark), if it is there."""
    path = sidecar_path(video)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    info.update(changes)
    write_atomic(path, json.dumps(info, indent=2).encode())
