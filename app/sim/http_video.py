"""The video origin: public result videos and uploaded assets, with Range, HEAD and faults."""

from __future__ import annotations

import os
import re
import socket
import time

from app.sim.http_common import SimHandler

VIDEO = re.compile(r"^/videos/(?P<id>[^/]+)\.mp4$")
ASSET = re.compile(r"^/assets/(?P<name>[\w.-]+)$")
RANGE = re.compile(r"^bytes=(?P<start>\d*)-(?P<end>\d*)$")
CHUNK = 64 * 1024


class VideoHandler(SimHandler):
    """Serves files like a CDN: no key needed, byte ranges honoured."""

    def do_GET(self):
        self.begin()
        self.serve()

    def do_HEAD(self):
        self.begin()
        self.serve()

    def serve(self):
        self.target = "video"
        self.wait_latency()
        found = self.locate()
        if found is None:
            return self.reply_text(404, "Not Found")
        path, ctype, etag = found
        fault = self.pick_fault("video")
        truncate = False
        if fault is not None:
            if fault.mode == "truncate":
                truncate = True
                self.injected = True
            elif self.apply_fault(fault):
                return None
        size = os.path.getsize(path)
        start, end, status = 0, size - 1, 200
        header = (self.headers.get("Range") or "").strip()
        if RANGE.match(header) and header != "bytes=-":  # anything else: the whole file
            span = parse_range(header, size)
            if span is None:
                return self.reply_text(
                    416, "Requested Range Not Satisfiable", {"Content-Range": f"bytes */{size}"}
                )
            start, end = span
            status = 206
        length = end - start + 1 if size else 0
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if etag:
            self.send_header("ETag", f'"{etag}"')
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            return self.note(status)
        to_send = length // 2 if truncate else length
        try:
            self.send_file(path, start, to_send)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return self.note(status, dropped=True)
        if truncate:
            return self.drop_midway(status)
        return self.note(status)

    def drop_midway(self, status: int):
        self.close_connection = True
        self.note(status, dropped=True)
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def locate(self) -> tuple[str, str, str | None] | None:
        """(file, content type, etag) for the path, or None."""
        route = self.route
        if m := VIDEO.match(route):
            order = self.ctx.video_for(m["id"])
            if order is None or not order.done.is_set() or not order.path:
                return None
            return order.path, "video/mp4", order.sha256[:32] if order.sha256 else None
        if m := ASSET.match(route):
            path = self.ctx.assets.path(m["name"])
            if path is None or not path.exists():
                return None
            return str(path), self.ctx.assets.mime(m["name"]), None
        return None

    def send_file(self, path: str, start: int, count: int) -> None:
        """Write `count` bytes from `start`, paced by --throttle-bps when set."""
        bps = self.ctx.state.options.throttle_bps
        size = max(1024, min(CHUNK, bps // 20)) if bps > 0 else CHUNK
        began = time.monotonic()
        sent = 0
        with open(path, "rb") as f:
            f.seek(start)
            while sent < count:
                chunk = f.read(min(size, count - sent))
                if not chunk:
                    break
                if bps > 0:  # a chunk leaves once the bytes before it have had their time
                    ahead = (sent + len(chunk)) / bps - (time.monotonic() - began)
                    if ahead > 0:
                        time.sleep(ahead)
                self.wfile.write(chunk)
                sent += len(chunk)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """First byte and last byte of a single `bytes=` range, or None when unsatisfiable."""
    m = RANGE.match(header.strip())
    if not m or (not m["start"] and not m["end"]):
        return None
    if not m["start"]:
        n = int(m["end"])
        if n == 0 or size == 0:
            return None
        return max(0, size - n), size - 1
    start = int(m["start"])
    end = int(m["end"]) if m["end"] else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)
