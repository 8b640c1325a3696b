"""Test audio and video made in Python and PyAV: noise, reverberation, tones, H.264 clips.

Nothing here reads outside tests/data; everything is deterministic (seeded).
"""

from __future__ import annotations

import array
import math
import random
import wave
from fractions import Fraction
from pathlib import Path

import av

from app.media.audio import Pcm

DATA = Path(__file__).resolve().parents[1] / "data"
# B-frames in a pyramid, as in the service's results (tests/data/result-h264-5s.mp4).
X264_LIKE_SERVICE = {"preset": "superfast", "x264-params": "bframes=3:b-adapt=0:b-pyramid=normal"}


def rms(samples) -> float:
    return math.sqrt(sum(x * x for x in samples) / max(1, len(samples)))


def clip16(values) -> array.array:
    return array.array("h", (max(-32768, min(32767, int(v))) for v in values))


def with_noise(pcm: Pcm, snr_db: float, seed: int = 1) -> Pcm:
    """The speech plus white noise ``snr_db`` below its RMS."""
    rng = random.Random(seed)
    level = rms(pcm.samples) / 10 ** (snr_db / 20)
    return Pcm(pcm.rate, clip16(x + rng.gauss(0.0, level) for x in pcm.samples))


def with_reverb(pcm: Pcm, rt60: float = 0.5, wet: float = 0.6) -> Pcm:
    """Schroeder reverberation (4 parallel combs, 2 allpasses) with the given RT60."""
    rate, dry = pcm.rate, [float(x) for x in pcm.samples]
    n = len(dry)
    tail = [0.0] * n
    for delay_ms in (29.7, 37.1, 41.1, 43.7):
        d = int(rate * delay_ms / 1000)
        g = 10 ** (-3 * delay_ms / 1000 / rt60)
        y = [0.0] * n
        for i in range(n):
            y[i] = dry[i] + (g * y[i - d] if i >= d else 0.0)
        for i in range(n):
            tail[i] += y[i] / 4
    for delay_ms, g in ((5.0, 0.7), (1.7, 0.7)):
        d = int(rate * delay_ms / 1000)
        x, y = tail, [0.0] * n
        for i in range(n):
            back = x[i - d] if i >= d else 0.0
            prev = y[i - d] if i >= d else 0.0
            y[i] = -g * x[i] + back + g * prev
        tail = y
    scale = rms(dry) / max(1.0, rms(tail))
    return Pcm(
        rate, clip16((1 - wet) * a + wet * b * scale for a, b in zip(dry, tail, strict=True))
    )


def tone(seconds: float, rate: int = 16000, freq: float = 220.0, amp: float = 0.5) -> Pcm:
    n = round(seconds * rate)
    return Pcm(
        rate, clip16(amp * 32767 * math.sin(2 * math.pi * freq * i / rate) for i in range(n))
    )


def silence(seconds: float, rate: int = 16000) -> Pcm:
    return Pcm(rate, array.array("h", bytes(2 * round(seconds * rate))))


def concat(*pieces: Pcm) -> Pcm:
    out = array.array("h")
    for p in pieces:
        out.extend(p.samples)
    return Pcm(pieces[0].rate, out)


def write_pcm(path: Path, pcm: Pcm) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(pcm.rate)
        w.writeframes(pcm.samples.tobytes())
    return path


def make_clip(
    path: Path,
    seconds: float,
    *,
    size: tuple[int, int] = (160, 120),
    fps: int = 25,
    hue: int = 0,
    codec: str = "libx264",
    audio_freq: float | None = 1000.0,
    options: dict | None = None,
) -> Path:
    """An H.264 (or other) + AAC MP4 like a service result: testsrc2 with its clock, a tint.

    The picture shows the clip's own time, so a frame names where it came from; the
    sound (a steady tone) is not the voice, so a join that used it would be caught.
    """
    width, height = size
    frames = round(seconds * fps)
    graph = av.filter.Graph()
    src = graph.add("testsrc2", f"size={width}x{height}:rate={fps}")
    tint = graph.add("hue", f"h={hue}")
    sink = graph.add("buffersink")
    src.link_to(tint)
    tint.link_to(sink)
    graph.configure()
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = options or (X264_LIKE_SERVICE if codec == "libx264" else {})
        sound = None
        if audio_freq:
            sound = out.add_stream("aac", rate=16000)
            sound.layout = "mono"
        for i in range(frames):
            frame = graph.vpull()
            frame.pict_type = av.video.frame.PictureType.NONE  # testsrc2 marks every frame I
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            pcm = tone(seconds, 16000, audio_freq, 0.3)
            step = 1024
            for i in range(0, len(pcm.samples), step):
                chunk = pcm.samples[i : i + step]
                frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk))
                frame.planes[0].update(
                    chunk.tobytes() + bytes(frame.planes[0].buffer_size - 2 * len(chunk))
                )
                frame.sample_rate, frame.pts = 16000, i
                frame.time_base = Fraction(1, 16000)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path
