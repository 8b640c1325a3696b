"""Settling "maybe billed" and "expired" jobs from Segmind's own request history.

A submit whose answer was lost stays `submitting` ("checking with Segmind") while the
history is searched for a request of this account, in this attempt's time window, whose
body carries every value the attempt sent: at once, then 2, 5, 10, 20 and 40 s after,
then every minute until the settle window (`Timings.settle_window_seconds`) ends. One
match is adopted (its request id and the URLs the submit answer would have given); a
FAILED one fails the job with the service's error; none ends `interrupted` ("most likely
not billed"); two or more are ambiguous and never adopted. Nothing is ever resubmitted.

A request the status, result or download routes no longer know (404, or older than the
local retention) is fetched by id from the history: its `generation_url` outlives the
hour. Without a history lookup (an overridden API base without SEGMIND_HISTORY_URL) the
old answers stand: interrupted at once, expired.
"""

from __future__ import annotations

import logging
import time

from app.api import history
from app.api.errors import ErrorKind, SegmindError
from app.jobs.events import JobWaiting
from app.jobs.model import JobState

log = logging.getLogger(__name__)

SEARCH_AT = (0.0, 2.0, 5.0, 10.0, 20.0, 40.0)  # seconds after the answer was lost (scaled)
SEARCH_EVERY = 60.0  # then this often, until the settle window ends
CHECKING = "segmind_history"  # JobWaiting reason: "checking with Segmind"

MAY_BE_BILLED = (
    "The submit may have reached Segmind, but its answer was lost, so the job may have been "
    "billed. It was not sent again."
)
NOT_FOUND = (
    "Segmind's history shows no such request: it was most likely not billed. It was not sent again."
)
UNREADABLE = (
    "The submit's answer was lost and Segmind's request history could not be read, so "
    "the job may have been billed. It was not sent again."
)


def ambiguous(count: int) -> str:
    return (
        f"Segmind's history shows {count} requests with exactly this job's inputs, so the "
        "app cannot tell which one is this job's; none was adopted and nothing was sent "
        "again. Check your Segmind dashboard before retrying."
    )


def sent_inputs(job) -> dict:
    """What this attempt's submit carried (as JobRunner.inputs())."""
    return {"input_image": job.image_url, "input_audio": job.audio_url, **job.params()}


def submit_started(store, job) -> float:
    """When this attempt's submit was first sent: its last move to `submitting`."""
    for entry in reversed(store.history(job.id)):
        if entry.what.endswith("->submitting"):
            return entry.at
    return job.updated_at or job.created_at


def search_times(timings) -> list[float]:
    """Offsets (seconds, scaled) of the searches within the settle window."""
    window = timings.s("settle_window_seconds")
    times = [timings.scale * s for s in SEARCH_AT]
    every = timings.scale * SEARCH_EVERY
    while times[-1] + every < window:
        times.append(times[-1] + every)
    if times[-1] < window:
        times.append(window)
    return [t for t in times if t <= window]


async def search_once(ctx, job, since: float, until: float | None = None) -> list:
    """Unadopted history rows matching the job's attempt (a request another job of this
    studio already holds is never this one's)."""
    until = time.time() if until is None else until
    rows = await history.search(ctx.client(), sent_inputs(job), since, until)
    return [r for r in rows if ctx.store.job_with_request(r.request_id) in (None, job.id)]


async def settle_lost_submit(runner, *, then_resubmit: bool = False) -> str:
    """Search the history for the lost answer of the runner's submit.

    Returns "adopted" (the job is queued with the request id), "ended" (failed or
    interrupted) or, with `then_resubmit` (after a 5xx answer), "missing": nothing found,
    the caller may send it once more.
    """
    ctx, job, t = runner.ctx, runner.job, runner.t
    client = ctx.client()
    if not client.has_history:
        if then_resubmit:
            return "missing"
        runner.fail(SegmindError(ErrorKind.interrupted, MAY_BE_BILLED), JobState.interrupted)
        return "ended"
    since = submit_started(ctx.store, job)
    start = time.monotonic()
    times = search_times(t)
    runner.emit(JobWaiting(job.id, CHECKING, time.time() + times[-1]))
    why = "a server error answered the submit" if then_resubmit else "the submit's answer was lost"
    ctx.store.note(job.id, "checking with Segmind", why)
    searched = False
    for at in times:
        await runner.sleep(start + at - time.monotonic())
        try:
            found = await search_once(ctx, runner.job, since)
        except SegmindError as err:
            if err.kind == ErrorKind.invalid_key:
                break
            log.warning("job %s: history search failed: %s", job.id, err.message)
            continue
        searched = True
        if len(found) > 1:
            end_interrupted(runner, ambiguous(len(found)))
            return "ended"
        if found:
            return adopt(runner, found[0])
    if then_resubmit and searched:
        return "missing"
    end_interrupted(runner, NOT_FOUND if searched else UNREADABLE)
    return "ended"


def failed_error(row) -> SegmindError:
    return SegmindError(ErrorKind.job_failed, row.error or "Segmind reports the job failed.")


def end_interrupted(runner, message: str) -> None:
    runner.fail(SegmindError(ErrorKind.interrupted, message), JobState.interrupted)


def adopt(runner, row) -> str:
    """Take a history row as the job's request: queued (or failed, with its error)."""
    ctx, job = runner.ctx, runner.job
    client = ctx.client()
    rid = history.normalize_request_id(row.request_id) or row.request_id
    accepted = {
        "request_id": rid,
        "status_url": client.status_url_for(rid),
        "response_url": client.response_url_for(rid),
        "submitted_at": row.created or time.time(),
    }
    ctx.store.keep_request_id(job.id, **accepted)
    ctx.store.note(job.id, "found in Segmind's history", rid)
    if row.status == "FAILED":
        for name, value in accepted.items():
            setattr(runner.job, name, value)
        runner.job.cost = row.cost or 0.0  # a failed request is not billed
        runner.fail(failed_error(row))
        return "ended"
    runner.move(
        JobState.queued,
        f"adopted {rid} from Segmind's history",
        error_code=None,
        error_message=None,
        **accepted,
    )
    return "adopted"


async def output_from_history(runner, failed_url: str | None = None) -> str:
    """The job's video by its request id in the history, for a request the status, result
    or download routes no longer know. Returns "downloading" (output_url set from the
    history), "failed" (ended with the service's error), "pending" (not finished yet)
    or "none" (no output there either, or no history to ask)."""
    ctx, job = runner.ctx, runner.job
    client = ctx.client()
    if not client.has_history or not job.request_id:
        return "none"
    try:
        row = await runner.unless_stopped(client.history_get(job.request_id))
    except SegmindError as err:
        if err.kind == ErrorKind.invalid_key:
            raise
        log.warning("job %s: request history unavailable: %s", job.id, err.message)
        return "unreachable"
    if row is None:
        return "none"
    if row.status == "FAILED":
        runner.job.cost = row.cost or 0.0
        runner.fail(failed_error(row))
        return "failed"
    if not row.generation_url:
        return "pending" if row.status != "COMPLETED" else "none"
    if row.generation_url == failed_url:
        return "none"
    runner.move(
        JobState.downloading if job.state != JobState.downloading else job.state,
        "output from Segmind's history",
        output_url=row.generation_url,
        output_until=(row.updated or row.created or time.time())
        + runner.t.s("output_kept_seconds"),
        cost=row.cost if row.cost is not None else job.cost,
    )
    return "downloading"


async def when_forgotten(runner, why: str) -> bool:
    """The status or result route no longer knows the request (a 404, or older than the
    local retention): take its video from the history. True when the job left polling
    (downloading, failed or expired); False after waiting to poll again."""
    outcome = await output_from_history(runner)
    if outcome in ("downloading", "failed"):
        return True
    job = runner.job
    age = time.time() - (job.submitted_at or job.created_at)
    if outcome == "none" or age > runner.t.s("output_kept_seconds"):
        if runner.ctx.client().has_history:
            why += " Segmind's request history has no video for it either."
        runner.fail(SegmindError(ErrorKind.expired, why), JobState.expired)
        return True
    await runner.sleep(runner.t.s("poll_sparse_interval"))
    return False


async def history_cost(ctx, job) -> float | None:
    """The request's credits_deduction from the history (None when it has none)."""
    client = ctx.client()
    if not client.has_history or not job.request_id:
        return None
    row = await client.history_get(job.request_id)
    if row is None or row.status == "PENDING":
        return None
    return row.cost if row.status == "COMPLETED" else 0.0


async def check_job(runner) -> str:
    """ "Check with Segmind" for a job this process holds (finished or not driven): the
    same search as a lost answer's, once. Returns what happened: "adopted" (queued: drive
    it), "downloading" (an expired job's video found: drive it), "ended", "cost" (a
    cancelled or completed job's real cost stored), "unchanged"."""
    ctx, job, t = runner.ctx, runner.job, runner.t
    client = ctx.client()
    if not client.has_history:
        raise history.NoHistory()
    paid_unknown = job.state == JobState.cancelled and (job.request_id or job.may_be_billed)
    if job.state in (JobState.interrupted, JobState.cancelled) and not job.request_id:
        if job.state == JobState.cancelled and not paid_unknown:
            return "unchanged"
        since = submit_started(ctx.store, job)
        until = (job.finished_at or time.time()) + t.s("settle_window_seconds")
        found = await search_once(ctx, job, since, until)
        if len(found) > 1:
            return _unsettled(runner, ambiguous(len(found)))
        if not found:
            return _unsettled(runner, NOT_FOUND)
        row = found[0]
    elif job.state in (JobState.interrupted, JobState.cancelled, JobState.completed):
        row = await client.history_get(job.request_id)
        if row is None:
            return (
                _unsettled(runner, NOT_FOUND) if job.state == JobState.interrupted else "unchanged"
            )
    elif job.state == JobState.expired and job.request_id:
        return "downloading" if await output_from_history(runner) == "downloading" else "unchanged"
    else:
        return "unchanged"
    if job.state == JobState.interrupted:
        return adopt(runner, row)
    return _settle_cost(runner, row)


def _unsettled(runner, message: str) -> str:
    if runner.job.state == JobState.interrupted:
        end_interrupted(runner, message)
        return "ended"
    return "unchanged"


def _settle_cost(runner, row) -> str:
    """A cancelled or completed job's cost as Segmind billed it (a failed request: 0)."""
    job = runner.job
    if row.status not in ("COMPLETED", "FAILED"):
        return "unchanged"  # still running at Segmind: billed only when it completes
    cost = row.cost if row.status == "COMPLETED" else 0.0
    if cost is None or cost == job.cost:
        return "unchanged"
    rid = history.normalize_request_id(row.request_id) or row.request_id
    if not job.request_id:
        runner.ctx.store.keep_request_id(job.id, rid)
    runner.move(
        job.state,
        f"cost from Segmind's history: ${cost:.2f}",
        cost=cost,
        may_be_billed=False,
        request_id=job.request_id or rid,
    )
    return "cost"
