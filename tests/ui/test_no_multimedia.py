"""Without QtMultimedia the preview explains why and offers the system player.

Each case runs in a fresh Python process: QtMultimedia, once imported, cannot be unloaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
H264 = ROOT / "tests" / "data" / "result-h264-5s.mp4"

SCRIPT = r"""
import json, sys
{prelude}
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication
from app.jobs.model import Job, JobState
from app.ui.preview import PreviewPlayer

app = QApplication([])

class Catcher(QObject):
    urls = []
    @Slot(QUrl)
    def open(self, url):
        self.urls.append(url.toLocalFile())

catcher = Catcher()
QDesktopServices.setUrlHandler("file", catcher, "open")
p = PreviewPlayer()
p.show()
p.show_job(Job(image="x.png", audio="v.wav", state=JobState.completed, output_path={video!r}))
p.open_external.click()
print(json.dumps({{
    "available": p.multimedia_available(),
    "message": p.message.text(),
    "button": p.open_external.text(),
    "enabled": p.open_external.isEnabled(),
    "opened": catcher.urls,
    "qtmultimedia_loaded": "PySide6.QtMultimedia" in sys.modules
        and sys.modules["PySide6.QtMultimedia"] is not None,
}}))
"""


def run_preview(prelude: str, env_extra: dict[str, str]) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env_extra}
    code = SCRIPT.format(prelude=prelude, video=str(H264))
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_env_switch_shows_reason_and_system_player():
    result = run_preview("", {"S2V_NO_MULTIMEDIA": "1"})
    assert result["available"] is False
    assert "S2V_NO_MULTIMEDIA" in result["message"]
    assert result["button"] == "Open in system player"
    assert result["enabled"] is True
    assert result["opened"] == [str(H264)]
    assert result["qtmultimedia_loaded"] is False


@pytest.mark.parametrize("module", ["PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets"])
def test_failing_import_shows_reason_and_system_player(module):
    # sys.modules[name] = None makes `import name` raise ImportError, as a missing library would
    result = run_preview(f"sys.modules[{module!r}] = None", {"S2V_NO_MULTIMEDIA": ""})
    assert result["available"] is False
    assert "Qt Multimedia could not be loaded" in result["message"]
    assert module in result["message"]
    assert result["opened"] == [str(H264)]


def test_app_ui_modules_do_not_import_qtmultimedia_at_import_time():
    code = (
        "import importlib, pkgutil, sys, app.ui\n"
        "bad = []\n"
        "for m in pkgutil.iter_modules(app.ui.__path__):\n"
        "    importlib.import_module('app.ui.' + m.name)\n"
        "    if 'PySide6.QtMultimedia' in sys.modules: bad.append(m.name); break\n"
        "print(','.join(bad))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "", f"imports QtMultimedia at import time: {out.stdout}"
