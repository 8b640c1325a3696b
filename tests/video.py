"""Decode a video with QtMultimedia in a child process and count its frames.

A child process keeps the test process free of a QGuiApplication/QMediaPlayer and of
FFmpeg's noise; the counting is real decoding through QMediaPlayer + QVideoSink.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

_SCRIPT = r"""
import json, sys
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtMultimedia import QMediaPlayer, QVideoSink
app = QGuiApplication([])
player, sink = QMediaPlayer(), QVideoSink()
player.setVideoSink(sink)
frames = {"n": 0, "w": 0, "h": 0}
def frame(f):
    if f.isValid():
        frames["n"] += 1; frames["w"] = f.width(); frames["h"] = f.height()
sink.videoFrameChanged.connect(frame)
def status(s):
    if s == QMediaPlayer.MediaStatus.LoadedMedia:
        player.setPlaybackRate(8.0); player.play()
    elif s in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
        QTimer.singleShot(0, app.quit)
player.mediaStatusChanged.connect(status)
player.errorOccurred.connect(lambda e, m: (frames.__setitem__("error", m), app.quit()))
player.setSource(QUrl.fromLocalFile(sys.argv[1]))
QTimer.singleShot(int(sys.argv[2]), app.quit)
app.exec()
print(json.dumps({**frames, "duration_ms": player.duration()}))
"""


def decode_stats(path, timeout_ms: int = 20000) -> dict:
    """{"n": frames decoded, "w", "h", "duration_ms", "error"?} for a video file."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(path), str(timeout_ms)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout_ms / 1000 + 20,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert lines, f"decoder printed nothing: {out.stderr[-2000:]}"
    return json.loads(lines[-1])
