"""The reference for start-up: a bare PySide6 window that prints `first-paint <epoch>`.

Same protocol as the app (packaging/startup.py): with S2V_STARTUP_PROBE=1 the first
paintEvent prints `first-paint <time.time()>` on stdout, flushed.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtWidgets import QApplication, QWidget


class Window(QWidget):
    painted = False

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            if os.environ.get("S2V_STARTUP_PROBE") == "1":
                print(f"first-paint {time.time():.6f}", flush=True)


if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    window = Window()
    window.resize(1100, 700)
    window.show()
    sys.exit(app.exec())
