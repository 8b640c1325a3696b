"""When to ask the service about a job next.

Rejections (content blocks, bad audio) come back seconds after a submit, completions
after about 5-6 minutes. So: poll early, then sparsely, then often near the expected
end, and back off again if the job runs long.
"""

from __future__ import annotations

import statistics

from app.settings import Timings


def next_poll_delay(elapsed: float, typical: float, t: Timings) -> float:
    """Seconds to wait before the next status request, `elapsed` seconds after submit."""
    early, early_window = t.s("poll_early_interval"), t.s("poll_early_window")
    sparse, near = t.s("poll_sparse_interval"), t.s("poll_near_interval")
    near_start = typical - t.s("poll_near_lead")
    if elapsed < early_window:
        return early
    if elapsed < near_start:
        # sparse, but never sleep past the moment completion becomes likely
        return max(early, min(sparse, near_start - elapsed))
    if elapsed < typical * 1.5:
        return near
    # running long: back off gently towards the sparse interval
    overdue = elapsed - typical * 1.5
    return min(sparse, near + overdue / 10)


def typical_seconds(durations: list[float], t: Timings) -> float:
    """The typical job time (scaled): median of recent real jobs, else the default."""
    recent = [d for d in durations[-20:] if d > 0]
    if len(recent) >= 3:
        return statistics.median(recent)
    return t.s("typical_job_seconds")
