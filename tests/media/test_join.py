"""Joining parts' clips under the original recording: copy and re-encode, gaps, seams."""

from __future__ import annotations

import math
from pathlib import Path

import av
import pytest

from app.media import join, probe
from app.media.audio import decode_pcm
from app.media.files import MediaError
from app.media.pauses import map_speech
from app.media.plan import plan_parts
from app.settings import DEFAULT_PRICES
from tests.media import synth
from tests.media.synth import DATA
from tests.video import decode_stats


def envelope(path: Path, step: float = 0.05) -> list[float]:
    """RMS per ``step`` seconds of a file's (first) sound track, mono 16 kHz."""
    samples = decode_pcm(path, 16000).samples
    n = round(step * 16000)
    return [synth.rms(samples[i : i + n]) for i in range(0, len(samples) - n + 1, n)]


def correlation(a: list[float], b: list[float]) -> float:
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))


def frames(path: Path) -> list[tuple[float, bytes]]:
    """(time, luma) of every decoded frame."""
    with av.open(str(path)) as c:
        return [(round(f.time, 4), bytes(f.planes[0])) for f in c.decode(c.streams.video[0])]


def distance(x: bytes, y: bytes) -> float:
    """Mean difference of sampled luma values (0-255)."""
    return sum(abs(p - q) for p, q in zip(x[::97], y[::97], strict=False)) / len(x[::97])


@pytest.fixture(scope="module")
def long_recording(tmp_path_factory) -> tuple[Path, object]:
    """14 s of speech, 6.5 s of silence, 3 s of speech: a plan with a skipped pause."""
    folder = tmp_path_factory.mktemp("join")
    voice = synth.concat(
        decode_pcm(DATA / "voice-14s.wav", 16000),
        synth.silence(6.5),
        decode_pcm(DATA / "voice-3s.wav", 16000),
    )
    wav = synth.write_pcm(folder / "talk.wav", voice)
    plan = plan_parts(map_speech(wav), DEFAULT_PRICES, "high")
    assert plan.gaps and len(plan.parts) >= 2
    return wav, plan


@pytest.fixture(scope="module")
def part_clips(long_recording, tmp_path_factory) -> list[join.Piece]:
    """A clip per part, of its billed duration (as the service returns), each its own hue."""
    folder = tmp_path_factory.mktemp("clips")
    _wav, plan = long_recording
    return [
        join.Piece(
            synth.make_clip(folder / f"part{i}.mp4", p.duration, hue=90 * i),
            p.start,
            p.seconds,
        )
        for i, p in enumerate(plan.parts)
    ]


def check_lengths(result: join.JoinResult, wav: Path) -> None:
    seconds = decode_pcm(wav, 16000).seconds
    assert abs(result.video.seconds - seconds) <= 0.1
    assert result.video.audio_seconds == pytest.approx(seconds, abs=0.1)
    qt = decode_stats(result.path)
    assert "error" not in qt and abs(qt["duration_ms"] / 1000 - seconds) <= 0.1, qt


def test_clips_are_copied_in_place_under_the_original_voice(long_recording, part_clips, tmp_path):
    wav, plan = long_recording
    out = tmp_path / "long.mp4"
    result = join.join_parts(part_clips, wav, out)
    assert result.copied and result.path == out and out.exists()
    check_lengths(result, wav)
    assert correlation(envelope(out), envelope(wav)) > 0.95  # the voice, not the clips' tone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mp4"]

    joined = frames(out)
    gap = plan.gaps[0]
    assert not [t for t, _ in joined if gap.start + 0.04 < t < gap.end]  # held, not sent
    for piece in part_clips:  # copied: every frame is its clip's own frame, bit for bit
        source = dict(frames(piece.clip))
        mine = [(t, y) for t, y in joined if piece.start <= t < piece.start + piece.seconds]
        assert len(mine) >= piece.seconds * 25 - 4  # at most a B-frame run held at the end
        for t, luma in mine:
            assert source[round(t - piece.start, 4)] == luma, t


def test_the_real_services_kind_of_clip_is_copied(tmp_path):
    result_clip = DATA / "result-h264-5s.mp4"
    voice = synth.write_pcm(tmp_path / "v.wav", decode_pcm(DATA / "voice-14s.wav", 16000))
    pieces = [
        join.Piece(result_clip, 0.0, 4.62),
        join.Piece(result_clip, 4.62, 4.81),
        join.Piece(result_clip, 9.43, 4.498),
    ]
    result = join.join_parts(pieces, voice, tmp_path / "out.mp4")
    assert result.copied
    check_lengths(result, voice)


def test_a_lead_in_pause_holds_the_first_frame(tmp_path):
    clip = synth.make_clip(tmp_path / "c.mp4", 5.0)
    voice = synth.write_pcm(
        tmp_path / "v.wav", synth.concat(synth.silence(6.0), decode_pcm(DATA / "voice-3s.wav"))
    )
    result = join.join_parts([join.Piece(clip, 5.75, 3.53)], voice, tmp_path / "out.mp4")
    check_lengths(result, voice)
    joined = frames(result.path)
    assert joined[0][0] == 0.0 and joined[0][1] == frames(clip)[0][1]
    assert joined[1][0] == pytest.approx(5.75 + 0.04, abs=0.002)


def test_clips_that_differ_are_re_encoded(long_recording, part_clips, tmp_path):
    wav, plan = long_recording
    odd = synth.make_clip(tmp_path / "odd.mp4", 10, size=(320, 240), hue=45)
    pieces = [part_clips[0], join.Piece(odd, part_clips[1].start, part_clips[1].seconds)]
    pieces += part_clips[2:]
    result = join.join_parts(pieces, wav, tmp_path / "mixed.mp4")
    assert not result.copied
    assert (result.video.width, result.video.height, result.video.fps) == (160, 120, 25.0)
    check_lengths(result, wav)
    joined = frames(result.path)
    assert len(joined) == round(decode_pcm(wav).seconds * 25)  # a steady 25 fps
    gap = plan.gaps[0]
    held = [y for t, y in joined if gap.start + 0.1 < t < gap.end - 0.1]
    assert held and all(distance(y, held[0]) < 1 for y in held)  # one frame held over it
    faded = join.join_parts(pieces, wav, tmp_path / "faded.mp4", crossfade=0.2)
    assert (faded.video.width, faded.video.height) == (160, 120)  # sizes differ: scaled


def test_crossfade_dissolves_at_the_seam(tmp_path):
    a = synth.make_clip(tmp_path / "a.mp4", 5.0, hue=0)
    b = synth.make_clip(tmp_path / "b.mp4", 5.0, hue=180)
    voice = synth.write_pcm(tmp_path / "v.wav", decode_pcm(DATA / "voice-5s.wav"))
    pieces = [join.Piece(a, 0.0, 2.6), join.Piece(b, 2.6, 2.6)]
    plain = join.join_parts(pieces, voice, tmp_path / "plain.mp4")
    faded = join.join_parts(pieces, voice, tmp_path / "faded.mp4", crossfade=0.2)
    assert plain.copied and not faded.copied
    check_lengths(faded, voice)
    got = dict(frames(faded.path))
    src_a, src_b = dict(frames(a)), dict(frames(b))

    middle = got[2.68]  # 0.08 s into a 0.2 s fade: partly each clip
    assert distance(middle, src_a[2.68]) > 3 and distance(middle, src_b[0.08]) > 3
    assert distance(got[2.92], src_b[0.32]) < 3  # after the fade: the new clip


def test_a_stopped_join_leaves_nothing_behind(long_recording, part_clips, tmp_path):
    wav, _plan = long_recording
    out = tmp_path / "long.mp4"
    out.write_bytes(b"the previous file")

    def stop(fraction: float) -> None:
        if fraction > 0.3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        join.join_parts(part_clips, wav, out, progress=stop)
    assert out.read_bytes() == b"the previous file"
    assert [p.name for p in tmp_path.iterdir()] == ["long.mp4"]


def test_a_broken_clip_is_an_error(long_recording, part_clips, tmp_path):
    wav, _plan = long_recording
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(part_clips[0].clip.read_bytes()[:5000])
    pieces = [join.Piece(broken, 0.0, part_clips[0].seconds), *part_clips[1:]]
    with pytest.raises(MediaError):
        join.join_parts(pieces, wav, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


def test_cut_join_and_lay_audio_building_blocks(tmp_path):
    clip = synth.make_clip(tmp_path / "c.mp4", 10.0)
    cut = join.cut_clip(clip, tmp_path / "cut.mp4", 7.3)
    assert cut.copied and cut.video.seconds == pytest.approx(7.3, abs=0.05)
    assert cut.video.audio_codec is None
    joined = join.join_clips([cut.path, DATA / "result-h264-5s.mp4"], tmp_path / "j.mp4")
    assert not joined.copied  # 160x120 and 512x512: re-encoded
    assert joined.video.seconds == pytest.approx(12.3, abs=0.05)
    voiced = join.lay_audio(joined.path, DATA / "voice-14s.wav", tmp_path / "v.mp4")
    assert voiced.copied and voiced.video.audio_codec == "aac"
    assert abs(voiced.video.seconds - 13.9) <= 0.1  # the last frame held to the voice's end
    assert probe.probe(voiced.path).first("audio").channels == 1


@pytest.mark.parametrize(
    "fps,params",
    [
        (25, "bframes=0"),
        (25, "bframes=1:b-adapt=0:b-pyramid=none"),
        (25, "bframes=3:b-adapt=0:b-pyramid=normal"),
        (30, "bframes=3:b-adapt=0:b-pyramid=normal"),
    ],
)
def test_a_cut_is_as_long_as_asked_whatever_the_b_frames(tmp_path, fps, params):
    clip = synth.make_clip(
        tmp_path / "c.mp4", 5.0, fps=fps, options={"preset": "superfast", "x264-params": params}
    )
    for seconds in (3.31, 2.0, 4.987):
        cut = join.cut_clip(clip, tmp_path / "cut.mp4", seconds)
        assert cut.video.seconds == pytest.approx(seconds, abs=0.015)
        assert decode_stats(cut.path)["duration_ms"] == pytest.approx(seconds * 1000, abs=15)
