"""A batch stops sending at the first account error (401, 406...): the rest wait.

When one job of a batch is refused for the account (a bad key, no credits, a spending
limit), the batch's jobs that were not yet sent stay `pending` (resumable, nothing
spent) instead of each failing in turn. The hold lasts while the same key is in use;
`clear()` ends it (a retry, a new key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from app.api.errors import ErrorKind, SegmindError
from app.jobs.events import JobWaiting
from app.jobs.model import JobState

ACCOUNT_KINDS = frozenset(
    {
        ErrorKind.invalid_key,
        ErrorKind.not_permitted,
        ErrorKind.insufficient_credits,
        ErrorKind.spend_limit,
    }
)
NOT_SENT = frozenset({JobState.pending, JobState.preparing, JobState.uploading})


class AccountHold:
    def __init__(self, key: Callable[[], str | None]) -> None:
        self._key = key
        self._held: tuple[str, SegmindError] | None = None

    def _mark(self) -> str:
        try:
            key = self._key() or ""
        except SegmindError:
            key = ""
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def error(self) -> SegmindError | None:
        """The account error holding batches back (None: none, or the key changed)."""
        if self._held is None:
            return None
        if self._held[0] != self._mark():
            self._held = None
            return None
        return self._held[1]

    def note(self, err: SegmindError) -> None:
        if self._held is None:
            self._held = (self._mark(), err)

    def clear(self) -> None:
        self._held = None


def holds(runner, err: SegmindError | None = None) -> bool:
    """Whether this runner's job waits for the account instead of going on (or failing
    with `err`): a batch's job not yet sent, once another job hit an account error."""
    hold, job = runner.ctx.account, runner.job
    if hold is None or not job.batch_id:
        return False
    unsent = job.state in NOT_SENT or (job.state == JobState.submitting and not job.request_id)
    if err is not None and err.kind in ACCOUNT_KINDS and unsent and hold.error is None:
        hold.note(err)
        return False  # the first one fails and says why
    if hold.error is None or not unsent:
        return False
    if job.state != JobState.pending:
        runner.move(JobState.pending, f"held: {hold.error.kind.value}")
    runner.emit(JobWaiting(job.id, "account", None))
    return True
