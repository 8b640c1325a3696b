"""Typed events the engine emits; the window and the command line consume them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.api.errors import SegmindError
from app.jobs.model import Job


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
class JobWarning:
    """Something the creator should know that is not (yet) an error."""

    job_id: str | None
    message: str


@dataclass(frozen=True)
class JobError:
    """An error that concerns one job, or the whole account when job_id is None."""

    job_id: str | None
    error: SegmindError


@dataclass(frozen=True)
class CreditsChanged:
    credits: float | None
    free_credits: float | None = None


Event = JobChanged | JobProgress | JobWarning | JobError | CreditsChanged
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
                import logging

                logging.getLogger(__name__).exception("event listener failed")
