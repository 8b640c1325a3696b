"""Reset-time parsing and backoff arithmetic (pure; the HTTP paths are in test_retries)."""

from __future__ import annotations

import random

import httpx
import pytest

from app.api.retry import Backoff, parse_reset_time

NOW = 1_760_000_000.0  # 2025-10-09T08:53:20Z


def headers(**kw) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in kw.items()})


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-10-09T08:53:50Z", NOW + 30),
        ("2025-10-09T08:53:50+00:00", NOW + 30),
        ("2025-10-09T10:53:50+02:00", NOW + 30),
        ("2025-10-09T08:53:50.500Z", NOW + 30.5),
        ("2025-10-09T08:53:50", NOW + 30),  # no zone: the header's name says UTC
        (str(int(NOW + 30)), NOW + 30),
        (f"{NOW + 30:.3f}", NOW + 30),
        (str(int((NOW + 30) * 1000)), NOW + 30),  # milliseconds
    ],
)
def test_reset_header_forms(value, expected):
    assert parse_reset_time(headers(x_rate_limit_reset_at_utc=value), NOW) == pytest.approx(
        expected
    )


@pytest.mark.parametrize(
    "value",
    [
        "soon-ish",
        "",
        "nan",
        "inf",
        "-5",
        "0",
        "2025-13-45T99:00:00Z",
        "9" * 80,
        "2999-01-01T00:00:00Z",
    ],
)
def test_unusable_reset_header_gives_none(value):
    # None makes the caller fall back to backoff (a year-2999 reset is not believed).
    assert parse_reset_time(headers(x_rate_limit_reset_at_utc=value), NOW) is None


def test_retry_after_seconds_and_date():
    assert parse_reset_time(headers(retry_after="12"), NOW) == NOW + 12
    assert parse_reset_time(headers(retry_after="Thu, 09 Oct 2025 08:54:20 GMT"), NOW) == NOW + 60
    assert parse_reset_time(headers(retry_after="whenever"), NOW) is None
    assert parse_reset_time(headers(), NOW) is None


def test_segmind_header_wins_over_retry_after():
    h = headers(x_rate_limit_reset_at_utc=str(int(NOW + 5)), retry_after="100")
    assert parse_reset_time(h, NOW) == NOW + 5


def test_backoff_grows_is_capped_and_jittered():
    b = Backoff(1.0, 8.0, rng=random.Random(1))
    for attempt, step in enumerate([1, 2, 4, 8, 8, 8, 8]):
        delays = [b.delay(attempt) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len(set(delays)) > 1  # jitter: parallel clients do not retry in lockstep
    assert b.delay(10_000) <= 8.0


def test_backoff_honours_reset_time_even_beyond_the_cap():
    b = Backoff(1.0, 2.0, rng=random.Random(2))
    d = b.delay(0, retry_at=NOW + 30, now=NOW)
    assert 30 <= d <= 30.5
    assert 0 <= b.delay(3, retry_at=NOW - 10, now=NOW) <= 0.5  # reset already passed
