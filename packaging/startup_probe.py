"""A stand-in for the app's window when measuring start-up: same imports, one window.

Follows the start-up protocol of packaging/startup.py: with S2V_STARTUP_PROBE=1 it prints
`first-paint <epoch seconds>` on the first paint of its window. Frozen by
`python packaging/build.py --probe` as dist/s2v-probe/, run from source as a plain script.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    import sqlite3  # noqa: F401 - the imports the real window pays for at start-up

    import httpx  # noqa: F401
    import keyring  # noqa: F401
    import qasync  # noqa: F401
    from PySide6.QtMultimedia import QMediaPlayer
    from PySide6.QtMultimediaWidgets import QVideoWidget
    from PySide6.QtWidgets import (
        QApplication,
        QHBoxLayout,
        QMainWindow,
        QPushButton,
        QTableWidget,
        QVBoxLayout,
        QWidget,
    )

    class Window(QMainWindow):
        painted = False

        def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
            super().paintEvent(event)
            if not self.painted:
                self.painted = True
                if os.environ.get("S2V_STARTUP_PROBE") == "1":
                    print(f"first-paint {time.time():.6f}", flush=True)

    app = QApplication(sys.argv[:1])
    window = Window()
    window.setWindowTitle("Speech2Video Studio (start-up probe)")
    central = QWidget()
    layout = QHBoxLayout(central)
    left = QVBoxLayout()
    left.addWidget(QPushButton("Portrait"))
    left.addWidget(QPushButton("Voice"))
    left.addWidget(QTableWidget(5, 6))
    layout.addLayout(left)
    video = QVideoWidget()
    player = QMediaPlayer()
    player.setVideoOutput(video)
    layout.addWidget(video)
    window.setCentralWidget(central)
    window.resize(1100, 700)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
