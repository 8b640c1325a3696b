"""Typed events the engine emits; the window and the command line consume them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from app.api.errors import SegmindError
from app.jobs.model import Job

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobAdded:
    """A job joined the list: submitted, re-run or restored (here or by another process)."""

    job: Job


@dataclass(frozen=True)
class JobRemoved:
    """A job left the list (hidden here or by another process); its money still counts."""

    job_id: str


@dataclass(frozen=True)
class JobChanged:
    """A job's stored fields changed (state, request id, output, error...)."""

    job: Job


@dataclass(frozen=True)
class JobProgress:
    """Bytes moved for an upload or download; `total` is None when unknown."""

    job_id: str
    phase: str  # "upload" | "download"
    done: int
    total: int | None


@dataclass(frozen=True)
class JobWaiting:
    """Why a job is not moving: "job_slot" (the concurrency setting: other jobs go first),
    "request_slot" (the plan's requests per minute) or "other_process" (another process
    is still saving its video); `until`: epoch time of its next request when known."""

    job_id: str
    reason: str
    until: float | None = None


@dataclass(frozen=True)
class JobWarning:
    """Something transient the creator should know (a retried outage, a deadline near);
    the job carries on by itself."""

    job_id: str | None
    message: str


@dataclass(frozen=True)
class JobError:
    """A failure that needs the creator: the job ended (failed, expired...) or waits for
    them (an unusable output folder); job_id None: the whole account."""

    job_id: str | None
    error: SegmindError


@dataclass(frozen=True)
class CreditsChanged:
    credits: float | None
    free_credits: float | None = None


Event = (
    JobAdded
    | JobRemoved
    | JobChanged
    | JobProgress
    | JobWaiting
    | JobWarning
    | JobError
    | CreditsChanged
)
Listener = Callable[[Event], None]


class EventHub:
    """Fan-out of engine events to listeners; a failing listener never stops the engine."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a listener's bug must not stop a paid job
                log.exception("event listener failed")
