"""Test hook: the process kills itself (SIGKILL) at a named point of a job's life.

Set S2V_CRASH_AT to one of POINTS so crash tests hit each gap deterministically.
Optional S2V_CRASH_AFTER=N skips the first N passes (several jobs in one run).
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "after-upload",  # files uploaded, URLs stored, nothing submitted
    "after-submit-sent",  # the service accepted the POST; request_id not stored yet
    "after-request-id",  # request_id stored
    "mid-poll",  # after a status answer, before acting on it
    "mid-download",  # part of the video on disk
)

_passes: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Kill this process right here if S2V_CRASH_AT names this point."""
    if os.environ.get("S2V_CRASH_AT") != name:
        return
    seen = _passes.get(name, 0)
    _passes[name] = seen + 1
    if seen >= int(os.environ.get("S2V_CRASH_AFTER", "0") or 0):
        os.kill(os.getpid(), signal.SIGKILL)
