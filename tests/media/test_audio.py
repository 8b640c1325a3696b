"""app.media.audio on real files: counting, exact windows, conversion, odd containers."""

from __future__ import annotations

import array
import struct
import wave
from fractions import Fraction
from pathlib import Path

import av
import pytest

from app.media import audio, formats
from app.media.files import MediaError
from tests.media import synth
from tests.media.synth import DATA

CLIPS = [
    ("voice-3s.wav", "pcm_s16le", 16000, 1),
    ("voice-3s-44k-stereo.wav", "pcm_s16le", 44100, 2),
    ("voice-3s.mp3", "mp3float", 16000, 1),
    ("voice-3s.m4a", "aac", 16000, 1),
    ("voice-3s.ogg", "vorbis", 16000, 1),
    ("voice-3s.flac", "flac", 16000, 1),
]


@pytest.mark.parametrize("name,codec,rate,channels", CLIPS)
def test_scan_counts_and_measures(name, codec, rate, channels):
    scan = audio.scan_audio(DATA / name)
    assert (scan.codec, scan.rate, scan.channels) == (codec, rate, channels)
    assert scan.seconds == pytest.approx(3.28, abs=0.06)  # AAC priming adds ~50 ms
    assert 0.4 < scan.peak <= 1.0 and 0.03 < scan.rms < 0.2
    assert not scan.has_video and not scan.capped


def test_scan_stops_at_the_cap():
    scan = audio.scan_audio(DATA / "voice-32s.wav", max_seconds=10)
    assert scan.capped and 10 <= scan.seconds < 10.2


def wav_samples(path: Path) -> tuple[int, int, array.array]:
    with wave.open(str(path), "rb") as w:
        data = array.array("h", w.readframes(w.getnframes()))
        return w.getframerate(), w.getnchannels(), data


@pytest.mark.parametrize("name", ["voice-32s.wav", "voice-3s.mp3", "voice-3s.flac"])
def test_a_window_is_sample_exact(name):
    full = audio.decode_pcm(DATA / name, 16000)
    start, seconds = 1.2345, 1.5
    part = audio.decode_pcm(DATA / name, 16000, start=start, seconds=seconds)
    first = round(start * 16000)
    assert len(part.samples) == round(seconds * 16000)
    assert part.samples == full.samples[first : first + len(part.samples)]


def test_convert_keeps_exactly_the_window_asked_for(tmp_path):
    out = audio.convert_to_wav(
        DATA / "voice-32s.wav", tmp_path / "part.wav", rate=16000, channels=1, start=3.3, seconds=15
    )
    assert (out.frames, out.seconds) == (240000, 15.0)
    rate, channels, data = wav_samples(out.path)
    assert (rate, channels, len(data)) == (16000, 1, 240000)
    source = audio.decode_pcm(DATA / "voice-32s.wav", 16000).samples
    body = slice(1000, 230000)  # away from the 10 ms fades at both cuts
    assert data[body] == source[52800 + body.start : 52800 + body.stop]
    # faded over 10 ms: each cut starts/ends within 1% of the level it cut through
    assert abs(data[0]) <= abs(source[52800]) / 100 + 1
    assert abs(data[-1]) <= abs(source[52800 + 239999]) / 100 + 1
    assert data[160] == source[52800 + 160]  # the fade in lasts 160 samples


def test_convert_of_a_whole_clip_is_unchanged_and_unfaded(tmp_path):
    out = audio.convert_to_wav(DATA / "voice-3s.wav", tmp_path / "a.wav", rate=16000, channels=1)
    assert wav_samples(out.path)[2] == audio.decode_pcm(DATA / "voice-3s.wav", 16000).samples
    stereo = audio.convert_to_wav(
        DATA / "voice-3s.m4a", tmp_path / "s.wav", rate=44100, channels=2, seconds=2.0
    )
    assert wav_samples(stereo.path)[:2] == (44100, 2) and stereo.frames == 88200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "s.wav"]  # no temp files


def test_failed_conversion_leaves_nothing(tmp_path):
    bad = tmp_path / "noise.mp3"
    bad.write_bytes(b"\xff\xfb" + bytes(range(256)) * 40)
    with pytest.raises(MediaError):
        audio.convert_to_wav(bad, tmp_path / "out.wav", rate=16000, channels=1)
    assert [p.name for p in tmp_path.iterdir()] == ["noise.mp3"]


def test_waveform_peaks():
    peaks = audio.waveform_peaks(DATA / "voice-32s.wav", 300)
    assert len(peaks) == 300 and all(0 <= p <= 1 for p in peaks)
    assert max(peaks) > 0.5 and min(peaks) < 0.02
    assert audio.waveform_peaks(DATA / "voice-3s.wav", 0) == []


def test_declared_length_of_a_wav(tmp_path):
    assert (
        audio.wav_declared_frames(DATA / "voice-3s.wav")
        == audio.scan_audio(DATA / "voice-3s.wav").frames
    )
    assert audio.wav_declared_frames(DATA / "voice-3s.mp3") is None


def with_cover_art(dest: Path) -> Path:
    """voice-3s.mp3 behind an ID3v2.3 tag holding a JPEG (APIC): a phone's voice memo."""
    mp3 = (DATA / "voice-3s.mp3").read_bytes()
    size = ((mp3[6] & 0x7F) << 21) | ((mp3[7] & 0x7F) << 14) | ((mp3[8] & 0x7F) << 7) | mp3[9]
    frames = mp3[10 + size :]
    jpeg = (DATA / "portrait-astronaut.jpg").read_bytes()
    body = b"\x00image/jpeg\x00\x03\x00" + jpeg
    frame = b"APIC" + struct.pack(">I", len(body)) + b"\x00\x00" + body
    n = len(frame)
    syncsafe = bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])
    dest.write_bytes(b"ID3\x03\x00\x00" + syncsafe + frame + frames)
    return dest


def test_cover_art_is_not_a_video(tmp_path):
    clip = with_cover_art(tmp_path / "memo.mp3")
    with av.open(str(clip)) as c:
        assert c.streams.video  # FFmpeg sees the picture as a video stream
    scan = audio.scan_audio(clip)
    assert not scan.has_video and scan.seconds == pytest.approx(3.28, abs=0.05)


def encode(dest: Path, fmt: str, codec: str, rate: int = 48000) -> Path:
    pcm = audio.decode_pcm(DATA / "voice-3s.wav", rate)
    with av.open(str(dest), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono")
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm.samples))
        frame.planes[0].update(
            pcm.samples.tobytes() + bytes(frame.planes[0].buffer_size - 2 * len(pcm.samples))
        )
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        for f in resampler.resample(frame):
            out.mux(stream.encode(f))
        out.mux(stream.encode(None))
    return dest


@pytest.mark.parametrize(
    "name,fmt,codec,content",
    [("voice.aac", "adts", "aac", "aac"), ("voice.opus", "ogg", "libopus", "ogg")],
)
def test_other_accepted_containers_decode(tmp_path, name, fmt, codec, content):
    clip = encode(tmp_path / name, fmt, codec)
    assert formats.sniff(clip.read_bytes()[:64]) == content
    assert formats.has_accepted_extension(clip, "audio")
    scan = audio.scan_audio(clip)
    assert scan.seconds == pytest.approx(3.28, abs=0.1) and scan.peak > 0.3


def test_a_playlist_named_mp3_is_never_followed(tmp_path):
    target = synth.write_pcm(tmp_path / "other.wav", synth.tone(2.0))
    playlist = tmp_path / "voice.mp3"
    playlist.write_text(f"#EXTM3U\n#EXTINF:2,\n{target}\n#EXT-X-ENDLIST\n")
    with pytest.raises(MediaError):
        audio.scan_audio(playlist)
    concat = tmp_path / "list.mp3"
    concat.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    with pytest.raises(MediaError):
        audio.scan_audio(concat)
