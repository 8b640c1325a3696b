"""How long a job usually takes at Segmind: a range learned from completed real jobs.

The service says only "processing" until the video is ready, so the window shows time
against this range, labelled as an estimate; nothing here is a percentage of work done.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

# Published and measured range of real jobs (306-361 s) around the 330 s default.
_LOW, _HIGH = 306.0 / 330.0, 361.0 / 330.0
MIN_LEARNED = 3


@dataclass(frozen=True)
class JobTimes:
    """Seconds from submit to result: `low` and `high` bound the usual range."""

    low: float
    typical: float
    high: float
    learned: int = 0  # how many finished real jobs it comes from (0: the published range)


def job_times(durations: list[float], default_typical: float) -> JobTimes:
    """The usual range from recent job durations (oldest first), else the published one."""
    recent = [d for d in durations[-30:] if d and d > 0]
    if len(recent) < MIN_LEARNED:
        return JobTimes(default_typical * _LOW, default_typical, default_typical * _HIGH)
    typical = statistics.median(recent)
    if len(recent) >= 10:
        deciles = statistics.quantiles(recent, n=10)
        low, high = deciles[0], deciles[-1]
    else:
        low, high = min(recent), max(recent)
    return JobTimes(min(low, typical), typical, max(high, typical), len(recent))


def job_duration(job) -> float | None:
    """How long a completed job took at the service (its metrics, else its timestamps)."""
    total = (job.metrics or {}).get("total_time")
    if total:
        return float(total)
    if job.submitted_at and job.finished_at:
        return job.finished_at - job.submitted_at
    return None


def learned_times(store, default_typical: float, limit: int = 50) -> JobTimes:
    """The range from the store's latest completed real (not simulated) jobs."""
    from app.jobs.model import JobState

    done = [j for j in store.all([JobState.completed], limit=limit) if not j.simulated]
    durations = [job_duration(j) for j in reversed(done)]
    return job_times([d for d in durations if d], default_typical)
