"""The long-video planner: cheapest plan by DP, checked against brute force and by cases."""

from __future__ import annotations

import array
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.media import plan as planner
from app.media.pauses import Pause, SpeechMap, map_speech
from app.settings import DEFAULT_PRICES
from tests.media.synth import DATA

FRAME = 0.02


def speech(seconds: float, pauses=(), levels=None) -> SpeechMap:
    frames = round(seconds / FRAME)
    lv = array.array("d", levels if levels is not None else [-20.0] * frames)
    return SpeechMap(seconds, FRAME, lv, -45.0, tuple(Pause(a, b) for a, b in pauses))


def ms(t: float) -> int:
    return round(t * 1000)


def sections(plan) -> list[tuple[int, int]]:
    out, at = [], 0
    for g in plan.gaps:
        if ms(g.start) > at:
            out.append((at, ms(g.start)))
        at = ms(g.end)
    if at < ms(plan.seconds):
        out.append((at, ms(plan.seconds)))
    return out


def small(plan) -> bool:
    """Few enough candidates per section to try every division."""
    return all(
        sum(ms(a) < ms(c.at) < ms(b) for c in plan.candidates) <= 14
        for a, b in [(x / 1000, y / 1000) for x, y in sections(plan)]
    )


def brute_force_score(plan, pins=()) -> tuple:
    """Every way to divide each section at the plan's candidates, scored; the best."""
    cents = dict(plan.prices)
    longest = max(cents) * 1000
    credit = {ms(c.at): c.credit for c in plan.candidates}
    pinned = {ms(p) for p in pins}
    total = (0, 0, 0, 0)
    for a, b in sections(plan):
        inside = sorted(t for t in credit if a < t < b)
        best = None

        def walk(at, score, rest, b=b):
            nonlocal best
            for k, t in enumerate([*rest, b]):
                if t - at > longest:
                    break
                end_credit = credit[t] if t != b else 0
                s = tuple(
                    x + y
                    for x, y in zip(
                        score, planner.part_score(t - at, end_credit, cents), strict=True
                    )
                )
                if t == b:
                    if best is None or s < best:
                        best = s
                else:
                    walk(t, s, rest[k + 1 :], b)
                if t in pinned:
                    break  # no part may run over a pinned cut

        walk(a, (0, 0, 0, 0), inside)
        total = tuple(x + y for x, y in zip(total, best, strict=True))
    return total


def plan_score(plan) -> tuple:
    cents = dict(plan.prices)
    credit = {ms(c.at): c.credit for c in plan.candidates}
    cuts = {ms(t) for t in plan.cuts}
    total = (0, 0, 0, 0)
    for p in plan.parts:
        end = ms(p.end)
        s = planner.part_score(end - ms(p.start), credit[end] if end in cuts else 0, cents)
        total = tuple(x + y for x, y in zip(total, s, strict=True))
    return total


def check_plan(plan) -> None:
    """The rules every plan keeps."""
    cents = dict(plan.prices)
    at = 0
    for part in plan.parts:
        length = ms(part.end) - ms(part.start)
        assert 0 < length <= part.duration * 1000  # no grace: at most exactly 5/10/15 s
        assert part.duration == min(d for d in cents if length <= d * 1000)
        assert part.price * 100 == pytest.approx(cents[part.duration])
        assert ms(part.start) >= at
        at = ms(part.end)
    covered = sum(ms(p.end) - ms(p.start) for p in plan.parts)
    skipped = sum(ms(g.end) - ms(g.start) for g in plan.gaps)
    assert covered + skipped == ms(plan.seconds)  # every moment is in a part or a gap
    for g in plan.gaps:
        assert not any(p.start < g.end and p.end > g.start for p in plan.parts)
    assert plan.total == pytest.approx(sum(p.price for p in plan.parts))
    candidates = {ms(c.at) for c in plan.candidates}
    assert {ms(t) for t in plan.cuts} <= candidates


@st.composite
def recordings(draw, shortest: int = 1000):
    seconds = draw(st.integers(shortest, 45000)) / 1000
    pauses, at = [], 0.2
    while len(pauses) < 10:  # brute force stays small: a few thousand divisions
        at += draw(st.integers(300, 9000)) / 1000
        length = draw(st.sampled_from([0.12, 0.2, 0.4, 0.8, 2.0, 5.5, 7.0]))
        if at + length >= seconds - 0.1:
            break
        pauses.append((round(at, 2), round(at + length, 2)))
        at += length
    rng = random.Random(draw(st.integers(0, 1000)))
    levels = [rng.uniform(-60, -15) for _ in range(round(seconds / FRAME))]
    five = draw(st.integers(10, 500))
    ten = draw(st.integers(five, 1000))
    fifteen = draw(st.integers(ten // 2, 1500))
    prices = {"high": {"5": five / 100, "10": ten / 100, "15": fifteen / 100}}
    return speech(seconds, pauses, levels), prices


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recordings())
def test_dp_finds_the_brute_force_optimum(case):
    sm, prices = case
    plan = planner.plan_parts(sm, prices, "high")
    check_plan(plan)
    assume(small(plan))
    assert plan_score(plan) == brute_force_score(plan)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recordings(shortest=16000), st.integers(0, 10**6), st.floats(0, 45))
def test_moving_a_cut_keeps_it_and_replans_the_rest_optimally(case, pick, to):
    sm, prices = case
    plan = planner.plan_parts(sm, prices, "high")
    assume(plan.cuts and small(plan))
    moved = planner.move_cut(plan, sm, pick % len(plan.cuts), to)
    check_plan(moved)
    landed = planner.nearest_cut(plan, to)
    assert landed in moved.pinned
    assert plan_score(moved) == brute_force_score(moved, moved.pinned)
    if moved.cuts:  # a second move keeps the first
        again = planner.move_cut(moved, sm, 0, moved.cuts[0] + 3)
        check_plan(again)
        kept = [p for p in moved.pinned if p != moved.cuts[0]]
        assert set(kept) <= set(again.pinned)


@pytest.mark.parametrize("seed", range(8))
def test_dp_matches_brute_force_where_no_pause_comes_for_15_s(seed):
    rng = random.Random(seed)
    seconds = rng.uniform(15.5, 17.5)
    levels = [rng.uniform(-50, -15) for _ in range(round(seconds / FRAME))]
    five, fifteen = rng.randint(50, 200) / 100, rng.randint(150, 400) / 100
    prices = {"mid": {"5": five, "10": 1.72, "15": fifteen}}
    plan = planner.plan_parts(speech(seconds, (), levels), prices, "mid")
    check_plan(plan)
    assert plan.candidates and all(c.pause == 0 for c in plan.candidates)
    assert plan_score(plan) == brute_force_score(plan)


def test_fewer_parts_win_when_they_cost_at_most_5_cents_more_per_part_saved():
    # 4 x 10 s = $11.24 or 15 + 15 + 10 = $11.25 at the default high-quality prices.
    sm = speech(40.0, [(9.9, 10.1), (14.9, 15.1), (19.9, 20.1), (29.9, 30.1)])
    plan = planner.plan_parts(sm, DEFAULT_PRICES, "high")
    assert [(p.start, p.end, p.duration) for p in plan.parts] == [
        (0.0, 15.0, 15),
        (15.0, 30.0, 15),
        (30.0, 40.0, 10),
    ]
    assert plan.total == 11.25 and plan.cuts == (15.0, 30.0)
    # Where saving a part costs more than 5 cents, the cheaper plan with more parts wins.
    dear = {"high": {"5": 1.41, "10": 2.81, "15": 4.30}}
    assert len(planner.plan_parts(sm, dear, "high").parts) == 4


def test_the_plan_follows_the_price_table():
    sm = speech(20.0, [(9.9, 10.1), (14.9, 15.1)])
    cheap_fifteen = {"mid": {"5": 1.00, "10": 1.50, "15": 1.60}}
    assert [p.duration for p in planner.plan_parts(sm, cheap_fifteen, "mid").parts] == [15, 5]
    cheap_ten = {"mid": {"5": 1.00, "10": 1.10, "15": 3.00}}
    assert [p.duration for p in planner.plan_parts(sm, cheap_ten, "mid").parts] == [10, 10]


def test_a_part_may_be_exactly_15_000_s_but_not_more():
    exact = planner.plan_parts(speech(20.0, [(14.9, 15.1)]), DEFAULT_PRICES, "high")
    assert [(p.start, p.end, p.duration) for p in exact.parts] == [
        (0.0, 15.0, 15),
        (15.0, 20.0, 5),
    ]
    # Pause middle at 15.001 s: that cut would make a 15.001 s part, so it is not used.
    over = planner.plan_parts(speech(20.0, [(10.0, 10.2), (14.902, 15.1)]), DEFAULT_PRICES, "high")
    check_plan(over)
    assert over.cuts == (10.1,)
    assert all(p.seconds <= p.duration for p in over.parts)


def test_a_short_tail_is_merged_into_the_previous_part():
    sm = speech(10.6, [(9.9, 10.1)])  # a 0.6 s tail after the pause
    prices = {"high": {"5": 1.00, "10": 2.00, "15": 3.50}}
    plan = planner.plan_parts(sm, prices, "high")
    assert [(p.start, p.end, p.duration) for p in plan.parts] == [(0.0, 10.6, 15)]
    # ...through an earlier pause when one allows it (and that is cheaper here).
    sm = speech(10.6, [(4.9, 5.1), (9.9, 10.1)])
    plan = planner.plan_parts(sm, prices, "high")
    assert [(p.start, p.end, p.duration) for p in plan.parts] == [(0.0, 5.0, 5), (5.0, 10.6, 10)]


def test_without_pauses_cuts_go_at_the_quietest_frame():
    levels = [-20.0] * 1000  # 20 s of speech with no pause...
    levels[616] = -38.0  # ...and one quiet frame at 12.33 s
    plan = planner.plan_parts(speech(20.0, (), levels), DEFAULT_PRICES, "high")
    check_plan(plan)
    assert plan.cuts == (12.33,)
    long = planner.plan_parts(speech(100.0), DEFAULT_PRICES, "high")
    check_plan(long)
    assert all(p.seconds <= 15 for p in long.parts) and len(long.parts) == 7


def test_pauses_over_5_s_are_not_sent():
    sm = speech(30.0, [(0.0, 6.0), (9.0, 9.3), (12.0, 19.0), (24.0, 30.0)])
    plan = planner.plan_parts(sm, DEFAULT_PRICES, "high")
    check_plan(plan)
    assert [(g.start, g.end) for g in plan.gaps] == [(0.0, 5.75), (12.25, 18.75), (24.25, 30.0)]
    assert [(p.start, p.end) for p in plan.parts] == [(5.75, 12.25), (18.75, 24.25)]


def test_ten_minutes_at_most():
    planner.plan_parts(speech(600.0), DEFAULT_PRICES, "high")
    with pytest.raises(ValueError, match="longer than 600 s"):
        planner.plan_parts(speech(600.5), DEFAULT_PRICES, "high")


def test_a_real_recording_is_cut_in_the_middle_of_its_pauses():
    sm = map_speech(DATA / "voice-32s.wav")
    plan = planner.plan_parts(sm, DEFAULT_PRICES, "high")
    check_plan(plan)
    middles = {round(p.middle, 3) for p in sm.pauses}
    assert plan.cuts and all(any(abs(c - m) <= 0.001 for m in middles) for c in plan.cuts)
    assert ms(plan.parts[-1].end) == ms(sm.seconds)
    assert plan.total == pytest.approx(9.84)  # 15 + 10 + 10 s at the default high prices


def test_price_table_needs_prices_for_the_quality():
    with pytest.raises(ValueError, match="no prices"):
        planner.plan_parts(speech(20.0), DEFAULT_PRICES, "ultra")
