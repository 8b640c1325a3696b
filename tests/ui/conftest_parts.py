"""Shared fixtures for the dialog and preview tests (import them into a test module).

`qloop`: a qasync loop marked as running, pumped by qtbot.waitUntil (pytest-qt has no
qasync support). `MemoryKeyring`: a real keyring backend kept in memory, for KeyStore.
"""

from __future__ import annotations

import asyncio
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """An OS keyring stand-in that keeps passwords in a dict (no D-Bus needed)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def delete_password(self, service, username):
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError("not stored")


@pytest.fixture
def qloop(qapp):
    """A qasync loop that runs whenever Qt events are processed (qtbot.wait/waitUntil)."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    asyncio.events._set_running_loop(loop)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    deadline = time.monotonic() + 2
    while any(not t.done() for t in pending) and time.monotonic() < deadline:
        qapp.processEvents()
    asyncio.events._set_running_loop(None)
    loop.close()
    asyncio.set_event_loop(None)


def run_on(qtbot, loop, coro, timeout_ms: int = 10000):
    """Run a coroutine on the qasync loop by pumping Qt events; return its result."""
    task = loop.create_task(coro)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()
