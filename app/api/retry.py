"""When to try again: capped exponential backoff with jitter, and 429 reset times."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.api.errors import ErrorKind, SegmindError

T = TypeVar("T")

# A reset time further ahead than this is not believed (a bad clock or a bad header).
_MAX_RESET_AHEAD = 24 * 3600.0


def parse_reset_time(headers, now: float | None = None) -> float | None:
    """Epoch seconds when a 429's limit resets, or None when no usable header.

    Reads `x-rate-limit-reset-at-utc` (ISO 8601 or epoch seconds/milliseconds),
    then `Retry-After` (seconds or an HTTP date).
    """
    now = time.time() if now is None else now
    raw = headers.get("x-rate-limit-reset-at-utc")
    at = _parse_instant(raw) if raw else None
    if at is None:
        retry_after = headers.get("retry-after")
        if retry_after:
            at = _parse_retry_after(retry_after, now)
    if at is None or at != at or at > now + _MAX_RESET_AHEAD:
        return None
    return at


def _parse_instant(raw: str) -> float | None:
    text = raw.strip()
    if not text or len(text) > 64:
        return None
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not (0 < value < float("inf")):
            return None
        return value / 1000.0 if value > 1e11 else value  # milliseconds, some servers
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)  # the header's name says UTC
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _parse_retry_after(raw: str, now: float) -> float | None:
    text = raw.strip()
    if text.isdigit() and len(text) < 10:
        return now + int(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


class Backoff:
    """Capped exponential backoff with jitter that honours a known reset time."""

    def __init__(self, base: float, cap: float, *, rng: random.Random | None = None) -> None:
        self.base = max(0.0, float(base))
        self.cap = max(self.base, float(cap))
        self._rng = rng or random.Random()

    def delay(self, attempt: int, retry_at: float | None = None, now: float | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        step = min(self.cap, self.base * (2 ** min(attempt, 30)))
        jittered = self._rng.uniform(step / 2, step)
        if retry_at is None:
            return jittered
        now = time.time() if now is None else now
        # Never before the reset; a little spread so parallel waiters do not stampede.
        return max(0.0, retry_at - now) + self._rng.uniform(0, min(self.base, 1.0) / 2)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    may_retry: Callable[[SegmindError], bool],
    backoff: Backoff,
    deadline: float,
    on_retry: Callable[[ErrorKind, int, float], object] | None = None,
    on_rate_limit: Callable[[float], object] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """Run `call` until it succeeds, a non-retryable error, or `deadline` seconds pass.

    The error of the last attempt is raised unchanged when giving up.
    """
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return await call()
        except SegmindError as err:
            if not may_retry(err):
                raise
            delay = backoff.delay(attempt, err.retry_at)
            if err.status == 429 and on_rate_limit is not None:
                on_rate_limit(time.time() + delay)
            if time.monotonic() - started + delay > deadline:
                raise
            attempt += 1
            if on_retry is not None:
                try:
                    on_retry(err.kind, attempt, delay)
                except Exception:  # noqa: BLE001 - a counter must never break a request
                    pass
            await sleep(delay)
