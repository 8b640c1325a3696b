"""Python's cycle collector, run on the UI thread only.

CPython collects cycles in whichever thread crosses the allocation threshold: a worker
(qasync's executor decoding a portrait, the thumbnail pool, PyAV in a thread). A window,
dialog or model caught in a reference cycle is then destroyed from that worker; its
timers stay registered with the UI thread, and the next timer event goes to freed
memory (measured here: `QCoreApplication::notifyInternal2` from `activateTimers`, in
the Qt tests, 1 in 3 runs of one file at worst). So automatic collection is switched
off and this timer on the UI thread collects instead, the way the interpreter would
(generation by generation, by the same thresholds). calibre, novelWriter and OpenCue
do the same.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds (as gc would)."""
        counts, limits = gc.get_count(), gc.get_threshold()
        generation = -1
        for i in range(3):
            if counts[i] > limits[i]:
                generation = i
        if generation >= 0:
            gc.collect(generation)

    def stop(self) -> None:
        """Back to automatic collection (the app is closing)."""
        self.timer.stop()
        gc.enable()


_collector: MainThreadCollector | None = None


def collect_on_ui_thread(app: QObject) -> MainThreadCollector:
    """Install the collector once for the application `app` (idempotent)."""
    global _collector
    if _collector is None:
        _collector = MainThreadCollector(app)
    return _collector
