"""Where the voice pauses: short-time energy over 20 ms frames, judged against the clip itself.

The threshold follows the clip's own loudness: it sits between the level of its
speech (a high percentile of frame levels) and its floor (a low percentile: room
noise, hiss, reverberation), so the same rule works for a clean studio take, a noisy
room and a reverberant one. A pause is a run of quiet frames long enough not to be
the closure of a consonant inside a word.
"""

from __future__ import annotations

import array
import math
import os
from dataclasses import dataclass

from app.media.audio import Pcm, decode_pcm

ANALYSIS_RATE = 16000
FRAME = 0.02  # seconds per energy frame
MIN_PAUSE = 0.15  # shorter quiet runs are stop consonants inside words
SPEECH_PERCENTILE = 0.95
FLOOR_PERCENTILE = 0.05
RANGE_BELOW_SPEECH = 30.0  # dB: never call louder than this below speech quiet...
FLOOR_SHARE = 0.15  # ...and never closer to the floor than this share of speech - floor
SILENCE_DB = -100.0  # what digital silence counts as


@dataclass(frozen=True)
class Pause:
    """A stretch with no voice (seconds of the clip)."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2


@dataclass(frozen=True)
class SpeechMap:
    """A clip's loudness per 20 ms frame and the pauses found in it."""

    seconds: float  # the clip's length
    frame: float
    levels: array.array  # dB of full scale per frame ("d")
    threshold: float  # dB: frames below are quiet
    pauses: tuple[Pause, ...]

    def quietest(self, lo: float, hi: float) -> float:
        """The middle of the quietest frame between ``lo`` and ``hi`` seconds."""
        first = max(0, math.ceil(lo / self.frame))
        last = min(len(self.levels), math.floor(hi / self.frame))  # frames ending by hi
        if last <= first:
            return (lo + hi) / 2
        best = min(range(first, last), key=lambda i: (self.levels[i], -i))
        return round((best + 0.5) * self.frame, 3)

    def level_at(self, t: float) -> float:
        """The level (dB) of the frame holding ``t`` seconds."""
        if not self.levels:
            return SILENCE_DB
        return self.levels[min(len(self.levels) - 1, max(0, int(t / self.frame)))]


def frame_levels(pcm: Pcm, frame: float = FRAME) -> array.array:
    """Level in dB of full scale of each whole ``frame`` of the clip."""
    n = max(1, round(frame * pcm.rate))
    samples, out = pcm.samples, array.array("d")
    stride = 2 if n >= 64 else 1  # every other sample: the same power, half the work
    scale = 32768.0 * 32768.0
    for i in range(0, len(samples) - n + 1, n):
        part = samples[i : i + n : stride]
        energy = sum(x * x for x in part) / (len(part) * scale)
        out.append(10 * math.log10(energy) if energy > 1e-10 else SILENCE_DB)
    return out


def _percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def threshold_for(levels) -> float:
    """The quiet/voiced boundary for these frame levels."""
    if not levels:
        return SILENCE_DB
    speech = _percentile(levels, SPEECH_PERCENTILE)
    floor = _percentile(levels, FLOOR_PERCENTILE)
    return max(speech - RANGE_BELOW_SPEECH, floor + FLOOR_SHARE * (speech - floor))


def pauses_in(levels, threshold: float, frame: float = FRAME, min_pause: float = MIN_PAUSE):
    """Runs of frames below ``threshold`` lasting at least ``min_pause`` seconds."""
    found, start = [], None
    need = max(1, round(min_pause / frame))
    for i, level in enumerate([*levels, math.inf]):
        if level < threshold:
            if start is None:
                start = i
        elif start is not None:
            if i - start >= need:
                found.append(Pause(round(start * frame, 3), round(i * frame, 3)))
            start = None
    return tuple(found)


def map_pcm(pcm: Pcm, frame: float = FRAME, min_pause: float = MIN_PAUSE) -> SpeechMap:
    """Loudness and pauses of decoded audio."""
    levels = frame_levels(pcm, frame)
    threshold = threshold_for(levels)
    pauses = list(pauses_in(levels, threshold, frame, min_pause))
    seconds = round(len(pcm.samples) / pcm.rate, 3)
    if pauses and pauses[-1].end >= len(levels) * frame - 1e-9:
        pauses[-1] = Pause(pauses[-1].start, seconds)  # silence runs to the very end
    return SpeechMap(seconds, frame, levels, threshold, tuple(pauses))


def map_speech(path: str | os.PathLike) -> SpeechMap:
    """Decode a voice clip (any accepted format) and find its pauses."""
    return map_pcm(decode_pcm(path, ANALYSIS_RATE))
