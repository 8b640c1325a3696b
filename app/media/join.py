"""Joining the parts' clips into one video under the original voice.

Each clip is cut to its part's length and placed where its part begins in the
recording. Where every clip shares codec and parameters (the normal case: one model,
one size) the video is copied packet by packet, not re-encoded: a clip ends at the
last frame that starts inside its part and can still be decoded (with B-frames that
may hold the frame before it for up to the length of a B-frame run, in a pause), and
the previous frame is held over a skipped pause. Otherwise (or with a crossfade) the
video is decoded and encoded again (H.264) at a constant frame rate. The audio is the
ORIGINAL recording, decoded once and encoded to AAC; the clips' own sound is dropped.
The file appears at ``dest`` complete (written to a temporary file, synced, renamed).
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from app.media.files import MediaError, atomic_output, ffmpeg_reason, open_input
from app.media.probe import VideoInfo, probe_video
from app.media.reencode import encoded_frames

TICKS = Fraction(1, 90000)
COPYABLE = ("h264", "hevc", "mpeg4")  # codecs whose MP4 packets join as they are
AAC_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


@dataclass(frozen=True)
class Piece:
    """One clip on the output timeline: ``seconds`` of it, from ``start`` of the recording."""

    clip: Path
    start: float
    seconds: float


@dataclass(frozen=True)
class JoinResult:
    """The joined file and how it was made."""

    path: Path
    copied: bool  # True: the clips' video was copied, not re-encoded
    video: VideoInfo


Progress = Callable[[float], object]  # fraction done; raising from it stops the join


def _video_stream(container):
    pic = av.stream.Disposition.attached_pic
    streams = [s for s in container.streams.video if not s.disposition & pic]
    if not streams:
        raise MediaError("no video stream")
    return streams[0]


def _signature(path: Path) -> tuple:
    """What must match for clips to be joined without re-encoding."""
    with open_input(path, "video") as container:
        s = _video_stream(container)
        ctx = s.codec_context
        return (
            ctx.name,
            ctx.width,
            ctx.height,
            ctx.format.name if ctx.format else None,
            ctx.profile,
            bytes(ctx.extradata or b""),
        )


def can_copy(clips: Sequence[Path]) -> bool:
    """True if every clip has the same codec, size, pixel format and parameter sets."""
    try:
        first = _signature(clips[0])
        return first[0] in COPYABLE and all(_signature(c) == first for c in clips[1:])
    except MediaError:
        return False


def _ticks(seconds: float) -> int:
    return round(seconds / TICKS)


def _copied_packets(pieces: Sequence[Piece], out_stream, total: float) -> Iterator[av.Packet]:
    """The pieces' video packets with pts/dts on the output timeline (in TICKS)."""
    last_dts = None
    end = _ticks(total)
    held = None
    for n, piece in enumerate(pieces):
        offset = _ticks(piece.start)
        with open_input(piece.clip, "video") as container:
            stream = _video_stream(container)
            tb = stream.time_base
            origin = stream.start_time or 0
            limit = round(Fraction(piece.seconds) / tb)
            for packet in container.demux(stream):
                if packet.pts is None or packet.dts is None or packet.size == 0:
                    continue
                if packet.pts - origin >= limit:
                    break  # later packets may need this one: stop the clip here
                pts = offset + round((packet.pts - origin) * tb / TICKS)
                dts = offset + round((packet.dts - origin) * tb / TICKS)
                if n == 0 and last_dts is None and pts > 0:
                    pts, dts = 0, min(dts, 0)  # hold the first frame over a lead-in pause
                if last_dts is not None and dts <= last_dts:
                    dts = last_dts + 1
                pts = max(pts, dts)
                last_dts = dts
                packet.stream = out_stream
                packet.time_base = TICKS
                packet.pts, packet.dts = pts, dts
                packet.duration = round((packet.duration or 0) * tb / TICKS)
                if held is not None:
                    yield held
                held = packet
    if held is None:
        raise MediaError("no video frames to join")
    # The last packet lasts to the end of the sound; readers count from its pts.
    held.duration = max(1, end - held.pts)
    yield held


def _audio_packets(audio: Path, out_stream, total: float) -> Iterator[av.Packet]:
    """The whole recording as AAC packets, at most ``total`` seconds of it."""
    ctx = out_stream.codec_context
    rate = ctx.sample_rate
    keep = round(total * rate)
    resampler = av.AudioResampler(format="fltp", layout=ctx.layout.name, rate=rate, frame_size=1024)
    done = 0
    with open_input(audio, "audio") as container:
        try:
            for out in _resampled(container, resampler):
                if done >= keep:
                    break
                out.pts, out.time_base = done, Fraction(1, rate)
                done += out.samples
                yield from out_stream.encode(out)
        except av.FFmpegError as e:
            raise MediaError(ffmpeg_reason(e)) from None
    yield from out_stream.encode(None)


def _resampled(container, resampler) -> Iterator[av.AudioFrame]:
    for packet in container.demux(container.streams.audio[0]):
        for frame in packet.decode():
            yield from resampler.resample(frame)
    yield from resampler.resample(None)


def _add_audio_stream(out, audio: Path):
    with open_input(audio, "audio") as container:
        if not container.streams.audio:
            raise MediaError("no audio stream")
        ctx = container.streams.audio[0].codec_context
        source_rate, channels = ctx.sample_rate, ctx.channels
    rate = min(AAC_RATES, key=lambda r: (r < source_rate, abs(r - source_rate)))
    stream = out.add_stream("aac", rate=rate)
    stream.layout = "mono" if channels == 1 else "stereo"
    stream.bit_rate = 96000 if channels == 1 else 160000
    return stream


def _packet_time(packet: av.Packet) -> Fraction:
    return Fraction(packet.dts if packet.dts is not None else packet.pts or 0) * packet.time_base


def _interleaved(*sources: Iterator[av.Packet]) -> Iterator[av.Packet]:
    """Packets of all streams in time order (each source is in time order)."""
    keyed = [(((_packet_time(p), i), p) for p in src) for i, src in enumerate(sources)]
    return (p for _key, p in heapq.merge(*keyed, key=lambda kp: kp[0]))


def write_video(
    pieces: Sequence[Piece],
    dest: str | os.PathLike,
    *,
    audio: str | os.PathLike | None = None,
    total: float | None = None,
    crossfade: float = 0.0,
    progress: Progress | None = None,
) -> JoinResult:
    """Place ``pieces`` on one timeline of ``total`` seconds, under ``audio``; write ``dest``.

    ``total`` defaults to the end of the last piece. Raises MediaError.
    """
    if not pieces:
        raise MediaError("nothing to join")
    pieces = sorted(pieces, key=lambda p: p.start)
    end = total if total is not None else pieces[-1].start + pieces[-1].seconds
    clips = [Path(p.clip) for p in pieces]
    copy = crossfade <= 0 and can_copy(clips)
    dest = Path(dest)
    try:
        with atomic_output(dest) as tmp:
            with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
                if copy:
                    with open_input(clips[0], "video") as first:
                        video = out.add_stream_from_template(_video_stream(first))
                    video.time_base = TICKS
                    packets = _copied_packets(pieces, video, end)
                else:
                    video, packets = encoded_frames(out, pieces, end, crossfade)
                sources = [packets]
                if audio is not None:
                    sound = _add_audio_stream(out, Path(audio))
                    sources.append(_audio_packets(Path(audio), sound, end))
                for packet in _interleaved(*sources):
                    if progress is not None and packet.stream is video:
                        progress(min(1.0, float(_packet_time(packet)) / max(end, 1e-9)))
                    out.mux(packet)
            info = probe_video(tmp)
    except av.FFmpegError as e:
        raise MediaError(ffmpeg_reason(e)) from None
    return JoinResult(dest, copy, info.__class__(**{**info.__dict__, "path": dest}))


def join_parts(
    pieces: Sequence[Piece],
    audio: str | os.PathLike,
    dest: str | os.PathLike,
    *,
    crossfade: float = 0.0,
    progress: Progress | None = None,
) -> JoinResult:
    """The long video: every part's clip in place, under the whole original recording."""
    from app.media.audio import scan_audio

    total = scan_audio(audio).seconds
    return write_video(
        pieces, dest, audio=audio, total=total, crossfade=crossfade, progress=progress
    )


def cut_clip(src: str | os.PathLike, dest: str | os.PathLike, seconds: float) -> JoinResult:
    """The first ``seconds`` of a clip's video (its sound is dropped)."""
    return write_video([Piece(Path(src), 0.0, seconds)], dest, total=seconds)


def join_clips(clips: Sequence[str | os.PathLike], dest: str | os.PathLike) -> JoinResult:
    """Clips' video back to back, each whole (their sound is dropped)."""
    pieces, at = [], 0.0
    for clip in clips:
        seconds = probe_video(clip).seconds
        pieces.append(Piece(Path(clip), at, seconds))
        at += seconds
    return write_video(pieces, dest, total=at)


def lay_audio(
    video: str | os.PathLike, audio: str | os.PathLike, dest: str | os.PathLike
) -> JoinResult:
    """The video's picture under another sound (any accepted audio, encoded to AAC)."""
    from app.media.audio import scan_audio

    total = scan_audio(audio).seconds
    seconds = probe_video(video).seconds
    return write_video(
        [Piece(Path(video), 0.0, min(seconds, total))], dest, audio=audio, total=total
    )
