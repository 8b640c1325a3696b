"""The join's other road: decode every clip and encode one H.264 stream at a steady rate.

Used when the clips differ (codec, size, parameter sets) or a crossfade is asked for.
Each output frame shows the clip whose part holds that moment (the previous frame is
held over a skipped pause, the first frame before the first part); in a crossfade
the outgoing clip (past its part, or its last frame) dissolves into the incoming one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction

import av

from app.media.files import MediaError, open_input

PRESET = "veryfast"
CRF = "18"


class _Cursor:
    """A clip decoded forward: the latest frame at or before a time (clip seconds)."""

    def __init__(self, clip) -> None:
        self.container = open_input(clip, "video")
        pic = av.stream.Disposition.attached_pic
        self.stream = next(s for s in self.container.streams.video if not s.disposition & pic)
        self.stream.thread_type = "AUTO"
        self.origin = float((self.stream.start_time or 0) * self.stream.time_base)
        self.frames = self.container.decode(self.stream)
        self.current = None
        self.next = next(self.frames, None)

    def at(self, t: float) -> av.VideoFrame:
        while self.next is not None and (self.next.time or 0.0) - self.origin <= t + 1e-6:
            self.current, self.next = self.next, next(self.frames, None)
        frame = self.current or self.next
        if frame is None:
            raise MediaError("no frame could be decoded")
        return frame

    def close(self) -> None:
        self.container.close()


def _blend(a: av.VideoFrame, b: av.VideoFrame, alpha: float) -> av.VideoFrame:
    graph = av.filter.Graph()
    src_a = graph.add_buffer(
        width=a.width, height=a.height, format=a.format.name, time_base=Fraction(1, 25)
    )
    src_b = graph.add_buffer(
        width=b.width, height=b.height, format=b.format.name, time_base=Fraction(1, 25)
    )
    mix = graph.add("blend", f"all_expr=A*{1 - alpha:.4f}+B*{alpha:.4f}")
    sink = graph.add("buffersink")
    src_a.link_to(mix, 0, 0)
    src_b.link_to(mix, 0, 1)
    mix.link_to(sink)
    graph.configure()
    a.pts = b.pts = 0
    src_a.push(a)
    src_b.push(b)
    return sink.pull()


def encoded_frames(out, pieces: Sequence, end: float, crossfade: float):
    """Add an H.264 stream to ``out``; return it and the packets of the whole timeline."""
    first = _Cursor(pieces[0].clip)
    rate = first.stream.average_rate or first.stream.guessed_rate or Fraction(25)
    sample = first.at(0.0)
    width, height = sample.width // 2 * 2, sample.height // 2 * 2
    first.close()
    stream = out.add_stream("libx264", rate=rate)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"preset": PRESET, "crf": CRF}
    return stream, _packets(stream, pieces, end, crossfade, Fraction(rate), width, height)


def _packets(stream, pieces, end, crossfade, rate, width, height) -> Iterator[av.Packet]:
    cursors: dict[int, _Cursor] = {}

    def cursor(i: int) -> _Cursor:
        if i not in cursors:
            for old in [k for k in cursors if k < i - 1]:
                cursors.pop(old).close()
            cursors[i] = _Cursor(pieces[i].clip)
        return cursors[i]

    try:
        count = max(1, round(end * rate))
        index = 0
        for k in range(count):
            t = float(k / rate)
            while index + 1 < len(pieces) and pieces[index + 1].start <= t + 1e-9:
                index += 1
            piece = pieces[index]
            local = min(max(0.0, t - piece.start), piece.seconds - 1e-3)
            frame = cursor(index).at(local).reformat(width=width, height=height, format="yuv420p")
            if crossfade > 0 and index > 0 and 0 <= t - piece.start < crossfade:
                prev = pieces[index - 1]
                if abs(prev.start + prev.seconds - piece.start) < 1e-3:
                    outgoing = cursor(index - 1).at(t - prev.start)
                    outgoing = outgoing.reformat(width=width, height=height, format="yuv420p")
                    frame = _blend(outgoing, frame, (t - piece.start) / crossfade)
            frame.pts, frame.time_base = k, 1 / rate
            yield from stream.encode(frame)
        yield from stream.encode(None)
    finally:
        for c in cursors.values():
            c.close()
