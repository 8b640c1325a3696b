"""RequestBudget: the per-minute pacing shared by every keyed request (pure asyncio, fake clock)."""

from __future__ import annotations

import asyncio

from app.api.pacing import RequestBudget


class FakeTime:
    """A clock the test moves by hand; sleeping advances it (no real waiting)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def test_requests_beyond_the_limit_wait_for_the_window():
    t = FakeTime()
    budget = RequestBudget(3, clock=t.clock, sleep=t.sleep)
    start = t.now

    async def go():
        times = []
        for _ in range(7):
            await budget.acquire()
            times.append(t.now - start)
        return times

    times = asyncio.run(go())
    assert times == [0, 0, 0, 60, 60, 60, 120]


def test_sliding_window_counts_only_the_last_minute():
    t = FakeTime()
    budget = RequestBudget(2, clock=t.clock, sleep=t.sleep)

    async def go():
        await budget.acquire()
        t.now += 45
        await budget.acquire()
        t.now += 20  # the first request left the window 5 s ago
        assert budget.wait_time() == 0
        await budget.acquire()
        return budget.wait_time()

    # Two requests in the window now (at 45 and 65): the next one waits until 45 + 60.
    assert asyncio.run(go()) == 40
    assert t.sleeps == []


def test_concurrent_requests_share_one_budget_in_order():
    t = FakeTime()
    budget = RequestBudget(5, clock=t.clock, sleep=t.sleep)
    start = t.now
    order: list[tuple[int, float]] = []

    async def one(i: int) -> None:
        await budget.acquire()
        order.append((i, t.now - start))

    async def go():
        await asyncio.gather(*(one(i) for i in range(12)))

    asyncio.run(go())
    assert [i for i, _ in order] == list(range(12))  # first come, first served
    assert [round(s) for _, s in order] == [0] * 5 + [60] * 5 + [120] * 2


def test_pause_until_holds_everyone_and_never_shortens():
    t = FakeTime()
    budget = RequestBudget(0, clock=t.clock, sleep=t.sleep)  # 0: no per-minute limit
    start = t.now

    async def go():
        await budget.acquire()
        budget.pause_until(start + 30)
        budget.pause_until(start + 10)  # an earlier reset does not shorten the pause
        assert budget.paused_until == start + 30
        await asyncio.gather(budget.acquire(), budget.acquire())
        return t.now - start

    assert asyncio.run(go()) == 30


def test_limit_can_change_at_run_time():
    t = FakeTime()
    budget = RequestBudget(1, clock=t.clock, sleep=t.sleep)

    async def go():
        await budget.acquire()
        assert budget.wait_time() == 60
        budget.per_minute = 50  # the creator switched to the Pro preset
        assert budget.wait_time() == 0
        await budget.acquire()

    asyncio.run(go())
    assert t.sleeps == []
    assert "per_minute=50" in repr(budget)


def test_real_clock_short_window():
    """With the real clock and a 0.2 s window, the third request really waits."""
    budget = RequestBudget(2, window=0.2)

    async def go():
        loop = asyncio.get_running_loop()
        began = loop.time()
        for _ in range(3):
            await budget.acquire()
        return loop.time() - began

    assert 0.15 <= asyncio.run(go()) < 1.0
