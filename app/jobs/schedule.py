"""When to ask the service about a job next, and how likely it is done by now.

Rejections (content blocks, bad audio) come back seconds after a submit, completions
after about 5-6 minutes. So: one early check, then nothing until the job is likely
done by the learned distribution of job times (app.jobs.estimates), then often, and
back off again if the job runs long. Each status request costs one of the account's
requests per minute; the request budget serves the job most likely done first.
"""

from __future__ import annotations

from app.jobs.estimates import JobTimes
from app.settings import Timings

FIRST_CHECK_INTERVALS = 5  # the early check comes after 5 early intervals (10 s)


def likely_done(elapsed: float, times: JobTimes) -> float:
    """The chance (0-1) a job submitted `elapsed` seconds ago is complete, read off the
    usual range: 10% at its low end, half at the typical time, 90% at its high end."""
    low, mid, high = times.low, times.typical, times.high
    points = [(low * 0.8, 0.0), (low, 0.1), (mid, 0.5), (high, 0.9), (high + (high - low), 1.0)]
    if elapsed <= points[0][0]:
        return 0.0
    for (x0, p0), (x1, p1) in zip(points, points[1:], strict=False):
        if elapsed <= x1:
            return p0 + (p1 - p0) * (elapsed - x0) / max(x1 - x0, 1e-9)
    return 1.0


def first_check(t: Timings) -> float:
    """Seconds after a submit of the one early status request (rejections show by then)."""
    return min(t.s("poll_early_window"), FIRST_CHECK_INTERVALS * t.s("poll_early_interval"))


def next_poll_delay(elapsed: float, times: JobTimes, t: Timings, polls: int = 1) -> float:
    """Seconds to wait before the next status request, `elapsed` seconds after the
    submit, `polls` status requests having been made for this attempt so far."""
    if polls == 0:
        return max(0.0, first_check(t) - elapsed)
    near = t.s("poll_near_interval")
    # the first check after the early one: when three jobs in four are done
    likely = times.typical + (times.high - times.typical) / 2
    if elapsed < likely - near:
        return likely - elapsed
    if elapsed < times.high * 1.5:
        return near
    # running long: back off gently towards the sparse interval
    overdue = elapsed - times.high * 1.5
    return min(t.s("poll_sparse_interval"), near + overdue / 10)
