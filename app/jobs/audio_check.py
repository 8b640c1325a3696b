"""The voice clip check and its conversion to the WAV the service accepts.

Decoding is app.media (PyAV): synchronous, a few milliseconds per second of audio,
no Qt, no event loop. This module judges what was decoded and words the refusals:
each names the file, the problem and the next step.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError
from app.jobs.inputs import check_file, display_name, file_sha256, refuse
from app.jobs.model import DURATIONS
from app.media import formats
from app.media.audio import convert_to_wav, scan_audio, wav_declared_frames, waveform_peaks
from app.media.files import MediaError, read_head
from app.media.plan import MAX_SECONDS

MAX_BYTES = 200 * 1000 * 1000
MIN_SECONDS = 0.5
SILENT_PEAK = 0.003  # about -50 dBFS
SILENT_RMS = 0.0005  # about -66 dBFS
# Decoders pad a few ms (MP3 frames); a clip this little over a duration still fits it.
DURATION_GRACE = 0.1
FORMATS = f"Choose a {formats.names('audio')} voice clip."
NOT_AUDIO = {"png", "jpeg", "webp", "gif", "bmp", "tiff", "pdf"}


@dataclass
class AudioInfo:
    """A voice clip that decoded, with its real length (counted samples)."""

    path: Path
    seconds: float
    sample_rate: int
    channels: int
    format: str  # "wav", "mp3", "m4a", "aac", "ogg", "flac" or "audio", from the content
    size_bytes: int
    sha256: str
    is_wav: bool
    peak: float  # 0..1 of full scale
    codec: str = ""  # FFmpeg's decoder: "pcm_s16le" is sent as it is


def choose_duration(seconds: float) -> int | None:
    """The shortest video length (5, 10, 15 s) that covers the clip; None if over 15 s."""
    for d in DURATIONS:
        if seconds <= d + DURATION_GRACE:
            return d
    return None


def inspect_audio(path: str | os.PathLike) -> AudioInfo:
    """Decode the voice clip, count its length and level; refuse what cannot work."""
    p = check_file(path, "voice clip")
    name = display_name(p)
    size_bytes = p.stat().st_size
    if size_bytes > MAX_BYTES:
        raise refuse(
            f"{name} is {size_bytes / 1e6:.0f} MB, too big for a voice clip. "
            f"Cut the part you need ({MAX_SECONDS / 60:.0f} minutes at most) and use that."
        )
    kind = formats.sniff(read_head(p, 64))
    if kind in NOT_AUDIO:
        raise refuse(f"{name} is a {kind.upper()} file, not audio. {FORMATS}")
    if kind == "text":
        raise refuse(f"{name} is not an audio file (it looks like text). {FORMATS}")
    try:
        scan = scan_audio(p, max_seconds=MAX_SECONDS)
    except MediaError as e:
        raise _undecodable(name, kind, e.reason) from None
    if scan.has_video:
        raise refuse(
            f"{name} is a video (MP4/MOV), not a voice clip. "
            f"Export its sound as WAV or MP3 and choose that file."
        )
    if kind == "wav":
        _check_wav(p, name, scan)
    if scan.capped:
        raise refuse(
            f"{name} is longer than {MAX_SECONDS / 60:.0f} minutes, the most a long video "
            f"can use. Cut the part you need and use that."
        )
    if scan.frames == 0:
        raise refuse(f"{name} contains no sound (0 s of audio). {FORMATS}")
    if scan.seconds < MIN_SECONDS:
        raise refuse(
            f"{name} is only {scan.seconds:.2f} s long, too short to speak. "
            f"Use a clip of at least {MIN_SECONDS} s."
        )
    if scan.peak < SILENT_PEAK or scan.rms < SILENT_RMS:
        level = f"loudest sample {20 * math.log10(scan.peak):.0f} dBFS" if scan.peak else "no sound"
        raise refuse(
            f"{name} is silent ({level}). "
            f"Choose a clip with audible speech, or check the recording level."
        )
    accepted = {f.content for f in formats.AUDIO_FORMATS}
    return AudioInfo(
        path=p,
        seconds=round(scan.seconds, 3),
        sample_rate=scan.rate,
        channels=scan.channels,
        format=kind if kind in accepted else "audio",
        size_bytes=size_bytes,
        sha256=file_sha256(p),
        is_wav=kind == "wav",
        peak=round(scan.peak, 4),
        codec=scan.codec,
    )


def _undecodable(name: str, kind: str | None, reason: str):
    if kind == "wav":
        return refuse(
            f"{name} has a damaged WAV header ({reason}). Export it again as 16-bit PCM WAV."
        )
    if reason == "no audio stream":
        return refuse(f"{name} contains no audio track, so it is not a voice clip. {FORMATS}")
    return refuse(f"{name} cannot be decoded as audio ({reason}). {FORMATS}")


def _check_wav(p: Path, name: str, scan) -> None:
    if not 1000 <= scan.rate <= 384000 or not 1 <= scan.channels <= 8:
        raise refuse(
            f"{name} has a damaged WAV header ({scan.rate} Hz, {scan.channels} channels). "
            f"Export it again as 16-bit PCM WAV."
        )
    declared = wav_declared_frames(p)
    missing = (declared or 0) - scan.frames
    if declared and not scan.capped and missing > max(scan.rate // 20, declared // 100):
        raise refuse(
            f"{name} is truncated: its header promises {declared / scan.rate:.1f} s but the "
            f"file holds {scan.seconds:.1f} s. Copy or export it again."
        )


@dataclass(frozen=True)
class WaysOut:
    """The next step of a refusal, worded for each face of the app."""

    command_line: str
    window: str


def too_long_ways_out(seconds: float, duration: int, split: str = "") -> WaysOut:
    """How to go on with a clip longer than ``duration``; ``split`` describes the plan."""
    fits = choose_duration(seconds)
    plan = f" ({split})" if split else ""
    if fits:
        return WaysOut(
            f"Choose a {fits} s video (--duration {fits}), or keep its first {duration} s "
            f"with --trim.",
            f'Choose a {fits} s video, or "Trim to {duration} s".',
        )
    return WaysOut(
        f"Keep its first {duration} s with --trim, or make a long video of all of it with "
        f"--split{plan}.",
        f'Choose "Trim to {duration} s", or "Make a long video"{plan}.',
    )


def too_long_refusal(name: str, seconds: float, duration: int, split: str = ""):
    """The refusal of a clip longer than the video: the problem, then the ways out."""
    if duration == DURATIONS[-1]:
        limit = f"longer than the longest video ({duration} s)"
    else:
        limit = f"longer than the chosen video length ({duration} s)"
    ways = too_long_ways_out(seconds, duration, split)
    error = SegmindError(
        ErrorKind.invalid_input,
        f"{name} is {seconds:.1f} s long, {limit}.",
        next_step=ways.window,
        cli_step=ways.command_line,
        action="trim",
    )
    return error


def target_format(rate: int, channels: int) -> tuple[int, int]:
    """What to convert to: the source rate if sane (8-48 kHz) else 44.1/48 kHz; 1 or 2 ch."""
    if not 8000 <= rate <= 48000:
        rate = 48000 if rate % 48000 == 0 else 44100
    return rate, 1 if channels == 1 else 2


def sent_as_is(info: AudioInfo) -> bool:
    """True if the clip already is a WAV the service takes (16-bit PCM, 8-48 kHz, 1-2 ch)."""
    rate, channels = target_format(info.sample_rate, info.channels)
    return (
        info.is_wav
        and info.codec == "pcm_s16le"
        and (rate, channels) == (info.sample_rate, info.channels)
    )


def prepare_audio(
    info: AudioInfo,
    dest_dir: Path,
    duration: int,
    trim: bool,
    trim_start: float = 0.0,
    trim_end: float | None = None,
) -> Path:
    """The WAV to upload: the original if acceptable, else a converted/trimmed copy.

    Keeps at most ``duration`` seconds from ``trim_start`` (to ``trim_end`` if given: a
    long video's part). Refuses a clip longer than ``duration`` unless ``trim`` or a
    window is given.
    """
    name = display_name(info.path)
    if duration not in DURATIONS:
        raise refuse(f"The video length must be 5, 10 or 15 s, not {duration}.")
    window = trim_start > 0 or trim_end is not None
    end = info.seconds if trim_end is None else min(trim_end, info.seconds)
    if not 0 <= trim_start < end:
        raise refuse(
            f"The part from {trim_start:.3f} s to {end:.3f} s is not inside {name} "
            f"({info.seconds:.1f} s). Plan the parts again."
        )
    if not window and not trim and info.seconds > duration + DURATION_GRACE:
        raise too_long_refusal(name, info.seconds, duration)
    keep = min(float(duration), end - trim_start)
    cut = window or info.seconds > duration
    if not cut and sent_as_is(info):
        return info.path
    rate, channels = target_format(info.sample_rate, info.channels)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", info.path.stem).strip("._")[:40] or "voice"
    base = f"{stem}-{info.sha256[:12]}"
    source = info.path
    try:
        if window:
            if not sent_as_is(info):  # cut parts from one exact conversion, not by seeking
                source = _full_wav(info, Path(dest_dir) / f"{base}-full.wav", rate, channels)
            suffix = f"{round(trim_start * 1000)}-{round((trim_start + keep) * 1000)}ms"
        else:
            suffix = f"{duration}s" if cut else "full"
        dest = Path(dest_dir) / f"{base}-{suffix}.wav"
        out = convert_to_wav(
            source,
            dest,
            rate=rate,
            channels=channels,
            start=trim_start,
            seconds=keep if cut else None,
        )
    except MediaError as e:
        raise refuse(f"{name} could not be converted to WAV ({e.reason}). {FORMATS}") from None
    return out.path


def _full_wav(info: AudioInfo, dest: Path, rate: int, channels: int) -> Path:
    if dest.exists():
        return dest
    return convert_to_wav(info.path, dest, rate=rate, channels=channels).path


def waveform(path: str | os.PathLike, buckets: int = 400) -> list[float]:
    """Peak per bucket (0..1 of full scale) over the whole clip."""
    p = check_file(path, "voice clip")
    try:
        return waveform_peaks(p, buckets)
    except MediaError as e:
        kind = formats.sniff(read_head(p, 64))
        raise _undecodable(display_name(p), kind, e.reason) from None
