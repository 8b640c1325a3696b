"""`s2v-studio` (no arguments) opens the studio window; `s2v-studio --demo` the offline demo."""

from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger(__name__)


def parse(argv: list[str]):
    if argv in ([], ["--demo"]):  # the usual launch: no argparse import before the first paint
        from types import SimpleNamespace

        return SimpleNamespace(demo=bool(argv))
    import argparse

    p = argparse.ArgumentParser(prog="s2v-studio", description="Speech2Video Studio window")
    p.add_argument(
        "--demo",
        action="store_true",
        help="try the app offline on a local simulator (free, results not lip-synced)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the window until the creator quits; returns the exit code."""
    args = parse(list(sys.argv[1:] if argv is None else argv))
    from PySide6.QtWidgets import QApplication

    from app.settings import app_paths
    from app.ui.icons import app_icon

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "s2v-studio"])
    app.setApplicationName("Speech2Video Studio")
    app.setApplicationDisplayName("Speech2Video Studio")
    app.setDesktopFileName("s2v-studio")
    app.setQuitOnLastWindowClosed(False)  # the main coroutine decides when to end
    from app.ui.main_thread_gc import collect_on_ui_thread

    collect_on_ui_thread(app)  # cycles are freed on the UI thread, never in a worker
    paths = app_paths().ensure()
    studio = Studio(paths)

    def log_and_catch() -> None:  # after the first paint: crash.py alone costs ~20 ms
        from app.logs import setup_logging
        from app.ui import crash

        app.setWindowIcon(app_icon())  # 9 files read and decoded: after the first paint too
        setup_logging(paths)
        crash.install(lambda: studio.window, paths, keys=studio.secrets)

    studio.on_first_paint = log_and_catch
    if not args.demo:  # paint before asyncio and qasync are even imported (~100 ms)
        studio.paint_first(app)
    import asyncio

    import qasync

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(studio.run(demo=args.demo))


class Studio:
    """One window at a time: the real one, or the demo (the first-run offer switches)."""

    def __init__(self, paths, keystore=None, *, demo_time_factor: float | None = None) -> None:
        from app.secrets import KeyStore

        self.paths = paths
        self.keystore = keystore or KeyStore()
        self.demo_time_factor = demo_time_factor
        self.window = None
        self.demo_session = None
        self.on_first_paint = None  # called once, after the first window's first paint
        self.theme = None
        self._painted = None  # a window shown and painted before the event loop started

    def paint_first(self, app) -> None:
        """Build and show the real window, and let it paint, before the event loop (and
        asyncio, qasync, the engine) exist; `session` then attaches the engine to it."""
        from PySide6.QtCore import QEvent, QEventLoop, QObject

        from app.settings import Settings
        from app.ui.theme import Theme
        from app.ui.window import StudioWindow

        settings = Settings.load(self.paths)
        self.theme = Theme(app, settings.color_scheme)
        window = StudioWindow(None, settings, self.paths, self.keystore, theme=self.theme)
        painted = []

        class Painted(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
                if event.type() == QEvent.Type.Paint and not painted:
                    painted.append(time.time())
                    if os.environ.get("S2V_STARTUP_PROBE") == "1":
                        print(f"first-paint {painted[0]:.6f}", flush=True)
                return False

        probe = Painted(window)
        window.installEventFilter(probe)
        window.show()
        deadline = time.monotonic() + 2.0
        while not painted and time.monotonic() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        app.processEvents()  # the painted frame reaches the screen
        window.removeEventFilter(probe)
        self._painted = window

    def _first_paint_done(self) -> None:
        hook, self.on_first_paint = self.on_first_paint, None
        if hook is not None:
            hook()

    def secrets(self) -> list[str | None]:
        keys = [self.demo_session.key] if self.demo_session else []
        try:
            keys.append(self.keystore.key())
        except Exception:  # noqa: BLE001 - a crash report must not fail on the keyring
            pass
        return keys

    async def run(self, demo: bool = False) -> int:
        while True:
            outcome = await self.session(demo)
            if outcome not in ("demo", "real"):
                return 0 if outcome == "quit" else 1
            demo = outcome == "demo"

    async def session(self, demo: bool) -> str:
        """Show one window until it closes; "demo" when the creator asked for the demo.

        The window paints first; the engine (httpx, the store, the queue's history) comes
        after that first paint, so start-up feels as quick as a bare window. The demo
        starts its simulator and engine first, as it always did.
        """
        import asyncio

        from app.settings import Settings
        from app.ui.window import StudioWindow

        prebuilt, self._painted = self._painted, None
        settings = (
            prebuilt.settings if prebuilt is not None and not demo else Settings.load(self.paths)
        )
        if self.theme is None:
            from PySide6.QtWidgets import QApplication

            from app.ui.theme import Theme

            self.theme = Theme(QApplication.instance(), settings.color_scheme)
        engine = None
        if demo:  # the simulator first, as before: no demo window without its simulator
            self._first_paint_done()
            from app.ui.demo import DEMO_TIME_FACTOR, DemoSession, prefill

            self.demo_session = DemoSession(settings, self.demo_time_factor or DEMO_TIME_FACTOR)
            try:
                engine = await self.demo_session.start(self.paths)
            except Exception as exc:  # noqa: BLE001 - SimulatorError, OSError...
                print(f"s2v-studio: the demo simulator did not start: {exc}", file=sys.stderr)
                self.demo_session.stop()
                self.demo_session = None
                return "failed"
        if prebuilt is not None and not demo:
            window = prebuilt
        else:
            if prebuilt is not None:
                prebuilt.deleteLater()
            window = StudioWindow(
                engine, settings, self.paths, self.keystore, demo=demo, theme=self.theme
            )
        self.window = window
        wants_demo = False

        def to_demo() -> None:
            nonlocal wants_demo
            wants_demo = True
            window.quit()

        def leave_demo() -> None:
            nonlocal wants_real
            wants_real = True
            window.quit()

        wants_real = False
        window.demoRequested.connect(to_demo)
        window.leaveDemoRequested.connect(leave_demo)
        if demo:
            prefill(window)
        already = window is prebuilt
        if os.environ.get("S2V_STARTUP_PROBE") == "1" and not already:
            report_first_paint(window)
        painted = first_paint(window) if engine is None and not already else None
        window.show()
        try:
            if engine is None:
                if painted is not None:
                    await painted
                self._first_paint_done()
                if window.closed.is_set():  # closed before it was ready
                    return "demo" if wants_demo else "quit"
                from app.jobs.engine import Engine

                engine = Engine(self.paths, settings, self.keystore.key)
                window.attach(engine)
            await engine.start()
            key = self.demo_session.key if demo else self.keystore.key()
            if key:
                window.bridge.refresh_credits(key)
            await window.closed.wait()
        finally:
            if engine is not None:
                await engine.aclose()
            if self.demo_session is not None:
                await asyncio.to_thread(self.demo_session.stop)
                self.demo_session = None
            self.window = None
            window.deleteLater()
        return "real" if wants_real else "demo" if wants_demo else "quit"


def first_paint(window, timeout: float = 2.0):
    """A future done once the window has painted (or after `timeout`: hidden, minimised)."""
    import asyncio

    from PySide6.QtCore import QEvent, QObject, QTimer

    loop = asyncio.get_running_loop()
    done = loop.create_future()

    class Painted(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                # after this paint has reached the screen, not before
                QTimer.singleShot(0, finish)
            return False

    def finish() -> None:
        if not done.done():
            done.set_result(None)

    window._painted = Painted(window)
    window.installEventFilter(window._painted)
    QTimer.singleShot(int(timeout * 1000), finish)
    return done


def report_first_paint(window) -> None:
    """Start-up measurement (packaging/startup.py): print `first-paint <epoch>` once, on
    the window's first paint."""
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                print(f"first-paint {time.time():.6f}", flush=True)
                obj.removeEventFilter(self)
            return False

    window._first_paint = FirstPaint(window)
    window.installEventFilter(window._first_paint)
