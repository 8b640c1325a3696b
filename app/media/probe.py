"""What a media file holds (streams, codecs, length, size, rate), and proof that it decodes.

``probe`` reads headers only. ``probe_video`` is for a result from the service: it
decodes the first and the last frame, so a file that is cut short, damaged or not a
video at all is an error rather than a "completed" job. ``first_frame`` gives RGB
pixels for a thumbnail (the window wraps them in a QImage off the UI thread).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from app.media.files import MediaError, ffmpeg_reason, open_input


@dataclass(frozen=True)
class StreamInfo:
    """One stream of a file, as its headers describe it."""

    index: int
    type: str  # "audio", "video", "subtitle", "data"...
    codec: str
    seconds: float | None  # the stream's own duration, if the container states it
    sample_rate: int | None = None  # audio
    channels: int | None = None  # audio
    width: int | None = None  # video
    height: int | None = None  # video
    fps: float | None = None  # video: average frame rate
    picture: bool = False  # an attached picture (cover art), not a moving video


@dataclass(frozen=True)
class MediaInfo:
    """A file's container and streams, from its headers (nothing decoded)."""

    path: Path
    container: str
    seconds: float | None
    size_bytes: int
    streams: tuple[StreamInfo, ...]

    def first(self, kind: str) -> StreamInfo | None:
        """The first stream of that type (cover art is not a video)."""
        return next((s for s in self.streams if s.type == kind and not s.picture), None)


@dataclass(frozen=True)
class VideoInfo:
    """A video that decoded from its first to its last frame."""

    path: Path
    codec: str
    width: int
    height: int
    fps: float
    seconds: float  # the video track's length (its last frame may be held to the end)
    frames: int | None  # as the container counts them (None if it does not)
    audio_codec: str | None  # None: no sound track
    audio_seconds: float | None
    size_bytes: int


@dataclass(frozen=True)
class Picture:
    """RGB pixels, 3 bytes a pixel, rows ``bytes_per_line`` apart (QImage.Format_RGB888)."""

    width: int
    height: int
    bytes_per_line: int
    rgb: bytes


def _seconds(value, time_base) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def _stream_info(stream) -> StreamInfo:
    ctx = stream.codec_context
    info = {
        "index": stream.index,
        "type": stream.type,
        "codec": ctx.name if ctx is not None else "unknown",
        "seconds": _seconds(stream.duration, stream.time_base),
        "picture": bool(stream.disposition & av.stream.Disposition.attached_pic),
    }
    if stream.type == "audio":
        info.update(sample_rate=ctx.sample_rate, channels=ctx.channels)
    elif stream.type == "video":
        rate = stream.average_rate or stream.guessed_rate
        info.update(width=ctx.width, height=ctx.height, fps=float(rate) if rate else None)
    return StreamInfo(**info)


def probe(path: str | os.PathLike, kind: str = "video") -> MediaInfo:
    """Streams, codecs, length and size from the headers. ``kind``: "audio" or "video"."""
    p = Path(os.fspath(path))
    with open_input(p, kind) as container:
        seconds = container.duration / av.time_base if container.duration else None
        return MediaInfo(
            path=p,
            container=container.format.name,
            seconds=seconds,
            size_bytes=p.stat().st_size,
            streams=tuple(_stream_info(s) for s in container.streams),
        )


def _decode_first(container, stream) -> av.VideoFrame | None:
    for packet in container.demux(stream):
        for frame in packet.decode():
            return frame
    return None


def _decode_last(container, stream) -> tuple[av.VideoFrame | None, int | None]:
    """Seek a little before the end, decode to the end: the last frame, the last dts read."""
    end = stream.duration or (
        container.duration and int(container.duration / av.time_base / stream.time_base)
    )
    if end:
        back = int(2 / stream.time_base)  # keyframes are at most a few seconds apart
        container.seek(max(0, int(end) - back), stream=stream, backward=True)
    last, last_dts = None, None
    for packet in container.demux(stream):
        if packet.dts is not None:
            last_dts = packet.dts
        for frame in packet.decode():
            last = frame
    return last, last_dts


def _cut_short(stream, last: av.VideoFrame, last_dts: int | None, step: float) -> str | None:
    """Why the file ends before its own index (or stated length) says, None if it does not."""
    entries = stream.index_entries
    if entries and last_dts is not None:
        expected = max(e.timestamp for e in entries)
        if last_dts < expected:
            have, want = float(last_dts * stream.time_base), float(expected * stream.time_base)
            return f"cut short: its data ends at {have:.1f} s of the {want:.1f} s it lists"
        return None
    stated = _seconds(stream.duration, stream.time_base)
    end = (last.time or 0.0) + step
    if stated and end < stated - max(0.2, 2 * step):
        return f"cut short: it decodes to {end:.1f} s of the {stated:.1f} s it states"
    return None


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Check that a video decodes at its start and its end; its facts. Raises MediaError."""
    p = Path(os.fspath(path))
    with open_input(p, "video") as container:
        streams = [s for s in container.streams.video if not s.disposition & _PICTURE]
        if not streams:
            raise MediaError("no video stream")
        stream = streams[0]
        stream.thread_type = "AUTO"
        try:
            first = _decode_first(container, stream)
            if first is None:
                raise MediaError("no frame could be decoded")
            last, last_dts = _decode_last(container, stream)
        except av.FFmpegError as e:
            raise MediaError(ffmpeg_reason(e)) from None
        if last is None:
            raise MediaError("the last frames could not be decoded")
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        step = float(1 / Fraction(rate))
        if reason := _cut_short(stream, last, last_dts, step):
            raise MediaError(reason)
        # What players show: the track's length (a held last frame counts), else decoded.
        end = _seconds(stream.duration, stream.time_base) or (last.time or 0.0) + step
        audio = container.streams.audio[0] if container.streams.audio else None
        return VideoInfo(
            path=p,
            codec=stream.codec_context.name,
            width=first.width,
            height=first.height,
            fps=float(rate),
            seconds=round(end, 3),
            frames=stream.frames or None,
            audio_codec=audio.codec_context.name if audio else None,
            audio_seconds=_seconds(audio.duration, audio.time_base) if audio else None,
            size_bytes=p.stat().st_size,
        )


_PICTURE = av.stream.Disposition.attached_pic


def first_frame(path: str | os.PathLike, max_side: int | None = None) -> Picture:
    """The first frame as RGB, scaled to fit ``max_side`` (keeping its shape) if given."""
    with open_input(path, "video") as container:
        streams = [s for s in container.streams.video if not s.disposition & _PICTURE]
        if not streams:
            raise MediaError("no video stream")
        try:
            frame = _decode_first(container, streams[0])
        except av.FFmpegError as e:
            raise MediaError(ffmpeg_reason(e)) from None
        if frame is None:
            raise MediaError("no frame could be decoded")
        width, height = frame.width, frame.height
        if max_side and max(width, height) > max_side:
            scale = max_side / max(width, height)
            width, height = max(1, round(width * scale)), max(1, round(height * scale))
        rgb = frame.reformat(width=width, height=height, format="rgb24")
        plane = rgb.planes[0]
        return Picture(width, height, plane.line_size, bytes(plane))
