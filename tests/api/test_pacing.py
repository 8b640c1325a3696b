"""RequestBudget: the per-minute pacing shared by every keyed request (pure asyncio, fake clock)."""

from __future__ import annotations

import asyncio
import time

from app.api.pacing import RequestBudget, RequestLedger, current_reservation, likely_complete


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


# -- the account's scheduler: value order, room kept for submits, shared between processes


def test_waiting_requests_go_by_value_not_by_arrival():
    t = FakeTime()
    budget = RequestBudget(1, clock=t.clock, sleep=t.sleep)
    order: list[str] = []

    async def one(kind: str, likely: float = 0.5) -> None:
        likely_complete.set(likely)  # each task has its own context, as each job's runner
        await budget.acquire(kind)
        order.append(kind if kind != "status" else f"status {likely}")

    async def go():
        await budget.acquire("credits")  # the minute is used up
        kinds = [("history", 0.5), ("status", 0.2), ("status", 0.9), ("upload", 0.5)]
        kinds += [("result", 0.5), ("submit", 0.5), ("credits", 0.5)]
        await asyncio.gather(*(one(k, p) for k, p in kinds))

    asyncio.run(go())
    assert order == [
        "submit", "upload", "result", "status 0.9", "status 0.2", "history", "credits",
    ]  # fmt: skip
    assert budget.served["status"] == 2


def test_polls_leave_room_for_the_uploads_and_submit_of_a_job_in_the_works():
    budget = RequestBudget(5, window=0.5)  # the real clock: five per half second
    went: list[tuple[str, float]] = []

    async def job_in_the_works(reservation, began: float) -> None:
        current_reservation.set(reservation)
        for kind in ("upload", "upload", "submit"):
            await asyncio.sleep(0.02)  # its uploads come one after another
            await budget.acquire(kind)
            went.append((kind, time.monotonic() - began))
        reservation.close()

    async def poll(began: float) -> None:
        await budget.acquire("status")
        went.append(("status", time.monotonic() - began))

    async def go():
        began = time.monotonic()
        reservation = budget.reserve(3)  # the engine does this when a job takes a slot
        await asyncio.gather(*(poll(began) for _ in range(4)), job_in_the_works(reservation, began))

    asyncio.run(go())
    # 5 per half second: the job's three requests and only two polls go in the first
    first = sorted(k for k, s in went if s < 0.5)
    assert first == ["status", "status", "submit", "upload", "upload"]
    assert [int(s / 0.5) for k, s in went if k == "status"] == [0, 0, 1, 1]


def test_two_processes_share_one_budget_through_the_ledger(tmp_path):
    """Two budgets on one ledger file (as the window and a command line would be):
    together they never pass the limit."""
    path = tmp_path / "requests.sqlite3"
    a = RequestBudget(3, window=0.5, ledger=RequestLedger(path))
    b = RequestBudget(3, window=0.5, ledger=RequestLedger(path))
    times: list[float] = []

    async def one(budget: RequestBudget, began: float) -> None:
        sent = await budget.acquire("status")
        budget.answered(sent)
        times.append(time.monotonic() - began)

    async def go():
        began = time.monotonic()
        await asyncio.gather(*(one(a if i % 2 else b, began) for i in range(7)))

    asyncio.run(go())
    windows = [int(s / 0.5) for s in sorted(times)]  # which half-second each went in
    assert windows == [0, 0, 0, 1, 1, 1, 2]


def test_a_request_counts_from_its_answer():
    """The service counts a request when it arrives, at the latest when it answers: the
    window runs from the answer, so a slow upload never lets a sixth request in early."""
    t = FakeTime()
    budget = RequestBudget(1, clock=t.clock, sleep=t.sleep)

    async def go():
        sent = await budget.acquire("upload")
        t.now += 5  # the upload took 5 s
        budget.answered(sent)
        await budget.acquire("submit")
        return t.now - start

    start = t.now
    assert asyncio.run(go()) == 65


def test_one_budget_serves_one_event_loop_after_another():
    """The engine's budget outlives an event loop (the command line runs one per
    command, tests one per step): waiting in a second loop still ends."""
    budget = RequestBudget(1, window=0.2)  # the real clock: the second request waits

    async def two():
        await asyncio.wait_for(asyncio.gather(budget.acquire(), budget.acquire()), 5)

    asyncio.run(two())
    asyncio.run(two())
    assert budget.served["other"] == 4
