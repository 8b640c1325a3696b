"""Probing: headers of audio and video, and the decode check of a downloaded result."""

from __future__ import annotations

import pytest

from app.media import probe
from app.media.files import MediaError
from tests.media import synth
from tests.media.synth import DATA

RESULT = DATA / "result-h264-5s.mp4"


def test_probe_reads_streams_from_headers():
    info = probe.probe(RESULT)
    assert info.seconds == pytest.approx(5.0) and info.size_bytes == RESULT.stat().st_size
    video, sound = info.first("video"), info.first("audio")
    assert (video.codec, video.width, video.height, video.fps) == ("h264", 512, 512, 25.0)
    assert (sound.codec, sound.sample_rate, sound.channels) == ("aac", 16000, 1)
    voice = probe.probe(DATA / "voice-3s.flac", "audio")
    assert voice.first("video") is None and voice.first("audio").codec == "flac"


def test_a_good_result_decodes_to_its_end():
    info = probe.probe_video(RESULT)
    assert (info.codec, info.width, info.height, info.fps) == ("h264", 512, 512, 25.0)
    assert info.seconds == pytest.approx(5.0, abs=0.04) and info.frames == 125
    assert info.audio_codec == "aac" and info.audio_seconds == pytest.approx(5.0, abs=0.05)


@pytest.mark.parametrize(
    "damage,reason",
    [
        (lambda b: b[: len(b) // 2], "cut short"),
        (lambda b: b[:-20000], "cut short"),
        (lambda b: b[:3000], ""),
        (lambda b: b"<html><body>Access denied</body></html>", ""),
        (lambda b: b[:2000] + bytes(len(b) - 2000), ""),
    ],
)
def test_a_damaged_result_is_an_error(tmp_path, damage, reason):
    bad = tmp_path / "result.mp4"
    bad.write_bytes(damage(RESULT.read_bytes()))
    with pytest.raises(MediaError) as caught:
        probe.probe_video(bad)
    assert reason in caught.value.reason


def test_sound_alone_is_not_a_video():
    with pytest.raises(MediaError, match="no video stream"):
        probe.probe_video(DATA / "voice-3s.m4a")


def test_first_frame_as_rgb(tmp_path):
    full = probe.first_frame(RESULT)
    assert (full.width, full.height) == (512, 512)
    assert full.bytes_per_line >= 512 * 3 and len(full.rgb) == full.bytes_per_line * 512
    small = probe.first_frame(RESULT, max_side=128)
    assert (small.width, small.height) == (128, 128)
    wide = probe.first_frame(synth.make_clip(tmp_path / "w.mp4", 1.0, size=(320, 180)), 160)
    assert (wide.width, wide.height) == (160, 90)
    row = wide.rgb[: wide.width * 3]
    assert len(set(row)) > 10  # a picture, not a blank
