"""The concurrency setting: how many jobs do local work at once."""

from __future__ import annotations

import asyncio


class Slots:
    """How many jobs may be prepared, uploaded and submitted at once (local work)."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.used = 0
        self._freed = asyncio.Event()

    @property
    def full(self) -> bool:
        return self.used >= self.limit

    async def take(self) -> None:
        while self.full:
            self._freed.clear()
            await self._freed.wait()
        self.used += 1

    def give(self) -> None:
        self.used = max(0, self.used - 1)
        self._freed.set()
