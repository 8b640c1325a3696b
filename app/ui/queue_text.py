"""What the queue says about a job, in the creator's words: state, progress, time, tooltips.

Rendering shows time against the usual range of job times (an estimate, said so), never
a made-up percentage; a real percentage exists only for uploads and downloads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.jobs.model import ACTIVE, Job, JobState

if TYPE_CHECKING:  # app.jobs.estimates (statistics, fractions) loads after the first paint
    from app.jobs.estimates import JobTimes

DEMO_BADGE = "DEMO — simulated, not lip-synced"

STATE_WORDS = {
    JobState.pending: "Waiting",
    JobState.preparing: "Preparing",
    JobState.uploading: "Uploading",
    JobState.submitting: "Submitting",
    JobState.queued: "Queued",
    JobState.processing: "Processing",
    JobState.downloading: "Downloading",
    JobState.completed: "Completed",
    JobState.failed: "Failed",
    JobState.cancelled: "Cancelled",
    JobState.expired: "Expired",
    JobState.interrupted: "Interrupted",
    JobState.joining: "Joining the parts",
}
STATE_ICONS = {
    JobState.completed: "completed",
    JobState.failed: "failed",
    JobState.expired: "warning",
    JobState.interrupted: "warning",
    JobState.cancelled: "cancelled",
    JobState.pending: "waiting",
    JobState.queued: "waiting",
}
WAITING = {
    "job_slot": "Waiting for a free job slot",
    "request_slot": "Waiting for a request slot",
}
RENDERING = (JobState.queued, JobState.processing)


def mmss(seconds: float) -> str:
    m, s = divmod(int(max(0, seconds)), 60)
    return f"{m}:{s:02d}"


def span(seconds: float) -> str:
    """A rough length: "4 min", "about 1 min", "20 s"."""
    if seconds >= 90:
        return f"{round(seconds / 60)} min"
    if seconds >= 45:
        return "1 min"
    return f"{max(1, math.ceil(seconds))} s"


def usual_range(times: JobTimes) -> str:
    """ "5-6 min" (or "9-11 s" for the demo's quick simulator)."""
    if times.high < 90:
        low, high, unit = math.floor(times.low), math.ceil(times.high), "s"
    else:
        low, high, unit = round(times.low / 60), round(times.high / 60), "min"
    return f"{low}-{high} {unit}" if high > low else f"about {high} {unit}"


def cancelling(job: Job) -> bool:
    """Another process's owner has been asked to cancel and has not confirmed yet."""
    return getattr(job, "requested", None) == "cancel" and job.state in ACTIVE


def state_word(job: Job) -> str:
    if cancelling(job):
        return "Cancelling…"
    word = STATE_WORDS.get(job.state, job.state.value)
    if job.attempt > 1 and job.state in ACTIVE:
        word += f" (attempt {job.attempt})"
    if job.demo and job.state == JobState.completed:
        word += " · simulated"
    return word


def state_icon(job: Job) -> str:
    return "waiting" if cancelling(job) else STATE_ICONS.get(job.state, "running")


def settings_text(job: Job) -> str:
    text = f"{job.duration} s · {job.quality} · seed {job.seed}"
    take = getattr(job, "take", None)
    return f"Take {take} · {text}" if take else text


def reason(job: Job) -> str:
    """The first sentence of why a job ended without a video."""
    text = (job.error_message or "").strip()
    if not text:
        return job.error_code.replace("_", " ").capitalize() if job.error_code else ""
    first = text.split(". ")[0].rstrip(".")
    return first


@dataclass(frozen=True)
class Progress:
    """The second line of a job's state: text, and a bar when there is one to draw.

    `fraction` is 0..1; `estimate` says it is time against the usual range, not work done.
    """

    text: str
    fraction: float | None = None
    estimate: bool = False


def rendering_progress(elapsed: float, times: JobTimes) -> Progress:
    """Time since submit against the usual range: never full before the video is there."""
    usual = f"usually {usual_range(times)}"
    left = times.typical - elapsed
    if left > 0:
        text = f"about {span(left)} left, {usual}"
    elif elapsed <= times.high:
        text = f"finishing soon, {usual}"
    else:
        text = f"taking longer than usual ({usual})"
    fraction = min(0.95, max(0.0, elapsed / max(times.high, 1e-6)))
    return Progress(text, fraction, estimate=True)


def progress(
    job: Job,
    elapsed: float,
    times: JobTimes,
    moved: tuple[str, int, int | None] | None = None,
    waiting: str | None = None,
) -> Progress:
    """What the job is doing now, as the second line under its state."""
    s = job.state
    if s == JobState.completed:
        return Progress("Done", 1.0)
    if s.finished:
        return Progress(reason(job))
    if cancelling(job):
        return Progress("Waiting for the process that runs it to stop it")
    if s in (JobState.uploading, JobState.downloading):
        verb = "Uploading the inputs" if s == JobState.uploading else "Downloading the video"
        if moved and moved[2]:
            return Progress(f"{verb}: {100 * moved[1] // moved[2]}%", moved[1] / moved[2])
        if moved:
            return Progress(f"{verb}: {moved[1] / 1e6:.1f} MB")
        return Progress(f"{verb}…")
    if s in RENDERING:
        result = rendering_progress(elapsed, times)
        if waiting == "request_slot":  # the next check waits for the plan's request budget
            return Progress(f"{WAITING[waiting]}, {result.text}", result.fraction, True)
        if s == JobState.queued:
            return Progress(f"In Segmind's queue, {result.text}", result.fraction, True)
        return result
    if waiting in WAITING:
        return Progress(WAITING[waiting])
    if s == JobState.pending:
        return Progress(WAITING.get(waiting or "", "Waiting to start"))
    if s == JobState.preparing:
        return Progress("Checking the inputs")
    if s == JobState.submitting:
        return Progress("Sending the job to Segmind")
    return Progress("…")


def parts_done(parts: list[Job]) -> str:
    """ "3 of 6 parts done"."""
    done = sum(1 for p in parts if p.state == JobState.completed)
    return f"{done} of {len(parts)} parts done"


def long_progress(job: Job, parts: list[Job]) -> Progress:
    """A long video's second line: its parts done, and what the parts are doing."""
    done = sum(1 for p in parts if p.state == JobState.completed)
    if job.state == JobState.joining:
        return Progress(f"All {len(parts)} parts done: joining them into one video", 1.0, True)
    busy = sum(1 for p in parts if p.state in RENDERING)
    text = parts_done(parts)
    if busy:
        text += f", {busy} rendering at Segmind"
    return Progress(text, done / len(parts))


def rendering_tooltip(times: JobTimes) -> str:
    source = (
        f"from your last {times.learned} finished jobs"
        if times.learned
        else "from Segmind's published job times"
    )
    return (
        "Segmind says only 'processing' until the video is ready: the bar is the time "
        f"so far against the usual {usual_range(times)} ({source}), an estimate, not work done."
    )


def cost_text(job: Job, estimate: float | None) -> str:
    """The price paid, or "~$" the estimate while it may still be billed, or "—"."""
    if job.cost is not None:
        return f"${job.cost:.2f}"
    unbilled = job.state == JobState.failed or (
        job.state == JobState.cancelled and not job.request_id
    )
    if estimate is None or unbilled:
        return "—"
    return f"~${estimate:.2f}"


def long_cost_text(parts: list[Job], estimate) -> str:
    """A long video's cost: what its parts cost, "~$" while some may still be billed."""
    if not parts:
        return "—"
    known = sum(p.cost for p in parts if p.cost is not None)
    unbilled = (JobState.failed, JobState.cancelled)
    rest = [p for p in parts if p.cost is None and not (p.state in unbilled and not p.request_id)]
    if not rest:
        return f"${known:.2f}"
    guess = [estimate(p.quality, p.duration) if estimate else None for p in rest]
    if any(g is None for g in guess):
        return f"${known:.2f}+" if known else "—"
    return f"~${known + sum(g for g in guess if g is not None):.2f}"


def tooltip(job: Job, part: str, times: JobTimes) -> str | None:
    """The tooltip of a job's prompt, files, state or cost."""
    lines = [DEMO_BADGE] if job.demo else []
    if part == "prompt":
        lines += [job.prompt, settings_text(job)]
    elif part == "files":
        lines += [p for p in (job.output_path, job.image, job.audio) if p]
    elif part == "state":
        if job.error_message:
            lines.append(job.error_message)
        elif job.state in RENDERING:
            lines.append(rendering_tooltip(times))
        if job.request_id:
            lines.append(f"Request {job.request_id}")
    elif part == "cost" and job.cost is None and job.request_id and job.state.finished:
        lines.append("Segmind accepted this job before it stopped: it may be billed.")
    return "\n".join(lines) or None
