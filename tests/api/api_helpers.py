"""Helpers shared by the API client tests (imported as `api_helpers`)."""

from __future__ import annotations

import asyncio
import socket
import threading

# Small timings so a retried request takes milliseconds, not minutes.
FAST = {"retry_base": 0.01, "retry_cap": 0.05, "retry_deadline": 3.0, "request_timeout": 5.0}


def run(coro, timeout: float = 30.0):
    """Run one coroutine on a fresh plain asyncio loop (no Qt)."""

    async def bounded():
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpRelay:
    """A byte-for-byte TCP relay to `target`, started on demand on a fixed port.

    Used as an HTTP proxy for plain http (the simulator understands absolute-form
    request lines), so a test can make the first connection be refused and the
    next one succeed.
    """

    def __init__(self, port: int, target: tuple[str, int], tls=None) -> None:
        self.port = port
        self.target = target
        self.tls = tls  # an ssl.SSLContext: terminate TLS here (https in front of http)
        self.connections = 0
        self._server: socket.socket | None = None

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        if self.tls is not None:
            try:
                client = self.tls.wrap_socket(client, server_side=True)
            except OSError:  # the client refused our certificate
                client.close()
                return
        upstream = socket.create_connection(self.target)
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def assert_no_key(key: str, *things) -> None:
    """The key appears in none of the texts/reprs of `things` (errors, clients)."""
    for thing in things:
        texts = [str(thing), repr(thing)]
        for attr in ("message", "next_step", "server_message"):
            texts.append(str(getattr(thing, attr, "")))
        texts.append(repr(getattr(thing, "__dict__", "")))
        for text in texts:
            assert key not in text, f"API key leaked in {type(thing).__name__}: {text[:200]}"


def settled_log(sim, quiet: float = 0.03, limit: float = 2.0) -> list[dict]:
    """The simulator's request log once it stops changing.

    The simulator records a request just after writing the answer, so a client can
    hold the answer before its log line exists.
    """
    import time

    deadline = time.monotonic() + limit
    last = sim.log()
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = sim.log()
        if now == last:
            return now
        last = now
    return last
