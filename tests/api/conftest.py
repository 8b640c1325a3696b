"""Fixtures for the API client tests: a client factory with fast retry timings, TCP relays.

Everything talks to the session's simulator over real HTTP on 127.0.0.1 (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from app.api.client import SegmindClient
from app.api.download import Downloader
from tests.api.api_helpers import FAST, TcpRelay, free_port


@pytest.fixture
def api(sim):
    """`api(**overrides)` -> a SegmindClient on the simulator with fast retry timings."""

    def make(key: str | None = None, **kw) -> SegmindClient:
        options = {**FAST, **kw}
        return SegmindClient(
            sim.key if key is None else key,
            api_base=options.pop("api_base", sim.api_base),
            upload_url=options.pop("upload_url", sim.upload_url),
            **options,
        )

    return make


@pytest.fixture
def downloader():
    def make(**kw) -> Downloader:
        return Downloader(**{"timeout": 5.0, "retry_base": 0.01, "retry_cap": 0.05, **kw})

    return make


@pytest.fixture
def relay_factory():
    relays: list[TcpRelay] = []

    def make(target: tuple[str, int], tls=None) -> TcpRelay:
        relay = TcpRelay(free_port(), target, tls)
        relays.append(relay)
        return relay

    yield make
    for relay in relays:
        relay.stop()
