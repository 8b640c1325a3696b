"""Good media: real decoding, conversion to WAV, duration choice, trimming, URLs, threads."""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
import time
import wave
from pathlib import Path

import pytest

from app.api.errors import ErrorKind, SegmindError
from app.jobs import media
from app.media.audio import decode_pcm
from tests.jobs.bad_inputs import DATA, write_wav


def wav_facts(path: Path) -> tuple[float, int, int, int]:
    with wave.open(str(path), "rb") as w:
        return (
            w.getnframes() / w.getframerate(),
            w.getframerate(),
            w.getnchannels(),
            w.getsampwidth(),
        )


@pytest.mark.parametrize(
    "name,fmt", [("portrait-astronaut.png", "png"), ("portrait-astronaut.jpg", "jpeg")]
)
def test_good_images_decode(name, fmt):
    path = DATA / name
    info = media.inspect_image(path)
    assert (info.width, info.height, info.format) == (512, 512, fmt)
    assert info.size_bytes == path.stat().st_size
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_image_judged_by_content_not_name(tmp_path):
    renamed = tmp_path / "portrait.webp"
    renamed.write_bytes((DATA / "portrait-astronaut.jpg").read_bytes())
    assert media.inspect_image(renamed).format == "jpeg"


# name, seconds, source rate, channels, uploaded as is
GOOD_AUDIO = [
    ("voice-3s.wav", 3.28, 16000, 1, True),
    ("voice-3s-44k-stereo.wav", 3.28, 44100, 2, True),
    ("voice-3s.mp3", 3.28, 16000, 1, False),
    ("voice-3s.m4a", 3.28, 16000, 1, False),  # AAC priming adds ~50 ms
    ("voice-3s.ogg", 3.28, 16000, 1, False),
    ("voice-3s.flac", 3.28, 16000, 1, False),
]


@pytest.mark.parametrize("name,seconds,rate,channels,as_is", GOOD_AUDIO)
def test_good_audio_is_measured_and_made_wav(name, seconds, rate, channels, as_is, tmp_path):
    info = media.inspect_audio(DATA / name)
    assert info.seconds == pytest.approx(seconds, abs=0.1)
    assert (info.sample_rate, info.channels) == (rate, channels)
    assert info.format == name.rsplit(".", 1)[1]
    assert info.is_wav == name.endswith(".wav")
    assert 0.3 < info.peak <= 1.0
    assert media.choose_duration(info.seconds) == 5
    out = media.prepare_audio(info, tmp_path, 5, trim=False)
    assert (out == info.path) == as_is
    length, out_rate, out_channels, width = wav_facts(out)
    assert length == pytest.approx(seconds, abs=0.1)
    assert (out_rate, out_channels, width) == (rate, channels, 2)
    if not as_is:
        assert out.parent == tmp_path
        assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp file left


@pytest.mark.parametrize("kind", ["float", "extensible"])
def test_wav_variants_wave_cannot_read_are_converted(kind, tmp_path):
    src = write_wav(tmp_path / f"{kind}.wav", 2.0, rate=22050, channels=2, kind=kind)
    with pytest.raises(wave.Error):
        wave.open(str(src)).close()
    info = media.inspect_audio(src)
    assert info.is_wav and info.seconds == pytest.approx(2.0, abs=0.05)
    out = media.prepare_audio(info, tmp_path / "out", 5, trim=False)
    assert out != src
    length, rate, channels, width = wav_facts(out)
    assert (rate, channels, width) == (22050, 2, 2)
    assert length == pytest.approx(2.0, abs=0.05)


def test_unusual_rates_are_converted_to_a_standard_rate(tmp_path):
    high = media.inspect_audio(write_wav(tmp_path / "hi.wav", 1.0, rate=96000))
    out = media.prepare_audio(high, tmp_path / "out", 5, trim=False)
    assert wav_facts(out)[1:] == (48000, 1, 2)
    assert wav_facts(out)[0] == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    "name,expected",
    [("voice-3s.wav", 5), ("voice-5s.wav", 10), ("voice-14s.wav", 15), ("voice-32s.wav", None)],
)
def test_duration_is_chosen_from_the_real_length(name, expected):
    assert media.choose_duration(media.inspect_audio(DATA / name).seconds) == expected


def test_duration_edges():
    assert [media.choose_duration(s) for s in (0.5, 5.0, 5.05, 5.2, 10.0, 13.9, 15.1)] == [
        5,
        5,
        5,
        10,
        10,
        15,
        15,
    ]
    assert media.choose_duration(15.2) is None


def test_too_long_is_refused_unless_trimmed(tmp_path):
    src = DATA / "voice-32s.wav"
    before = src.read_bytes()
    info = media.inspect_audio(src)
    with pytest.raises(SegmindError) as caught:
        media.prepare_audio(info, tmp_path, 15, trim=False)
    assert caught.value.kind == ErrorKind.invalid_input
    assert caught.value.message == (
        "voice-32s.wav is 31.9 s long, longer than the longest video (15 s)."
    )
    assert caught.value.cli_step == (
        "Keep its first 15 s with --trim, or make a long video of all of it with --split."
    )
    assert caught.value.next_step == 'Choose "Trim to 15 s", or "Make a long video".'
    out = media.prepare_audio(info, tmp_path, 15, trim=True)
    assert wav_facts(out) == (15.0, 16000, 1, 2)
    assert src.read_bytes() == before
    assert media.inspect_audio(out).seconds == 15.0  # still speech, not silent


def test_trim_to_a_shorter_chosen_duration(tmp_path):
    info = media.inspect_audio(DATA / "voice-3s.mp3")
    out = media.prepare_audio(info, tmp_path, 10, trim=True)  # fits: converted, not cut
    assert wav_facts(out)[0] == pytest.approx(3.28, abs=0.1)
    info = media.inspect_audio(DATA / "voice-14s.wav")
    assert wav_facts(media.prepare_audio(info, tmp_path, 5, trim=True))[0] == 5.0


def test_bad_duration_is_refused(tmp_path):
    info = media.inspect_audio(DATA / "voice-3s.wav")
    with pytest.raises(SegmindError, match="5, 10 or 15"):
        media.prepare_audio(info, tmp_path, 7, trim=False)


@pytest.mark.parametrize("name", ["voice-14s.wav", "voice-3s-44k-stereo.wav", "voice-3s.mp3"])
def test_waveform(name):
    peaks = media.waveform(DATA / name)
    assert len(peaks) == 400
    assert all(0.0 <= p <= 1.0 for p in peaks)
    assert max(peaks) > 0.3
    assert min(peaks) < 0.05  # pauses between words
    assert len(media.waveform(DATA / name, buckets=50)) == 50


def test_waveform_is_fast_for_15_seconds(tmp_path):
    clip = DATA / "voice-14s.wav"
    media.waveform(clip)
    start = time.perf_counter()
    media.waveform(clip)
    elapsed = time.perf_counter() - start
    print(f"\nwaveform of 13.9 s 16 kHz mono WAV: {elapsed * 1000:.1f} ms")
    assert elapsed < 0.2  # ~25 ms measured; generous for a busy CI machine


@pytest.mark.parametrize(
    "text,kind",
    [
        ("https://cdn.example.com/a.png", "url"),
        ("http://127.0.0.1:8765/a.wav", "url"),
        ("http://localhost/a.wav", "url"),
        ("http://[::1]:9/a.wav", "url"),
        ("/tmp/portrait.png", "path"),
        ("  my portrait.png  ", "path"),
        ("C:\\Users\\me\\portrait.png", "path"),
    ],
)
def test_locations_that_pass(text, kind):
    got_kind, where = media.check_input_location(text)
    assert got_kind == kind
    assert (where == text.strip()) if kind == "url" else isinstance(where, Path)


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("", "No file was given"),
        ("https:///nohost.png", "no host"),
        ("http://192.168.1.2/a.png", "http://"),
        ("file:///home/me/a%20b.png", "/home/me/a b.png"),
        ("JavaScript:alert(1)", "javascript:"),
        ("data:audio/wav;base64," + "A" * 500, "data:"),
        ("ftp://example.com/a.wav", "ftp:"),
        ("gopher://example.com/a", "gopher:"),
    ],
)
def test_locations_that_are_refused(text, fragment):
    with pytest.raises(SegmindError) as caught:
        media.check_input_location(text)
    assert caught.value.kind == ErrorKind.invalid_input
    assert fragment in caught.value.message
    assert len(caught.value.message) < 300  # a long data: URL is shortened


def test_checks_run_in_worker_threads_in_parallel():
    """The engine calls these via asyncio.to_thread; PyAV decodes in any thread."""
    names = ["voice-3s.mp3", "voice-3s.ogg", "voice-3s.m4a", "voice-3s.flac"]
    expected = [media.inspect_audio(DATA / n) for n in names]
    seen_threads = set()

    def inspect(name):
        seen_threads.add(threading.current_thread().name)
        return media.inspect_audio(DATA / name)

    async def main():
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.001)
                ticks += 1

        ticker = asyncio.create_task(tick())
        image = asyncio.to_thread(media.inspect_image, DATA / "portrait-astronaut.jpg")
        results = await asyncio.gather(image, *(asyncio.to_thread(inspect, n) for n in names))
        async_info = await media.inspect_audio_async(DATA / "voice-3s.mp3")
        ticker.cancel()
        return results, async_info, ticks

    results, async_info, ticks = asyncio.run(main())
    assert results[0].width == 512
    assert results[1:] == expected
    assert async_info == expected[0]
    assert "MainThread" not in seen_threads
    assert ticks > 0  # the loop kept running while decoding


def test_decoding_inside_a_running_qt_loop_does_not_nest_it(qtbot):
    """Called from a Qt callback (as under qasync), the decode needs no event loop."""
    from PySide6.QtCore import QTimer

    got = []
    QTimer.singleShot(0, lambda: got.append(media.inspect_audio(DATA / "voice-3s.ogg")))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got[0].seconds == pytest.approx(3.28, abs=0.1)


def test_benchmark_inspect_and_convert(tmp_path):
    """Timings for the report: the 3 s MP3 (convert) and the 32 s WAV (trim to 15 s)."""
    rows = []
    for name, duration in (("voice-3s.mp3", 5), ("voice-32s.wav", 15)):
        start = time.perf_counter()
        info = media.inspect_audio(DATA / name)
        mid = time.perf_counter()
        media.prepare_audio(info, tmp_path, duration, trim=True)
        end = time.perf_counter()
        rows.append(
            f"{name}: inspect {1000 * (mid - start):.0f} ms, convert {1000 * (end - mid):.0f} ms"
        )
        assert end - start < 2.0
    print("\n" + "\n".join(rows))


def test_odd_names_are_refused_cleanly(tmp_path):
    with pytest.raises(SegmindError, match="not a valid file name"):
        media.inspect_image("portrait\x00.png")
    with pytest.raises(SegmindError, match="name too long"):
        media.inspect_audio(tmp_path / ("x" * 300 + ".wav"))


def test_file_vanishing_before_prepare_is_refused(tmp_path):
    src = tmp_path / "voice copy.mp3"
    src.write_bytes((DATA / "voice-3s.mp3").read_bytes())
    info = media.inspect_audio(src)
    src.unlink()
    with pytest.raises(SegmindError) as caught:
        media.prepare_audio(info, tmp_path / "out", 5, trim=False)
    assert "voice copy.mp3" in caught.value.message


def test_decoding_under_a_qasync_loop(qapp, tmp_path):
    """As in the window: a qasync loop on the main thread, decodes in workers and inline."""
    import qasync

    async def main():
        in_worker = await asyncio.to_thread(media.inspect_audio, DATA / "voice-3s.mp3")
        inline = media.inspect_audio(DATA / "voice-3s.flac")  # helper thread, joined
        prepared = await media.prepare_audio_async(in_worker, tmp_path, 5, trim=False)
        return in_worker, inline, prepared

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(qapp)) as runner:
        in_worker, inline, prepared = runner.run(main())
    assert in_worker.seconds == pytest.approx(3.28, abs=0.1)
    assert inline.seconds == pytest.approx(3.28, abs=0.1)
    assert wav_facts(prepared)[0] == pytest.approx(3.28, abs=0.1)


@pytest.mark.parametrize("width", [1, 3, 4])
def test_8_24_32_bit_pcm_wav_is_converted_to_16_bit(width, tmp_path):
    src = tmp_path / f"pcm{8 * width}.wav"
    full = 2 ** (8 * width - 1) - 1
    frames = bytearray()
    for i in range(11025):
        v = 0.5 * math.sin(2 * math.pi * 220 * i / 11025)
        frames += (
            bytes([int(128 + v * 127)])
            if width == 1
            else int(v * full).to_bytes(width, "little", signed=True)
        )
    with wave.open(str(src), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(11025)
        w.writeframes(bytes(frames))
    info = media.inspect_audio(src)
    assert info.seconds == pytest.approx(1.0, abs=0.02) and info.peak == pytest.approx(
        0.5, abs=0.02
    )
    out = media.prepare_audio(info, tmp_path / "out", 5, trim=False)
    assert wav_facts(out)[1:] == (11025, 1, 2)


def test_parts_of_a_long_clip_are_exact_windows(tmp_path):
    """A long video's parts: WAVs of exactly their part's length, adding up to the whole."""
    for name in ("voice-32s.wav", "voice-3s.mp3"):
        info = media.inspect_audio(DATA / name)
        inner = [1.234, 2.5] if info.seconds < 5 else [14.19, 23.45]
        cuts = [0.0, *inner, info.seconds]
        total, whole = 0, len(decode_pcm(DATA / name, 16000).samples)
        for start, end in zip(cuts, cuts[1:], strict=False):
            duration = media.choose_duration(end - start)
            out = media.prepare_audio(info, tmp_path, duration, False, start, end)
            length, rate, _channels, _width = wav_facts(out)
            frames = round(length * rate)
            assert frames == min(round(end * rate), whole) - round(start * rate)
            assert length <= duration
            total += frames
        assert total == whole  # every sample in one part, none in two


def test_a_part_never_exceeds_its_billed_duration(tmp_path):
    info = media.inspect_audio(DATA / "voice-32s.wav")
    out = media.prepare_audio(info, tmp_path, 15, False, 2.0, 17.0004)
    assert wav_facts(out)[0] == 15.0
    with pytest.raises(SegmindError, match="is not inside"):
        media.prepare_audio(info, tmp_path, 5, False, 40.0, 44.0)


def test_a_clip_with_cover_art_is_a_voice_clip(tmp_path):
    from tests.media.test_audio import with_cover_art

    info = media.inspect_audio(with_cover_art(tmp_path / "memo.mp3"))
    assert info.format == "mp3" and info.seconds == pytest.approx(3.28, abs=0.05)


def test_downloaded_results_are_decoded(tmp_path):
    good = media.inspect_video(DATA / "result-h264-5s.mp4")
    assert (good.width, good.height, good.codec) == (512, 512, "h264")
    half = tmp_path / "result.mp4"
    data = (DATA / "result-h264-5s.mp4").read_bytes()
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(SegmindError) as caught:
        media.inspect_video(half)
    assert caught.value.kind == ErrorKind.malformed
    assert "result.mp4" in caught.value.message and "cut short" in caught.value.message
    page = tmp_path / "page.mp4"
    page.write_text("<html>Access denied</html>")
    with pytest.raises(SegmindError, match="does not play"):
        media.inspect_video(page)
