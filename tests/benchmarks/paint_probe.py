"""Runs the app's window (`python -m app`) and prints `first-paint <epoch>` on its first paint.

Used only while app/ui does not print the start-up probe line itself: an application-wide
event filter sees the first Paint event of a top-level window. The QApplication is made
here (the app takes `QApplication.instance()`), after the same imports the app pays for.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> int:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QWidget

    class FirstPaint(QObject):
        done = False

        def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
            if (
                not self.done
                and event.type() == QEvent.Type.Paint
                and isinstance(obj, QWidget)
                and obj.isWindow()
            ):
                self.done = True
                if os.environ.get("S2V_STARTUP_PROBE") == "1":
                    print(f"first-paint {time.time():.6f}", flush=True)
            return False

    app = QApplication([sys.argv[0]])
    probe = FirstPaint()
    app.installEventFilter(probe)
    from app.ui.main import main as window

    return window([])


if __name__ == "__main__":
    sys.exit(main())
