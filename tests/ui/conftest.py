"""Fixtures for the studio window tests: a qasync loop pumped by qtbot, jobs, a real engine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from tests.ui import conftest_parts

DATA = Path(__file__).resolve().parent.parent / "data"
SCALE = 0.005  # matches the session simulator's time factor (tests/conftest.py)


@pytest.fixture(autouse=True)
def _cycles_on_the_ui_thread(qapp):
    """As in the app (app/ui/main_thread_gc.py): no collection in worker threads; what
    a test left in cycles is freed here, on the UI thread, after it."""
    import gc

    from app.ui.main_thread_gc import collect_on_ui_thread

    collect_on_ui_thread(qapp)
    yield
    gc.collect()


qloop = conftest_parts.qloop  # fixture: a qasync loop pumped by qtbot
run_on = conftest_parts.run_on


@pytest.fixture
def media(tmp_path):
    """Copies of the test media (a test may delete or move them)."""
    out = tmp_path / "in"
    out.mkdir()
    for p in DATA.iterdir():
        if p.suffix in (".png", ".jpg", ".wav", ".mp3", ".mp4", ".ogg", ".flac", ".m4a"):
            shutil.copy(p, out / p.name)
    return out


@pytest.fixture
def studio(qtbot, qloop, s2v_home, sim, monkeypatch):
    """The studio window on a real Engine talking to the simulator (time scale 0.005).

    The key comes from a KeyStore whose keyring is an in-memory dict (no D-Bus here).
    """
    from app.jobs.engine import Engine
    from app.secrets import KeyStore
    from app.settings import Settings, Timings, app_paths
    from app.ui.window import StudioWindow
    from tests.ui.conftest_parts import MemoryKeyring

    paths = app_paths(s2v_home).ensure()
    settings = Settings(
        api_base=sim.api_base,
        upload_url=sim.upload_url,
        budget_preset="custom",
        budget_per_minute=0,
        privacy_notice_seen=True,
        keep_in_tray=False,
        timings=Timings(scale=SCALE, retry_base=0.2, lease_seconds=3.0),
    )
    keystore = KeyStore(MemoryKeyring())
    keystore.store(sim.key)
    engine = Engine(paths, settings, keystore.key)
    window = StudioWindow(engine, settings, paths, keystore)
    qtbot.addWidget(window)
    window.show()
    run_on(qtbot, qloop, engine.start())
    yield window
    window.quit()
    run_on(qtbot, qloop, engine.aclose())
    window.preview.clear()  # release the media player before the widgets go


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toLocalFile() if url.isLocalFile() else url.toString())


@pytest.fixture
def opened_urls(qapp):
    """file:// and https:// URLs the app hands to the desktop (QDesktopServices.openUrl).

    Not a mock: Qt's own URL-handler hook catches them instead of starting a player,
    file manager or browser, which cannot run here.
    """
    catcher = _UrlCatcher()
    for scheme in ("file", "https"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    yield catcher.urls
    for scheme in ("file", "https"):
        QDesktopServices.unsetUrlHandler(scheme)
