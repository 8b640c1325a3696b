"""Media tests: offscreen Qt, and the Qt application made on the main thread first.

QAudioDecoder needs an application object; pytest-qt's ``qapp`` (a QApplication) is
created here so that no test leaves a bare QCoreApplication behind for widget tests.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _qt_app(qapp):
    return qapp
