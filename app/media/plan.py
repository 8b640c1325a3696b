"""Cutting a long recording into parts the service can make, for as little money as possible.

Each part is billed at the shortest duration that covers it (5, 10 or 15 s, from the
price table), with no length grace: a 10.001 s part is a 15 s part. Cuts go in the
middle of pauses; where 15 s pass with no pause, at the quietest frame. Pauses over
5 s are sent in no part (the join holds a frame over them).

The plan is chosen by dynamic programming over the cut candidates, comparing, in
order: parts under a second (a tail is merged when a pause allows it), the price in
whole cents plus 5 cents for each part (so fewer parts win when they cost at most
$0.05 more per part saved), the number of parts, then longer pauses at the cuts.
Times are whole milliseconds inside, seconds outside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.media.pauses import SpeechMap

MAX_SECONDS = 600.0
LONG_PAUSE = 5.0  # longer pauses are skipped, not sent
GAP_MARGIN = 0.25  # silence kept on each side of a skipped pause
SHORT_PART = 1.0
PART_CENTS = 5  # what one seam fewer is worth


@dataclass(frozen=True)
class Part:
    """One piece of the recording, sent as one job."""

    start: float
    end: float
    duration: int  # billed duration (seconds)
    price: float  # dollars

    @property
    def seconds(self) -> float:
        return round(self.end - self.start, 3)


@dataclass(frozen=True)
class Gap:
    """A pause longer than LONG_PAUSE that no part contains."""

    start: float
    end: float


@dataclass(frozen=True)
class Cut:
    """A place a cut may go: the middle of a pause, or the quietest frame of a stretch."""

    at: float
    pause: float  # seconds of the pause it lies in (0 for a quietest-frame cut)
    credit: int  # tie-break worth (more is better): pause ms, or 0-100 for quietness


@dataclass(frozen=True)
class Plan:
    """The parts, the skipped gaps and the total, at one quality's prices."""

    seconds: float  # the recording's length
    quality: str
    parts: tuple[Part, ...]
    gaps: tuple[Gap, ...]
    total: float  # dollars
    candidates: tuple[Cut, ...] = field(repr=False)
    pinned: tuple[float, ...] = ()  # cuts the creator placed (kept when re-planning)
    prices: tuple[tuple[int, int], ...] = field(default=(), repr=False)  # (duration, cents)

    @property
    def cuts(self) -> tuple[float, ...]:
        """Where one part ends and the next begins (not the edges of gaps)."""
        return tuple(
            a.end for a, b in zip(self.parts, self.parts[1:], strict=False) if a.end == b.start
        )

    @property
    def total_cents(self) -> int:
        return round(self.total * 100)


def price_table(prices: Mapping, quality: str) -> dict[int, int]:
    """{duration: cents} for one quality from a table shaped like Settings.prices."""
    row = prices.get(quality)
    if not row:
        raise ValueError(f"no prices for quality {quality!r}")
    table = {int(d): round(float(p) * 100) for d, p in row.items() if p is not None}
    if not table:
        raise ValueError(f"no prices for quality {quality!r}")
    return dict(sorted(table.items()))


def plan_parts(
    speech: SpeechMap, prices: Mapping, quality: str, pinned: tuple[float, ...] = ()
) -> Plan:
    """The cheapest plan for a recording whose pauses are in ``speech``.

    ``prices`` is shaped like Settings.prices ({"high": {"5": 1.41, ...}}).
    ``pinned`` cuts (seconds; snapped to candidates) are kept.
    """
    if speech.seconds > MAX_SECONDS + 1e-6:
        raise ValueError(f"{speech.seconds:.0f} s is longer than {MAX_SECONDS:.0f} s")
    cents = price_table(prices, quality)
    sections, gaps = _sections(speech)
    longest = max(cents) * 1000
    candidates: list[tuple[int, int, int]] = []  # (ms, credit, pause ms)
    for a, b in sections:
        candidates += _candidates(speech, a, b, longest)
    pins = {_snap(candidates, round(t * 1000)) for t in pinned} if candidates else set()
    parts: list[Part] = []
    for a, b in sections:
        inside = [c for c in candidates if a < c[0] < b]
        for start, end in _best_parts(a, b, inside, pins, cents):
            d = _billed(end - start, cents)
            parts.append(Part(start / 1000, end / 1000, d, cents[d] / 100))
    total = sum(round(p.price * 100) for p in parts) / 100
    return Plan(
        seconds=speech.seconds,
        quality=quality,
        parts=tuple(parts),
        gaps=tuple(Gap(a / 1000, b / 1000) for a, b in gaps),
        total=total,
        candidates=tuple(Cut(t / 1000, p / 1000, c) for t, c, p in candidates),
        pinned=tuple(sorted(t / 1000 for t in pins)),
        prices=tuple(cents.items()),
    )


def move_cut(plan: Plan, speech: SpeechMap, index: int, to: float) -> Plan:
    """The plan with cut ``index`` moved to the candidate nearest ``to``; the rest re-planned.

    Cuts placed before stay where the creator put them (unless this is one of them).
    """
    cuts = plan.cuts
    if not 0 <= index < len(cuts):
        raise IndexError(f"cut {index} of {len(cuts)}")
    old = cuts[index]
    pins = tuple(t for t in plan.pinned if abs(t - old) > 1e-6) + (to,)
    prices = {plan.quality: {str(d): c / 100 for d, c in plan.prices}}
    return plan_parts(speech, prices, plan.quality, pins)


def nearest_cut(plan: Plan, at: float) -> float:
    """The candidate nearest ``at`` seconds (where a dragged cut would land)."""
    if not plan.candidates:
        raise ValueError("this plan has no cut candidates")
    return min(plan.candidates, key=lambda c: (abs(c.at - at), c.at)).at


def _sections(speech: SpeechMap) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Stretches to send, and the long pauses between them, in ms."""
    total = round(speech.seconds * 1000)
    margin = round(GAP_MARGIN * 1000)
    gaps = []
    for p in speech.pauses:
        if p.seconds <= LONG_PAUSE:
            continue
        start, end = round(p.start * 1000), round(p.end * 1000)
        gap = (0 if start <= 0 else start + margin, total if end >= total else end - margin)
        gaps.append(gap)
    sections, at = [], 0
    for g0, g1 in gaps:
        if g0 > at:
            sections.append((at, g0))
        at = g1
    if at < total:
        sections.append((at, total))
    return sections, gaps


def _candidates(speech: SpeechMap, a: int, b: int, longest: int) -> list[tuple[int, int, int]]:
    """Cut candidates inside (a, b): pause middles, and where more than ``longest`` ms pass
    with no pause, the quietest frame of each second of that stretch."""
    found = []
    for p in speech.pauses:
        start, end = round(p.start * 1000), round(p.end * 1000)
        if a < start and end < b and p.seconds <= LONG_PAUSE:
            found.append(((start + end) // 2, end - start, end - start))
    points = [a] + [c[0] for c in found] + [b]
    for x, y in zip(points, points[1:], strict=False):
        if y - x <= longest:
            continue
        for k in range(1, (y - x) // 1000):
            t = speech.quietest((x + (k - 1) * 1000) / 1000, (x + k * 1000) / 1000)
            level = speech.level_at(t)
            found.append((round(t * 1000), max(0, min(100, round(-level))), 0))
    return sorted(set(found))


def _snap(candidates: list[tuple[int, int]], t: int) -> int:
    return min(candidates, key=lambda c: (abs(c[0] - t), c[0]))[0]


def _billed(length: int, cents: Mapping[int, int]) -> int:
    for d in cents:
        if length <= d * 1000:
            return d
    raise ValueError(f"a part of {length} ms is longer than {max(cents)} s")


def part_score(length: int, cut_pause: int, cents: Mapping[int, int]) -> tuple[int, int, int, int]:
    """What one part adds to a plan's score (lower wins); ``cut_pause`` ms at its end cut."""
    short = 1 if length < SHORT_PART * 1000 else 0
    return (short, cents[_billed(length, cents)] + PART_CENTS, 1, -cut_pause)


def _best_parts(a, b, inside, pins, cents) -> list[tuple[int, int]]:
    """The best division of [a, b] at the candidates ``inside`` (ms), keeping ``pins``."""
    nodes = [(a, 0)] + [(t, credit) for t, credit, _ in inside] + [(b, 0)]
    longest = max(cents) * 1000
    best: list[tuple | None] = [None] * len(nodes)
    back = [0] * len(nodes)
    best[0] = (0, 0, 0, 0)
    for j in range(1, len(nodes)):
        tj, credit = nodes[j]
        for i in range(j - 1, -1, -1):
            ti = nodes[i][0]
            if tj - ti > longest:
                break
            if best[i] is not None:
                s = part_score(tj - ti, credit, cents)
                total = tuple(x + y for x, y in zip(best[i], s, strict=True))
                if best[j] is None or total < best[j]:
                    best[j], back[j] = total, i
            if ti in pins:
                break  # a part may not run over a pinned cut
    parts, j = [], len(nodes) - 1
    while j > 0:
        i = back[j]
        parts.append((nodes[i][0], nodes[j][0]))
        j = i
    return parts[::-1]
