"""Uncaught exceptions (asyncSlot, thread) reach the crash dialog; the report hides the key."""

from __future__ import annotations

import threading

import pytest
import qasync
from PySide6.QtGui import QGuiApplication

from app.settings import app_paths
from app.ui import crash
from tests.ui import conftest_parts

qloop = conftest_parts.qloop  # fixture

KEY = "SG_crashtest9876543210abcdef"
SESSION_KEY = "session-key-without-the-usual-prefix"

# pytest-qt would otherwise swap in its own excepthook and fail the test on purpose-made errors
pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.usefixtures("qloop")]


@pytest.fixture
def handler(monkeypatch, tmp_path):
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    paths = app_paths(tmp_path / "home")
    h = crash.install(lambda: None, paths, keys=lambda: [SESSION_KEY])
    yield h, paths
    if h.dialog is not None:
        h.dialog.close()
        h.dialog.deleteLater()
    crash.uninstall()


def test_async_slot_failure_reaches_the_dialog_redacted(qtbot, handler):
    h, paths = handler

    @qasync.asyncSlot(bool)
    async def on_click(checked):
        raise ValueError(f"Segmind said no to {KEY} (session {SESSION_KEY})")

    on_click(True)
    qtbot.waitUntil(lambda: h.dialog is not None and h.dialog.isVisible(), timeout=3000)
    report = h.dialog.report()
    assert "ValueError: Segmind said no to [key redacted]" in report
    assert "on_click" in report  # the traceback is there
    assert KEY not in report and SESSION_KEY not in report
    assert not h.dialog.isModal()

    h.dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == report and KEY not in copied

    files = list(paths.logs.glob("crash-*.txt"))
    assert len(files) == 1
    saved = files[0].read_text()
    assert "[key redacted]" in saved and KEY not in saved and SESSION_KEY not in saved
    assert str(files[0]) in h.dialog.where.text()


def test_thread_failure_is_shown_on_the_gui_thread(qtbot, handler):
    h, paths = handler

    def work():
        raise RuntimeError(f"worker failed with {KEY}")

    t = threading.Thread(target=work, name="worker")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: h.dialog is not None and h.dialog.isVisible(), timeout=3000)
    assert "RuntimeError: worker failed with [key redacted]" in h.dialog.report()
    assert "thread: worker" in h.dialog.report()
    assert h.dialog.thread() is QGuiApplication.instance().thread()


def test_second_failure_stacks_in_the_same_dialog(qtbot, handler):
    h, _ = handler
    for i in range(2):
        try:
            raise KeyError(f"boom {i}")
        except KeyError as exc:
            h.excepthook(type(exc), exc, exc.__traceback__)
    qtbot.waitUntil(lambda: h.dialog is not None and "boom 1" in h.dialog.report(), timeout=3000)
    assert "boom 0" in h.dialog.report()
