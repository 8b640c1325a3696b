"""Audio on PyAV: measure a clip, decode it to PCM, convert it to WAV, draw its peaks.

Every function takes a path and returns a dataclass (or a list); decoding is
synchronous (milliseconds per second of audio: call from a worker thread in a UI).
Length is counted in decoded samples, never trusted from a header. Errors are
``MediaError`` with FFmpeg's reason; judging a clip (too short, silent...) is the
caller's business.
"""

from __future__ import annotations

import array
import itertools
import math
import os
import struct
import sys
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av

from app.media.files import MediaError, atomic_output, ffmpeg_reason, open_input

# Samples looked at (pure Python is ~30 ns a sample): per second for the peak and
# for the loudness, and per waveform block. Odd strides see every channel.
PEAK_PER_SECOND = 8000
RMS_PER_SECOND = 1000
BLOCK_SAMPLES = 16


@dataclass
class AudioScan:
    """What decoding a whole clip found: its counted length, level and stream facts."""

    path: Path
    container: str  # FFmpeg's demuxer name: "wav", "mp3", "mov,mp4,m4a,3gp,3g2,mj2"...
    codec: str  # "pcm_s16le", "mp3", "aac", "vorbis", "flac"...
    rate: int
    channels: int
    frames: int = 0  # counted samples per channel
    peak: float = 0.0  # 0..1 of full scale (sampled)
    rms: float = 0.0  # 0..1 of full scale (sampled)
    has_video: bool = False  # a real video track (cover art does not count)
    capped: bool = False  # decoding stopped at max_seconds
    blocks: list[float] = field(default_factory=list, repr=False)  # peak per block

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


@dataclass
class Pcm:
    """Mono 16-bit samples at ``rate``."""

    rate: int
    samples: array.array  # typecode "h"

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0


@dataclass(frozen=True)
class WavFile:
    """A 16-bit PCM WAV that was written."""

    path: Path
    rate: int
    channels: int
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def _audio_stream(container, path) -> av.audio.stream.AudioStream:
    if not container.streams.audio:
        raise MediaError("no audio stream")
    return container.streams.audio[0]


def _real_video(container) -> bool:
    pic = av.stream.Disposition.attached_pic
    return any(not (s.disposition & pic) for s in container.streams.video)


def _decoded(container, stream) -> Iterator[av.AudioFrame]:
    """Decoded frames; a damaged packet after some audio ends the clip there."""
    got = False
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                got = True
                yield frame
    except av.FFmpegError as e:
        if not got:
            raise MediaError(ffmpeg_reason(e)) from None


def _samples(frame: av.AudioFrame) -> array.array:
    """Interleaved int16 samples of a packed s16 frame (planes carry padding)."""
    out = array.array("h")
    out.frombytes(bytes(frame.planes[0])[: frame.samples * frame.layout.nb_channels * 2])
    if sys.byteorder == "big":
        out.byteswap()
    return out


def _resampled(frames, resampler) -> Iterator[array.array]:
    for frame in frames:
        for out in resampler.resample(frame):
            yield _samples(out)
    for out in resampler.resample(None):
        yield _samples(out)


def scan_audio(path: str | os.PathLike, *, block: int = 0, max_seconds: float = 0) -> AudioScan:
    """Decode the whole clip at its own rate; count it, measure its level.

    ``block`` > 0 also keeps one peak per ``block`` sample frames (for a waveform);
    ``max_seconds`` > 0 stops there and sets ``capped``.
    """
    p = Path(os.fspath(path))
    with open_input(p, "audio") as container:
        stream = _audio_stream(container, p)
        ctx = stream.codec_context
        scan = AudioScan(
            path=p,
            container=container.format.name,
            codec=ctx.name,
            rate=ctx.sample_rate,
            channels=ctx.channels,
            has_video=_real_video(container),
        )
        if not scan.rate or not scan.channels:  # a header FFmpeg opens but cannot decode
            raise MediaError(f"{scan.rate} Hz, {scan.channels} channels")
        sumsq, counted = 0.0, 0
        ch = max(1, scan.channels)
        peak_stride = max(1, scan.rate * ch // PEAK_PER_SECOND) | 1
        rms_stride = max(1, scan.rate * ch // RMS_PER_SECOND) | 1
        resampler = av.AudioResampler(format="s16")  # packed, own layout and rate
        for samples in _resampled(_decoded(container, stream), resampler):
            if not samples:
                continue
            if block:
                step = block * ch
                stride = max(1, step // BLOCK_SAMPLES) | 1  # odd: every channel is seen
                for i in range(0, len(samples), step):
                    part = samples[i : i + step : stride]
                    scan.blocks.append(max(max(part), -min(part)) / 32768.0)
            else:
                sub = samples[::peak_stride]
                scan.peak = max(scan.peak, max(max(sub), -min(sub)) / 32768.0)
            sub = samples[::rms_stride]
            sumsq += sum(x * x for x in sub)
            counted += len(sub)
            scan.frames += len(samples) // ch
            if max_seconds and scan.frames > max_seconds * scan.rate:
                scan.capped = True
                break
        if scan.blocks:
            scan.peak = max(scan.peak, max(scan.blocks))
        scan.rms = math.sqrt(sumsq / counted) / 32768.0 if counted else 0.0
    return scan


def waveform_peaks(path: str | os.PathLike, buckets: int = 400) -> list[float]:
    """Peak per bucket (0..1 of full scale) over the whole clip, for a waveform picture."""
    if buckets <= 0:
        return []
    with open_input(path, "audio") as container:
        stream = _audio_stream(container, path)
        estimate = float(container.duration or 0) / av.time_base * stream.codec_context.sample_rate
    block = max(32, int(estimate) // 4000)  # about 4,000 blocks are plenty for a picture
    blocks = scan_audio(path, block=block).blocks
    n = len(blocks)
    if n == 0:
        return [0.0] * buckets
    peaks = []
    for b in range(buckets):
        lo = b * n // buckets
        hi = max(lo + 1, (b + 1) * n // buckets)
        peaks.append(min(1.0, max(blocks[lo:hi])))
    return peaks


def _window(samples_iter, channels: int, skip: int, keep: int | None) -> Iterator[array.array]:
    """Drop the first ``skip`` sample frames, then yield at most ``keep`` (None: all)."""
    for samples in samples_iter:
        n = len(samples) // channels
        if skip >= n:
            skip -= n
            continue
        if skip:
            samples = samples[skip * channels :]
            n -= skip
            skip = 0
        if keep is not None:
            if keep <= 0:
                return
            if n > keep:
                samples = samples[: keep * channels]
                n = keep
            keep -= n
        yield samples


def _pcm_stream(path, rate: int, layout: str, start: float, seconds: float | None):
    """Decoded, resampled int16 chunks from ``start`` for ``seconds`` (sample-exact).

    PCM (WAV) is seeked near the start; compressed formats are decoded from the
    beginning, because their seeking is only approximate.
    """
    with open_input(path, "audio") as container:
        stream = _audio_stream(container, path)
        channels = 1 if layout == "mono" else 2
        frames = _decoded(container, stream)
        skip = round(start * rate)
        if skip and stream.codec_context.name.startswith("pcm_"):
            container.seek(round(start / stream.time_base), stream=stream)
            first = next(frames, None)
            if first is None:
                return
            begin = float(first.pts * first.time_base) if first.pts is not None else 0.0
            skip = max(0, round((start - begin) * rate))
            frames = itertools.chain([first], frames)
        resampler = av.AudioResampler(format="s16", layout=layout, rate=rate)
        # Sample-exact windows tile: [a, b) then [b, c) share no sample and miss none.
        keep = None if seconds is None else round((start + seconds) * rate) - round(start * rate)
        yield from _window(_resampled(frames, resampler), channels, skip, keep)


def decode_pcm(
    path: str | os.PathLike, rate: int = 16000, *, start: float = 0.0, seconds: float | None = None
) -> Pcm:
    """The clip (or ``seconds`` of it from ``start``) as mono 16-bit PCM at ``rate``."""
    samples = array.array("h")
    for chunk in _pcm_stream(path, rate, "mono", start, seconds):
        samples.extend(chunk)
    return Pcm(rate=rate, samples=samples)


def convert_to_wav(
    path: str | os.PathLike,
    dest: str | os.PathLike,
    *,
    rate: int,
    channels: int,
    start: float = 0.0,
    seconds: float | None = None,
    fade: float = 0.01,
) -> WavFile:
    """Write ``seconds`` of the clip from ``start`` (all of it if None) as 16-bit WAV.

    The window is exact to the sample: from ``round(start * rate)`` to
    ``round((start + seconds) * rate)`` (less if the clip ends first), so adjacent windows
    share no sample and miss none. Where the audio was cut (a start offset, a kept length
    shorter than the clip) ``fade`` seconds are ramped so the cut does not click. The file
    appears at ``dest`` complete or not at all.
    """
    layout = "mono" if channels == 1 else "stereo"
    channels = 1 if channels == 1 else 2
    ramp = round(fade * rate)
    frames, tail = 0, array.array("h")
    with atomic_output(dest) as tmp, wave.open(str(tmp), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        for chunk in _pcm_stream(path, rate, layout, start, seconds):
            if start > 0 and frames == 0 and ramp:
                _ramp(chunk, channels, ramp, fade_in=True)
            frames += len(chunk) // channels
            tail.extend(chunk)
            hold = ramp * channels
            if len(tail) > hold + rate * channels:  # write all but the last ramp
                w.writeframes(_le(tail[: len(tail) - hold]))
                del tail[: len(tail) - hold]
        cut_end = seconds is not None and frames >= round((start + seconds) * rate) - round(
            start * rate
        )
        if cut_end and ramp:
            _ramp(tail, channels, min(ramp, len(tail) // channels), fade_in=False)
        w.writeframes(_le(tail))
    if frames == 0:
        Path(dest).unlink(missing_ok=True)
        raise MediaError("no audio could be decoded")
    return WavFile(path=Path(dest), rate=rate, channels=channels, frames=frames)


def _le(samples: array.array) -> bytes:
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def _ramp(samples: array.array, channels: int, frames: int, fade_in: bool) -> None:
    """Scale the first (fade in) or last (fade out) ``frames`` linearly to/from zero."""
    n = min(frames, len(samples) // channels)
    if n <= 0:
        return
    base = 0 if fade_in else len(samples) - n * channels
    for i in range(n * channels):
        k = i // channels
        gain = (k + 1) / (n + 1) if fade_in else (n - k) / (n + 1)
        samples[base + i] = int(samples[base + i] * gain)


def wav_declared_frames(path: str | os.PathLike) -> int | None:
    """Sample frames a RIFF WAV's header promises (its data chunk size), None if unknown."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            block = 0
            while len(chunk := f.read(8)) == 8:
                kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if kind == b"fmt ":
                    fmt = f.read(size + (size & 1))
                    block = struct.unpack("<H", fmt[12:14])[0] if len(fmt) >= 14 else 0
                    continue
                if kind == b"data":
                    if not block or size >= 0xFFFFFFF0:  # streamed WAVs write 0 or -1
                        return None
                    return size // block
                f.seek(size + (size & 1), os.SEEK_CUR)
    except OSError:
        return None
    return None
