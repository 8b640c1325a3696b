"""The account's request budget: which keyed request goes next, and when.

Segmind counts requests per key and minute (Free 5/min, Pro 50/min); polls count too.
One `RequestBudget` per process paces uploads, submits, polls, results, credit checks
and history searches so the plan's limit is never passed, and pauses everything when a
429 says when the limit resets. With a `RequestLedger` (a small SQLite file beside the
job store) the window and command-line processes on one machine share one budget.

When requests wait, the most valuable goes first (not the oldest): a submit, or an
upload it needs, moves a whole job's completion earlier; then a result fetch of a job
known complete; then status polls, the job most likely complete first; credits and
history last.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

# Lower goes first: a submit (it starts Segmind's work), the uploads a submit needs, the
# result of a job known complete, then status polls (refined by how likely their job is
# complete), credits and history. Ties: first come, first served.
RANKS = {"submit": 0, "upload": 1, "result": 2, "status": 3, "credits": 4, "history": 4}
OTHER_RANK = 3

# Set by a job's runner: which job goes first among requests of one kind (the older job,
# the earlier part of a long video).
request_order: contextvars.ContextVar[tuple] = contextvars.ContextVar("request_order", default=())

# Set by a job's runner before it asks for status: the chance (0-1) its job is complete.
likely_complete: contextvars.ContextVar[float] = contextvars.ContextVar(
    "likely_complete", default=0.5
)


class Reservation:
    """Requests a job in the works will need soon (its uploads and submit). Polls leave
    room for every job's, a younger job's uploads for its elders' (a submit never waits
    for an upload of a job that started later)."""

    _order = itertools.count()

    def __init__(self, budget: RequestBudget, count: int) -> None:
        self.budget, self.left = budget, count
        self.order = next(self._order)
        budget._reservations.add(self)

    def close(self) -> None:
        self.left = 0
        self.budget._reservations.discard(self)
        with contextlib.suppress(RuntimeError):  # no loop running: nobody waits
            self.budget.changed()


# The reservation of the job whose task makes a request (set by the engine per job).
current_reservation: contextvars.ContextVar[Reservation | None] = contextvars.ContextVar(
    "current_reservation", default=None
)


@dataclass
class Sent:
    """One counted request: when it counts from, and its row in the shared ledger."""

    t: float
    row: int | None = None


class RequestLedger:
    """Recent request times of this machine's processes on one key, in a SQLite file.

    `take` is one short write transaction: count the window, and either record a
    request (wait 0.0 and its row) or answer how long to wait. 429 pauses are shared too.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute("CREATE TABLE IF NOT EXISTS sent (t REAL NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS paused (until REAL NOT NULL)")

    def take(self, now: float, window: float, per_minute: int) -> tuple[float, int | None]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM sent WHERE t <= ?", (now - window,))
            db.execute("DELETE FROM paused WHERE until <= ?", (now,))
            (paused,) = db.execute("SELECT MAX(until) FROM paused").fetchone()
            wait = (paused or now) - now
            if per_minute:
                (count,) = db.execute("SELECT COUNT(*) FROM sent").fetchone()
                if count >= per_minute:
                    # the request that leaves the window next frees the slot
                    (nth,) = db.execute(
                        "SELECT t FROM sent ORDER BY t LIMIT 1 OFFSET ?", (count - per_minute,)
                    ).fetchone()
                    wait = max(wait, nth + window - now)
            row = None
            if wait <= 0:
                row = db.execute("INSERT INTO sent(t) VALUES (?)", (now,)).lastrowid
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return max(0.0, wait), row

    def answered(self, row: int, now: float) -> None:
        """The request was answered at `now`: it counts from then (it arrived by then)."""
        self._db.execute("UPDATE sent SET t = MAX(t, ?) WHERE rowid = ?", (now, row))

    def pause_until(self, epoch: float) -> None:
        self._db.execute("INSERT INTO paused(until) VALUES (?)", (epoch,))

    def close(self) -> None:
        self._db.close()


class RequestBudget:
    """Sliding-window limiter: at most `per_minute` requests in any `window` seconds.

    `per_minute` of 0 (or None) means no limit. `clock` returns epoch seconds and
    `sleep` waits; both are injectable so tests can drive time by hand. Waiting requests
    are served by value (`RANKS`), ties first come, first served.
    """

    def __init__(
        self,
        per_minute: int | None,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        ledger: RequestLedger | None = None,
    ) -> None:
        self.per_minute = per_minute
        self.window = float(window)
        self.ledger = ledger
        self._clock = clock
        self._sleep = sleep
        self._sent: list[Sent] = []
        self._paused_until = 0.0
        self._waiting: list[list] = []  # [rank, seq, future, kind, reservation]
        self._seq = itertools.count()
        self._dispatcher: asyncio.Task | None = None
        self._reservations: set[Reservation] = set()
        self._wake = asyncio.Event()
        self.served: dict[str, int] = {}  # requests let through, by kind

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

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot now."""
        return sum(1 for entry in self._waiting if not entry[2].done())

    def reserve(self, count: int) -> Reservation:
        """Keep room for `count` requests of a job being prepared, uploaded and submitted."""
        return Reservation(self, count)

    @property
    def reserved(self) -> int:
        return sum(r.left for r in self._reservations)

    def pause_until(self, epoch: float) -> None:
        """Hold every request until `epoch` (a 429's reset time). Never shortens a pause."""
        if epoch > self._paused_until:
            self._paused_until = float(epoch)
            if self.ledger is not None:
                self.ledger.pause_until(epoch)

    def wait_time(self) -> float:
        """Seconds the next request would wait now in this process (0: it may go at once)."""
        now = self._clock()
        self._forget_old(now)
        wait = self._paused_until - now
        if self._per_minute and len(self._sent) >= self._per_minute:
            times = sorted(s.t for s in self._sent)
            wait = max(wait, times[-self._per_minute] + self.window - now)
        return max(0.0, wait)

    async def acquire(self, kind: str = "other") -> Sent:
        """Wait for a slot in the budget, then count one request of this `kind`.

        Pass what it returns to `answered` once the service has answered: the request
        then counts from that moment, the latest it can have arrived there."""
        rank: tuple = (RANKS.get(kind, OTHER_RANK),)
        if kind == "status":
            rank += (-likely_complete.get(),)
        rank += request_order.get()
        reservation = current_reservation.get()
        # A request never waits behind a lower one: the room kept for submits and uploads
        # (reservations) is what orders them when the window is nearly full.
        if not any(e[0] <= rank and not e[2].done() for e in self._waiting):
            sent = self._try(kind, reservation)
            if isinstance(sent, Sent):
                return sent
        future = asyncio.get_running_loop().create_future()
        self._waiting.append([rank, next(self._seq), future, kind, reservation])
        self.changed()
        return await future  # cancelled: the dispatcher skips the entry

    def changed(self) -> None:
        """Look at the waiting requests again now (one arrived, or room was freed)."""
        self._wake.set()
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch())

    def answered(self, sent: Sent) -> None:
        now = self._clock()
        sent.t = max(sent.t, now)
        if self.ledger is not None and sent.row is not None:
            self.ledger.answered(sent.row, now)

    def _try(self, kind: str, reservation: Reservation | None) -> Sent | float:
        """Count a request now if the budget (this process's and the shared one) allows:
        the request counted, else the seconds to wait before trying again."""
        wait = self.wait_time()
        if wait > 0:
            return wait
        now = self._clock()
        rank = RANKS.get(kind, OTHER_RANK)
        if rank > RANKS["submit"] and self._per_minute:
            elders = [
                r
                for r in self._reservations
                if reservation is None or rank >= RANKS["result"] or r.order < reservation.order
            ]
            room = self._per_minute - sum(r.left for r in elders if r is not reservation)
            if len(self._sent) >= room:  # the rest of the window is kept for those jobs
                if room <= 0 or not self._sent:
                    return self.window / self._per_minute
                times = sorted(s.t for s in self._sent)
                return max(0.001, times[-room] + self.window - now)
        row = None
        if self.ledger is not None:
            wait, row = self.ledger.take(now, self.window, self._per_minute)
            if wait > 0:
                return wait
        sent = Sent(now, row)
        self._sent.append(sent)
        if reservation is not None and reservation.left > 0 and rank < RANKS["result"]:
            reservation.left -= 1
        self.served[kind] = self.served.get(kind, 0) + 1
        return sent

    async def _dispatch(self) -> None:
        self._wake = asyncio.Event()  # this loop's (a budget may outlive an event loop)
        while self._waiting:
            self._waiting = sorted(e for e in self._waiting if not e[2].done())
            waits = []
            for entry in self._waiting:  # best first; one kept for others may let a later go
                sent = self._try(entry[3], entry[4])
                if isinstance(sent, Sent):
                    self._waiting.remove(entry)
                    entry[2].set_result(sent)
                    break
                waits.append(sent)
            else:
                if waits:
                    await asyncio.sleep(0)  # let the requests just let through go first
                    self._wake.clear()
                    sleep = asyncio.ensure_future(self._sleep(min(waits)))
                    wake = asyncio.ensure_future(self._wake.wait())
                    await asyncio.wait({sleep, wake}, return_when=asyncio.FIRST_COMPLETED)
                    for task in (sleep, wake):
                        task.cancel()

    def _forget_old(self, now: float) -> None:
        self._sent = [s for s in self._sent if s.t + self.window > now]

    def __repr__(self) -> str:
        return (
            f"RequestBudget(per_minute={self._per_minute}, window={self.window}, "
            f"in_window={len(self._sent)}, waiting={self.waiting}, "
            f"paused_until={self._paused_until})"
        )
