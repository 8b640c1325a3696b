"""Pause finding on the speech clips in tests/data, clean and with noise and reverberation."""

from __future__ import annotations

import math

import pytest

from app.media import pauses
from app.media.audio import decode_pcm
from tests.media import synth
from tests.media.synth import DATA

CLIPS = ["voice-14s.wav", "voice-32s.wav"]


@pytest.fixture(scope="module", params=CLIPS)
def clip(request):
    pcm = decode_pcm(DATA / request.param, pauses.ANALYSIS_RATE)
    return pcm, pauses.map_pcm(pcm)


def test_clean_speech_has_its_phrase_pauses_found(clip):
    pcm, clean = clip
    assert clean.seconds == pytest.approx(len(pcm.samples) / pcm.rate, abs=0.001)
    assert len(clean.pauses) >= clean.seconds / 3  # espeak pauses every 1.5-2.5 s
    assert all(p.seconds >= pauses.MIN_PAUSE - 1e-9 for p in clean.pauses)
    speech = pauses._percentile(clean.levels, pauses.SPEECH_PERCENTILE)
    for p in clean.pauses:  # quiet all through: nothing within 30 dB of the speech
        frames = clean.levels[round(p.start / pauses.FRAME) : round(p.end / pauses.FRAME)]
        assert max(frames) < speech - 29


def between_words(clean, t: float) -> bool:
    """In the clean take, ``t`` is quiet (20 dB under the speech) or within 60 ms of a
    frame the clean analysis calls quiet: a cut there splits no word."""
    speech = pauses._percentile(clean.levels, pauses.SPEECH_PERCENTILE)
    if clean.level_at(t) < speech - 20:
        return True
    near = [clean.level_at(t + k * pauses.FRAME) for k in (-3, -2, -1, 1, 2, 3)]
    return min(near) < clean.threshold


def found_again(clean, other) -> None:
    """Every pause found in ``other`` lies between words of the clean clip, and every
    clean pause of 0.3 s or more is found again."""
    for p in other.pauses:
        assert between_words(clean, p.middle), f"cut at {p.middle:.2f} s is in a word"
    for p in (p for p in clean.pauses if p.seconds >= 0.3):
        assert any(q.start < p.end and q.end > p.start for q in other.pauses), p


@pytest.mark.parametrize("snr,seed", [(20, 1), (15, 1), (15, 2), (10, 1), (10, 3)])
def test_pauses_survive_added_noise(clip, snr, seed):
    pcm, clean = clip
    noisy = pauses.map_pcm(synth.with_noise(pcm, snr, seed))
    noise_db = 20 * math.log10(synth.rms(pcm.samples) / 10 ** (snr / 20) / 32768)
    assert noisy.threshold > max(clean.threshold, noise_db + 1)  # it follows the noise floor
    found_again(clean, noisy)


@pytest.mark.parametrize("rt60", [0.4, 0.8])
def test_pauses_survive_reverberation(clip, rt60):
    pcm, clean = clip
    found_again(clean, pauses.map_pcm(synth.with_reverb(pcm, rt60)))


def test_pauses_survive_reverberation_and_noise(clip):
    pcm, clean = clip
    found_again(clean, pauses.map_pcm(synth.with_noise(synth.with_reverb(pcm, 0.6), 15)))


def test_quiet_recording_is_judged_against_itself(clip):
    pcm, clean = clip
    quiet = synth.Pcm(pcm.rate, synth.clip16(x * 0.05 for x in pcm.samples))  # -26 dB
    found = pauses.map_pcm(quiet)
    assert [round(p.middle, 2) for p in found.pauses] == [round(p.middle, 2) for p in clean.pauses]


def test_silence_and_a_steady_tone():
    gap = pauses.map_pcm(synth.concat(synth.tone(2.0), synth.silence(6.0), synth.tone(1.0)))
    assert [(p.start, p.end) for p in gap.pauses] == [(2.0, 8.0)]
    steady = pauses.map_pcm(synth.tone(20.0))
    assert steady.pauses == ()
    assert 0 <= steady.quietest(3.0, 4.0) - 3.0 <= 1.0
    trailing = pauses.map_pcm(synth.concat(synth.tone(2.0), synth.silence(1.0)))
    assert trailing.pauses[-1].end == trailing.seconds == 3.0


def test_any_accepted_format_is_mapped():
    wav = pauses.map_speech(DATA / "voice-3s.wav")
    for name in ("voice-3s.mp3", "voice-3s.ogg", "voice-3s.flac", "voice-3s-44k-stereo.wav"):
        other = pauses.map_speech(DATA / name)
        assert len(other.pauses) == len(wav.pauses)
        for a, b in zip(other.pauses, wav.pauses, strict=True):
            assert abs(a.middle - b.middle) <= 0.04
