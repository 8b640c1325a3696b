"""Media tests: offscreen Qt, and the Qt application made on the main thread first.

The QApplication that QAudioDecoder needs is made by tests/conftest.py (session, autouse).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
