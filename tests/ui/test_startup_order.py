"""The window paints before the event loop and the engine exist (app.ui.main.Studio)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from app.secrets import KeyStore
from app.settings import app_paths
from app.ui.main import Studio
from tests.ui.conftest_parts import MemoryKeyring

LATE = ("asyncio", "qasync", "httpx", "app.jobs.engine", "app.jobs.events", "app.jobs.estimates")
CHILD = f"""
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.settings import app_paths
from app.ui.main import Studio
studio = Studio(app_paths().ensure())
studio.paint_first(app)
w = studio._painted
print(json.dumps({{"visible": w.isVisible(), "blocker": w.generate_button.text(),
                  "loaded": [m for m in {LATE!r} if m in sys.modules]}}))
"""


def test_first_paint_comes_before_asyncio_qasync_and_the_engine(s2v_home):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"visible": True, "blocker": "Starting…", "loaded": []}


def test_the_painted_window_is_the_one_the_engine_attaches_to(qtbot, qloop, s2v_home, qapp):
    paths = app_paths(s2v_home).ensure()
    studio = Studio(paths, KeyStore(MemoryKeyring()))
    studio.paint_first(qapp)
    first = studio._painted  # the session deletes it when it ends
    assert first.isVisible() and first.engine is None
    run = qloop.create_task(studio.session(False))
    qtbot.waitUntil(lambda: first.engine is not None, timeout=10000)
    assert studio.window is first and first.preview is not None
    assert first.generate_button.text() == "Enter an API key first"
    first.quit()
    qtbot.waitUntil(run.done, timeout=10000)
    assert run.result() == "quit"
