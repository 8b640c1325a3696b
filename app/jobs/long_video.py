"""Long videos: a recording of any length becomes parts (jobs), then one video.

A long video is a parent job whose parts are jobs (schema 5: `parent_id`,
`part_index`, `part_start`, `part_end`). Its state follows its parts: the least
advanced among the unfinished ones, `joining` while the clips are joined,
`completed` once the joined file is saved; when no part is unfinished and some did
not complete, the worst end among them. Only the parent is listed; part ids work
with wait, retry and cancel. The parent is never charged itself: each part's
attempts are (the `charges` table), so spend and duplicates count the whole video.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError
from app.jobs.model import FINISHED, PROGRESS, RETRYABLE, WORST_ENDS, Job, JobState
from app.jobs.prepare import fingerprint
from app.media.pauses import map_speech
from app.media.plan import Part, Plan, plan_parts

CANCELLED_FREE = "Cancelled before submitting; nothing was billed."


def plan_for(audio: str | Path, prices: Mapping, quality: str, cuts=None) -> Plan:
    """The cheapest plan for a recording (synchronous: run it in a worker thread)."""
    return plan_parts(map_speech(audio), prices, quality, tuple(cuts or ()))


def describe_plan(plan: Plan) -> str:
    """The plan in a few lines, for the command line's stderr."""
    lines = [
        f"Long video of {plan.seconds:.1f} s: {len(plan.parts)} parts, about "
        f"${plan.total:.2f} at {plan.quality} quality."
    ]
    for i, p in enumerate(plan.parts, 1):
        lines.append(
            f"  part {i}: {p.start:7.2f} - {p.end:7.2f} s ({p.seconds:.2f} s), "
            f"billed {p.duration} s, ${p.price:.2f}"
        )
    for g in plan.gaps:
        lines.append(f"  pause {g.start:.2f} - {g.end:.2f} s is not sent (the picture holds)")
    return "\n".join(lines)


def make_parts(job: Job, pieces: Sequence[Part]) -> list[Job]:
    """Give `job` these parts (it becomes a long video) and return them as jobs, unsaved."""
    job.part_count = len(pieces)
    job.duration = sum(p.duration for p in pieces)
    job.estimate = sum(round(p.price * 100) for p in pieces) / 100
    return [
        Job(
            image=job.image,
            audio=job.audio,
            prompt=job.prompt,
            duration=p.duration,
            quality=job.quality,
            seed=job.seed,
            enhance_prompt=job.enhance_prompt,
            image_size=job.image_size,
            image_hash=job.image_hash,
            estimate=p.price,
            demo=job.demo,
            simulated=job.simulated,
            parent_id=job.id,
            part_index=i,
            part_start=p.start,
            part_end=p.end,
            created_at=job.created_at,
        )
        for i, p in enumerate(pieces)
    ]


def long_fingerprint(job: Job, parts: list[Job]) -> str:
    """What would be paid for: the inputs, the parameters and where the cuts fall."""
    cuts = [(round(p.part_start or 0, 3), round(p.part_end or 0, 3), p.duration) for p in parts]
    text = fingerprint(job) + json.dumps(cuts)
    return hashlib.sha256(text.encode()).hexdigest()


def progress_state(parts: list[Job]) -> JobState | None:
    """The least advanced state among unfinished parts (None: every part is finished)."""
    active = [p.state for p in parts if p.state not in FINISHED]
    return min(active, key=PROGRESS.index) if active else None


def end_state(parts: list[Job]) -> JobState | None:
    """The worst end among parts that did not complete (None: all completed)."""
    ends = {p.state for p in parts}
    return next((s for s in WORST_ENDS if s in ends), None)


def outcome(parts: list[Job], cancelled: bool = False) -> dict:
    """The fields of a long video none of whose parts is unfinished and some failed."""
    state = end_state(parts) or JobState.failed  # called only when some part did not complete
    worst = next(p for p in parts if p.state == state)
    paid = [p for p in parts if p.state in (JobState.cancelled,) and p.may_be_billed]
    n = len(parts)
    if cancelled:
        free = sum(1 for p in parts if p.state == JobState.cancelled and not p.may_be_billed)
        message = f"Cancelled: {free} of {n} parts were not yet submitted (nothing billed)"
        if paid:
            message += (
                f"; {len(paid)} had been submitted: Segmind has no cancel, they may still "
                "run and be billed"
            )
        message += "."
    else:
        message = (
            f"Part {(worst.part_index or 0) + 1} of {n} {state.value}: {worst.error_message or ''}"
        )
        message = message.rstrip(": ")
        message += " Retry sends only the parts that did not complete."
    return {
        "state": state,
        "error_code": worst.error_code or state.value,
        "error_message": message,
        "may_be_billed": any(p.may_be_billed for p in parts),
    }


def accepted(job: Job, store) -> bool:
    """The service has the job (a long video: every part that has not ended)."""
    if not job.is_long:
        return bool(job.request_id)
    return all(p.request_id or p.state in FINISHED for p in store.parts(job.id))


def retry_estimate(store, job: Job) -> float | None:
    """Dollars a retry would spend: the parts it sends again (a part: its own estimate)."""
    if not job.is_long:
        return job.estimate
    return round(sum(p.estimate or 0 for p in store.parts(job.id) if p.state in RETRYABLE), 2)


def contract(job: Job, parts: list[Job]) -> dict:
    """The `--json` object of a long video: the job's, plus its parts in order."""
    data = job.to_contract()
    data["request_id"] = None
    data["parts"] = [
        {
            "id": p.id,
            "request_id": p.request_id,
            "state": p.state.value,
            "start": p.part_start,
            "end": p.part_end,
            "duration": p.duration,
        }
        for p in parts
    ]
    return data


def max_cost_refusal(estimate: float | None, limit: float | None) -> SegmindError | None:
    """The refusal of a submit whose estimate is above `--max-cost` (None: it is not)."""
    if limit is None or estimate is None or round(estimate * 100) <= round(limit * 100):
        return None
    return SegmindError(
        ErrorKind.max_cost,
        f"This would cost about ${estimate:.2f}, more than the ${limit:.2f} allowed "
        "by --max-cost; nothing was sent.",
        cli_step="Raise --max-cost, or choose --quality mid or a shorter clip.",
    )


def low_balance(credits: float | None, estimate: float) -> SegmindError | None:
    """The refusal of a long video the account's balance cannot pay for."""
    if credits is None or credits >= estimate:
        return None
    return SegmindError(
        ErrorKind.insufficient_credits,
        f"This long video costs about ${estimate:.2f} but the account has ${credits:.2f} "
        "of credits; no part was sent.",
    )
