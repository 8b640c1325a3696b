"""QtMultimedia, loaded only when the preview needs it.

`import PySide6.QtMultimedia` fails where libpulse (or another part of the audio stack)
is missing; the app must still run there, without a preview. So nothing in app/ui
imports QtMultimedia or QtMultimediaWidgets at module import time: call `load()`.
`S2V_NO_MULTIMEDIA=1` forces the failure (tests, and creators with a broken audio stack).
"""

from __future__ import annotations

import os
from types import SimpleNamespace

ENV_DISABLE = "S2V_NO_MULTIMEDIA"

_loaded: SimpleNamespace | None = None
_reason: str | None = None
_tried = False


def load() -> SimpleNamespace | None:
    """The multimedia classes (QMediaPlayer, QAudioOutput, QVideoSink, QVideoWidget...), or None.

    The result is a namespace with the attributes of both QtMultimedia and
    QtMultimediaWidgets. On failure `unavailable_reason()` says why.
    """
    global _loaded, _reason, _tried
    if _tried:
        return _loaded
    _tried = True
    if os.environ.get(ENV_DISABLE, "").strip() not in ("", "0"):
        _reason = f"Video preview is turned off ({ENV_DISABLE} is set)."
        return None
    try:
        from PySide6 import QtMultimedia, QtMultimediaWidgets
    except Exception as exc:  # noqa: BLE001 - ImportError, OSError from a missing libpulse...
        _reason = (
            "Video preview is not available: Qt Multimedia could not be loaded "
            f"({type(exc).__name__}: {exc}). On Linux, installing libpulse0 usually fixes it."
        )
        return None
    ns = SimpleNamespace()
    for module in (QtMultimedia, QtMultimediaWidgets):
        for name in dir(module):
            if name.startswith("Q"):
                setattr(ns, name, getattr(module, name))
    _loaded = ns
    return ns


def available() -> bool:
    """True when QtMultimedia loads (it is loaded by this call)."""
    return load() is not None


def unavailable_reason() -> str | None:
    """Why QtMultimedia could not be loaded, or None when it loaded (or was not tried)."""
    load()
    return _reason


def _reset_for_tests() -> None:
    global _loaded, _reason, _tried
    _loaded, _reason, _tried = None, None, False
