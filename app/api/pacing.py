"""A request budget shared by every keyed request of one process.

Segmind counts requests per key and minute (Free 5/min, Pro 50/min); polls are
assumed to count too. One `RequestBudget` paces uploads, submits, polls and credit
checks so the app stays under the plan's limit, and pauses everything when a 429
says when the limit resets.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable


class RequestBudget:
    """Sliding-window limiter: at most `per_minute` requests in any `window` seconds.

    `per_minute` of 0 (or None) means no limit. `clock` returns epoch seconds and
    `sleep` waits; both are injectable so tests can drive time by hand.
    """

    def __init__(
        self,
        per_minute: int | None,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.per_minute = per_minute
        self.window = float(window)
        self._clock = clock
        self._sleep = sleep
        self._sent: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def per_minute(self) -> int:
        return self._per_minute

    @per_minute.setter
    def per_minute(self, value: int | None) -> None:
        # Changed at run time when the creator picks another plan in Settings.
        self._per_minute = max(0, int(value or 0))

    @property
    def paused_until(self) -> float:
        """Epoch seconds until which every request waits (0 when not paused)."""
        return self._paused_until

    def pause_until(self, epoch: float) -> None:
        """Hold every request until `epoch` (a 429's reset time). Never shortens a pause."""
        if epoch > self._paused_until:
            self._paused_until = float(epoch)

    def wait_time(self) -> float:
        """Seconds the next request would wait now (0 when it may go at once)."""
        now = self._clock()
        self._forget_old(now)
        wait = self._paused_until - now
        if self._per_minute and len(self._sent) >= self._per_minute:
            wait = max(wait, self._sent[0] + self.window - now)
        return max(0.0, wait)

    async def acquire(self) -> None:
        """Wait for a slot in the budget, then count one request. FIFO across waiters."""
        async with self._lock:
            while True:
                wait = self.wait_time()
                if wait <= 0:
                    self._sent.append(self._clock())
                    return
                await self._sleep(wait)

    def _forget_old(self, now: float) -> None:
        while self._sent and self._sent[0] + self.window <= now:
            self._sent.popleft()

    def __repr__(self) -> str:
        return (
            f"RequestBudget(per_minute={self._per_minute}, window={self.window}, "
            f"in_window={len(self._sent)}, paused_until={self._paused_until})"
        )
