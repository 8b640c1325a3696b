"""The last stage of a long video: its parts' clips become one video under the original voice.

The join is crash-safe like a download: written to a temporary file next to the
video, synced and renamed into place (app.media.join); a kill during it leaves the
long video `joining`, and the next run joins again. The parts' clips wait in the
cache folder and are removed once the joined video is saved (kept when the join
fails, so retry joins them again without paying). The sidecar lists every part.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError
from app.jobs import media
from app.jobs.context import Stop
from app.jobs.crashpoints import crash_point
from app.jobs.events import JobProgress
from app.jobs.model import JobState
from app.jobs.saving import folder_error
from app.jobs.sidecar import sidecar_path, write_sidecar
from app.media.files import MediaError
from app.media.join import Piece, join_parts
from app.settings import check_output_folder

STEPS = 1000  # the join's progress is reported in thousandths


async def join_video(runner) -> None:
    """Join the completed parts' clips, probe the result, write the sidecar, complete."""
    ctx, job = runner.ctx, runner.job
    parts = runner.parts()
    runner.own_phase = True
    if job.state != JobState.joining:
        runner.move(JobState.joining, f"joining {len(parts)} parts")
    dest = ctx.output_path(job)
    problem = await asyncio.to_thread(check_output_folder, dest.parent)
    if problem:
        raise folder_error(dest.parent, problem, None)
    missing = [p for p in parts if not p.output_path or not Path(p.output_path).exists()]
    if missing:
        raise SegmindError(
            ErrorKind.job_failed,
            f"The clip of part {missing[0].part_index + 1} is missing from the cache folder, "
            "so the parts cannot be joined.",
            next_step="Retry the part (it is made and paid for again), or re-run the video.",
        )
    _remove_leftovers(dest)
    pieces = [Piece(Path(p.output_path), p.part_start, p.part_end - p.part_start) for p in parts]
    loop = asyncio.get_running_loop()
    shown = [0.0]

    def progress(fraction: float) -> None:  # in the worker thread
        if runner.stopping:
            raise Stop
        if fraction >= 0.3:
            crash_point("mid-join")
        if time.monotonic() - shown[0] > 0.1:
            shown[0] = time.monotonic()
            event = JobProgress(job.id, "join", round(fraction * STEPS), STEPS)
            loop.call_soon_threadsafe(runner.emit, event)

    try:
        result = await asyncio.to_thread(join_parts, pieces, job.audio, dest, progress=progress)
    except MediaError as e:
        raise SegmindError(
            ErrorKind.job_failed,
            f"The {len(parts)} parts' clips could not be joined ({e.reason}).",
            next_step="The clips are kept: retry joins them again (nothing is paid twice).",
        ) from None
    digest = await asyncio.to_thread(media.file_sha256, dest)
    job.output_path, job.output_hash = str(dest), digest
    extra = {"parts": [_part_entry(p) for p in parts], "join": _join_entry(result)}
    costs = [p.cost for p in parts]
    extra["cost_total"] = round(sum(costs), 4) if None not in costs else None
    batch = ctx.store.batch(job.batch_id) if job.batch_id else None
    await asyncio.to_thread(write_sidecar, job, dest, extra, batch)
    crash_point("after-join")
    runner.move(
        JobState.completed,
        "parts joined",
        output_path=str(dest),
        output_hash=digest,
        error_code=None,
        error_message=None,
    )
    runner.own_phase = False
    _remove_clips(parts)


def _part_entry(part) -> dict:
    return {
        "index": part.part_index + 1,
        "id": part.id,
        "request_id": part.request_id,
        "start": part.part_start,
        "end": part.part_end,
        "duration": part.duration,
        "cost": part.cost,
        "attempt": part.attempt,
        "submitted": _iso(part.submitted_at),
        "finished": _iso(part.finished_at),
    }


def _join_entry(result) -> dict:
    v = result.video
    return {
        "copied": result.copied,  # True: the clips' video was joined without re-encoding
        "seconds": round(v.seconds, 3),
        "codec": v.codec,
        "size": [v.width, v.height],
    }


def _iso(t: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t else None


def _remove_leftovers(dest: Path) -> None:
    """Temporary files of a join that was killed mid-way."""
    for stale in dest.parent.glob(f".{dest.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _remove_clips(parts) -> None:
    folders = set()
    for part in parts:
        if not part.output_path:
            continue
        clip = Path(part.output_path)
        folders.add(clip.parent)
        for f in (clip, sidecar_path(clip)):
            with contextlib.suppress(OSError):
                f.unlink()
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()
