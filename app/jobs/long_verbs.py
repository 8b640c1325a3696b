"""What the faces ask of long videos: submit, rerun, retry and cancel (see long_video).

Called from JobVerbs with the engine; each function changes a long video only in the
process that holds (or just took) its lease, as the ordinary verbs do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from app.jobs import long_video as lv
from app.jobs.events import JobChanged
from app.jobs.model import FINISHED, RETRYABLE, Job, JobState
from app.jobs.runner import cancel_changes
from app.jobs.store import LeaseLost
from app.media.plan import Part

log = logging.getLogger(__name__)


async def plan(engine, audio, quality: str, cuts=None):
    """The plan at the settings' prices (map_speech + plan_parts in a worker thread)."""
    return await asyncio.to_thread(lv.plan_for, audio, engine.settings.prices, quality, cuts)


async def submit(engine, job: Job, cuts, force: bool, drive: bool, guard_spend, max_cost, on_plan):
    """Plan, check the money (estimate limit, monthly threshold, balance), store, drive."""
    found = await plan(engine, job.audio, job.quality, cuts)
    parts = lv.make_parts(job, found.parts)
    if on_plan is not None:
        on_plan(found)
    problem = lv.max_cost_refusal(found.total, max_cost)
    if problem is None and guard_spend:
        problem = engine.spend_problem(found.total)
    if problem is not None:
        raise problem
    engine.check_twin(job, lv.long_fingerprint(job, parts), force)
    if not engine.demo:
        problem = lv.low_balance(await engine.refresh_credits(), found.total)
        if problem is not None:
            raise problem
    return engine.add_long(job, parts, drive)


def rerun(engine, old: Job, seed: int, force: bool, guard_spend) -> Job:
    """A new long video with the old one's cuts and one new seed for all its parts."""
    kept = {name: getattr(old, name) for name in _RERUN_KEEPS}
    new = Job(**kept, seed=seed, rerun_of=old.id, demo=engine.demo)
    new.simulated = engine.demo or engine.simulated_service()
    pieces = [
        Part(p.part_start, p.part_end, p.duration, engine.estimate(old.quality, p.duration) or 0)
        for p in engine.store.parts(old.id)
    ]
    parts = lv.make_parts(new, pieces)
    problem = engine.spend_problem(new.estimate) if guard_spend else None
    if problem is not None:
        raise problem
    engine.check_twin(new, lv.long_fingerprint(new, parts), force)
    return engine.add_long(new, parts, True)


_RERUN_KEEPS = (
    "image", "audio", "prompt", "quality", "enhance_prompt", "output_dir", "image_size",
    "image_hash", "audio_size", "audio_hash", "audio_seconds",
)  # fmt: skip


def carry_out(engine, job: Job, what: str) -> Job:
    """Cancel or retry a long video or one of its parts (this process holds the job)."""
    if job.parent_id is not None:
        parent = engine.store.get(job.parent_id)
        if what == "retry":
            engine._retryable(job)
            _fresh(engine, job)
            _reopen(engine, parent)
        else:
            _cancel_part(engine, job)
            refresh_parent(engine, parent)
        return engine.store.get(job.id)
    runner = engine._runners.get(job.id)
    if what == "retry":
        engine._retryable(job)
        for part in engine.store.parts(job.id):
            if part.state in RETRYABLE:
                _fresh(engine, part)
        _reopen(engine, job, fulfils="retry")
    elif job.state in FINISHED:
        engine.store.request(job.id, None)
    elif runner is not None:
        engine.store.request(job.id, "cancel")  # "cancelling..." until the runner stops
        runner.stop("cancel")
    else:
        for part in engine.store.parts(job.id):
            _cancel_part(engine, part)
        refresh_parent(engine, job, cancelled=True)
    job = engine.store.get(job.id)
    engine.events.emit(JobChanged(job.copy()))
    return job


def _fresh_attempt(job: Job) -> dict:
    from app.jobs.verbs import _fresh_attempt  # verbs imports this module: import when used

    return _fresh_attempt(job)


def _fresh(engine, part: Job) -> None:
    engine.store.move(part, JobState.pending, "retry", fulfils="retry", **_fresh_attempt(part))


def _reopen(engine, parent: Job, fulfils: str | None = None) -> None:
    """Put a finished long video back to pending (its runner sends what is left), or wake
    the runner driving it here."""
    if parent.state in FINISHED:
        changes = _fresh_attempt(parent)
        changes.update(output_path=None, output_hash=None)
        engine.store.move(parent, JobState.pending, "retry", fulfils=fulfils, **changes)
        engine.events.emit(JobChanged(parent.copy()))
    runner = engine._runners.get(parent.id)
    if runner is not None:
        runner.wake()
    else:
        engine.drive(parent.id)


def _cancel_part(engine, part: Job) -> None:
    if part.state in FINISHED:
        engine.store.request(part.id, None)
        return
    runner = engine._runners.get(part.id)
    if runner is not None:
        runner.stop("cancel")
        return
    with contextlib.suppress(LeaseLost):
        engine.store.move(
            part, JobState.cancelled, "cancelled", fulfils="cancel", **cancel_changes(part)
        )


def refresh_parent(engine, parent: Job, cancelled: bool = False) -> None:
    """Bring a long video nobody drives in line with its parts."""
    if engine._runners.get(parent.id) is not None:
        return  # its runner follows its parts itself
    parts = engine.store.parts(parent.id)
    state = lv.progress_state(parts)
    try:
        if state is not None:
            if state != parent.state:
                engine.store.move(parent, state, "a part changed")
        elif lv.end_state(parts) is not None and parent.state not in FINISHED:
            fields = lv.outcome(parts, cancelled)
            to = fields.pop("state")
            engine.store.move(parent, to, "parts ended", fulfils="cancel", **fields)
    except LeaseLost:
        log.info("long video %s is driven elsewhere; its owner follows its parts", parent.id)
        return
    engine.events.emit(JobChanged(engine.store.get(parent.id).copy()))
