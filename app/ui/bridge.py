"""Engine events as Qt signals, and thin adapters from widgets to the engine's verbs.

The widgets never await anything themselves: they call these methods, which start a task
(async verbs, checks on a worker thread) or call the engine directly (sync verbs), and
report every failure through one funnel, the `error` signal, unless the caller handles
it itself (`run(..., failed=...)`: the key dialog, the media slots).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.api.errors import ErrorKind, SegmindError

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)


class EngineBridge(QObject):
    """Re-emits engine events on the Qt side; wraps the verbs the window uses."""

    jobChanged = Signal(object)  # Job
    jobProgress = Signal(str, str, object, object)  # job_id, phase, done, total
    jobWarning = Signal(object, str)  # job_id | None, message
    jobWaiting = Signal(str, str, object)  # job_id, "job_slot" | "request_slot" | ..., until
    jobAdded = Signal(object)  # Job: submitted, restored, or added by another process
    error = Signal(object, object)  # job_id | None, SegmindError
    creditsChanged = Signal(object, object)  # credits, free credits
    submitted = Signal(object)  # Job
    removed = Signal(str)  # job id

    def __init__(self, engine=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = None
        self.credits: float | None = None
        self._tasks: set[asyncio.Task] = set()
        self._unsubscribe = None
        self._emit: dict = {}
        if engine is not None:
            self.attach(engine)

    def attach(self, engine) -> None:
        """Follow this engine's events (the window attaches it after its first paint)."""
        from app.jobs import events as e  # not before the first paint: 8 frozen dataclasses

        self.detach()
        self.engine = engine
        self._emit = {
            e.JobChanged: lambda ev: self.jobChanged.emit(ev.job),
            e.JobProgress: lambda ev: self.jobProgress.emit(ev.job_id, ev.phase, ev.done, ev.total),
            e.JobWaiting: lambda ev: self.jobWaiting.emit(ev.job_id, ev.reason, ev.until),
            e.JobAdded: lambda ev: self.jobAdded.emit(ev.job),
            e.JobRemoved: lambda ev: self.removed.emit(ev.job_id),
            e.JobWarning: lambda ev: self.jobWarning.emit(ev.job_id, ev.message),
            e.JobError: lambda ev: self.error.emit(ev.job_id, ev.error),
            e.CreditsChanged: self._credits_changed,
        }
        self._unsubscribe = engine.events.subscribe(self._on_event)

    def detach(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    def shutdown(self) -> None:
        """Stop following the engine and drop pending calls: nothing reaches the widgets
        after the window has gone (a late callback into a deleted widget can crash)."""
        self.detach()
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()

    def _on_event(self, event) -> None:
        emit = self._emit.get(type(event))
        if emit is not None:
            emit(event)

    def _credits_changed(self, event) -> None:
        self.credits = event.credits
        self.creditsChanged.emit(event.credits, event.free_credits)

    # -- the funnel -----------------------------------------------------------
    def _report(self, exc: BaseException, job_id: str | None = None) -> None:
        if isinstance(exc, SegmindError):
            self.error.emit(job_id, exc)
        else:
            log.exception("engine call failed", exc_info=exc)
            self.error.emit(job_id, SegmindError(ErrorKind.internal, f"Unexpected error: {exc}"))

    def _spawn(self, coro, job_id: str | None = None) -> asyncio.Task:
        return self.run(coro, job_id=job_id)

    def run(
        self,
        coro,
        *,
        job_id: str | None = None,
        done: Callable[[object], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        timeout: float | None = None,
    ) -> asyncio.Task:
        """Run a coroutine; `done(result)` or `failed(exc)` (else the funnel) when it ends.

        With `timeout`, a call still running then fails with TimeoutError.
        """
        import asyncio  # not before the first paint: the window is built without a loop

        if timeout is not None:
            coro = asyncio.wait_for(coro, timeout)
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def finished(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is None:
                if done is not None:
                    done(t.result())
            elif failed is not None:
                failed(exc)
            else:
                self._report(exc, job_id)

        task.add_done_callback(finished)
        return task

    def in_thread(self, fn, *args, done: Callable[[object], None]) -> asyncio.Task | None:
        """Run `fn(*args)` on a worker thread, then `done(result)` on the UI thread.

        Without a running event loop (a widget used on its own) it runs at once.
        """
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            done(fn(*args))
            return None
        return self.run(asyncio.to_thread(fn, *args), done=done)

    # -- async verbs ----------------------------------------------------------
    def submit(self, request, force: bool = False) -> asyncio.Task:
        """Start a submit; `submitted` on success, `error` otherwise."""

        async def run():
            job = await self.engine.submit(request, force=force)
            self.submitted.emit(job)
            return job

        return self._spawn(run())

    def check_key(self, key: str, *, done=None, failed=None, timeout=None) -> asyncio.Task:
        """Ask for the balance with `key` (the engine emits CreditsChanged)."""
        return self.run(self.engine.check_key(key), done=done, failed=failed, timeout=timeout)

    def refresh_credits(self, key: str | None) -> asyncio.Task | None:
        return self.check_key(key) if key else None

    # -- sync verbs -----------------------------------------------------------
    def _call(self, job_id: str, fn, *args, **kwargs):
        try:
            return fn(job_id, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the funnel reports it
            self._report(exc, job_id)
            return None

    def cancel(self, job_id: str):
        return self._call(job_id, self.engine.cancel)

    def retry(self, job_id: str):
        return self._call(job_id, self.engine.retry)

    def rerun(self, job_id: str, seed: int | None = None):
        return self._call(job_id, self.engine.rerun, seed=seed)

    def remove(self, job_id: str, delete_files: bool = False) -> bool:
        """Take a finished job off the list (and delete its video if asked); the engine's
        JobRemoved event (here: `removed`) follows. False when it was refused."""
        try:
            self.engine.hide(job_id, delete_files=delete_files)
        except Exception as exc:  # noqa: BLE001 - the funnel reports it
            self._report(exc, job_id)
            return False
        return True

    def restore(self, job_id: str):
        """Undo a remove: the job is listed again (JobAdded follows)."""
        return self._call(job_id, self.engine.restore)
