"""What both origins share: body reading, replies, drops, faults and the request log."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from app.sim.faults import GATEWAY_HTML, Fault


class SimHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the simulator's shared context."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, context, origin: str):
        super().__init__(address, handler)
        self.context = context
        self.origin = origin


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class SimHandler(BaseHTTPRequestHandler):
    """Base handler: HTTP/1.1 keep-alive, every reply sized, every request logged once."""

    protocol_version = "HTTP/1.1"
    server_version = "SegmindSim/1.0"
    timeout = 120  # idle keep-alive connections end eventually
    disable_nagle_algorithm = True  # headers and body go in separate writes

    # set per request
    key: str | None = None
    target: str | None = None  # submit, status, result, credits, upload, history, video, cdn
    injected = False
    logged = False

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass  # the request log is /_sim/log; stderr stays quiet

    @property
    def ctx(self):
        return self.server.context

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    def begin(self) -> None:
        self.key = self.headers.get("x-api-key")
        self.target = None
        self.injected = False
        self.logged = False

    # --- bodies --------------------------------------------------------------

    def read_body(self, limit: int = 512 * 1024 * 1024) -> bytes:
        """The request body, by Content-Length or chunked transfer coding."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
                total += size
                if total > limit:
                    raise ValueError("body too large")
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    # --- replies -------------------------------------------------------------

    def reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict | None = None,
        send_body: bool = True,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body and self.command != "HEAD":
            self.wfile.write(body)
        self.note(status)

    def reply_json(self, status: int, obj, headers: dict | None = None) -> None:
        self.reply(status, json.dumps(obj).encode(), "application/json", headers)

    def reply_text(self, status: int, text: str, headers: dict | None = None) -> None:
        self.reply(status, text.encode(), "text/plain; charset=utf-8", headers)

    def drop(self) -> None:
        """Close the connection without an answer (the client sees a disconnect)."""
        self.close_connection = True
        self.note(0, dropped=True)
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def note(self, status: int, dropped: bool = False) -> None:
        """Log this request once. Only whether a key came, never its value."""
        if self.logged or self.route.startswith("/_sim"):
            return
        self.logged = True
        self.ctx.state.record(
            {
                "t": time.time(),
                "origin": self.server.origin,
                "method": self.command,
                "path": self.route,
                "host": self.headers.get("Host", ""),
                "target": self.target,
                "status": status,
                "key_present": self.key is not None,
                "key_ok": self.ctx.state.key_ok(self.key),
                "injected": self.injected,
                "dropped": dropped,
            }
        )

    # --- faults --------------------------------------------------------------

    def pick_fault(self, target: str) -> Fault | None:
        """A queued one-shot fault for `target`, or a random one from the options."""
        fault = self.ctx.faults.take(target)
        if fault is None:
            o = self.ctx.state.options
            fault = self.ctx.faults.roll(target, o.error_rate, o.drop_rate, o.truncate_rate)
        return fault

    def apply_fault(self, fault: Fault) -> bool:
        """Answer with the fault if it is an answer-type fault; True when handled."""
        if fault.mode in ("500", "502", "504"):
            self.injected = True
            code = int(fault.mode)
            self.reply(code, GATEWAY_HTML[code].encode(), "text/html")
            return True
        if fault.mode == "429":
            self.injected = True
            self.reply_429(
                time.time() + self.ctx.state.options.scaled(fault.reset_seconds), fault.reset
            )
            return True
        if fault.mode == "respond":
            self.injected = True
            headers = dict(fault.headers)
            ctype = headers.pop("Content-Type", None) or headers.pop("content-type", None)
            self.reply(fault.status, fault.body.encode(), ctype or "application/json", headers)
            return True
        if fault.mode == "drop":
            self.injected = True
            self.drop()
            return True
        return False

    def reply_429(self, reset_at: float, style: str = "iso") -> None:
        headers = {}
        if style == "iso":
            headers["x-rate-limit-reset-at-utc"] = iso_utc(reset_at)
        elif style == "epoch":
            headers["x-rate-limit-reset-at-utc"] = str(int(reset_at))
        elif style == "garbage":
            headers["x-rate-limit-reset-at-utc"] = "soon-ish"
        self.reply_json(429, {"error": "Too many requests, please slow down."}, headers)

    def wait_latency(self) -> None:
        latency = self.ctx.state.options.latency
        if latency > 0:
            time.sleep(latency)
