"""What the spec leaves out of the bundle: parts of Qt the app never loads.

Each pattern was removed one at a time and the frozen self-test (playback through
QtMultimedia's FFmpeg plugin, the demo job) re-run. Qt Quick/Qml stay: the FFmpeg media
plugin links them.
"""

from __future__ import annotations

import os
import sys
from fnmatch import fnmatch

DROPPED = (
    "PySide6/Qt/translations/*",  # the app is English only
    "*/libQt6VirtualKeyboard*",
    "*/platforminputcontexts/libqtvirtualkeyboard*",  # keep compose and ibus: typed prompts
    "*/libQt6Pdf*",
    "*/imageformats/libqpdf*",
    "*/libQt6Wayland*",
    "*/wayland-*/*",
    "*/platforms/libqwayland*",
    "*/libQt6EglFS*",
    "*/libQt6EglFs*",
    "*/platforms/libqeglfs*",
    "*/platforms/libqlinuxfb*",
    "*/platforms/libqminimalegl*",
    "*/platforms/libqvnc*",
    "*/platforms/libqvkkhrdisplay*",
    "*/egldeviceintegrations/*",
    "*/platformthemes/libqgtk3*",  # GTK3 theme plugin pulls in all of GTK
    "*/libQt6WebEngine*",
    "*/libQt63D*",
    "*/libQt6Quick3D*",
    "*/libQt6Charts*",
    "*/libQt6DataVisualization*",
    "*/libQt6Graphs*",
    "*/libQt6QuickControls2*",
    "*/libQt6QuickTemplates2*",
    "*/libQt6QuickDialogs2*",
    "*/libQt6QmlCompiler*",
    "*/qmltooling/*",
    "*/PySide6/qml/*",
)


def drop(dest: str) -> bool:
    """True if a bundled file (its path inside the bundle) is one the app never loads."""
    dest = dest.replace("\\", "/")
    return any(fnmatch(dest, pattern) or fnmatch("x/" + dest, pattern) for pattern in DROPPED)


def _is_loose_library(dest: str, typecode: str) -> bool:
    """A shared library collected only because some binary links it (not a Python module)."""
    name = os.path.basename(dest)
    return (
        "/" not in dest.replace("\\", "/")
        and typecode in ("BINARY", "SYMLINK")
        and not name.startswith("libpython")
        and ".cpython-" not in name
        and ".abi3." not in name
    )


def prune(binaries: list, datas: list, get_imports=None) -> tuple[list, list, list[str]]:
    """Drop the patterns above, then the libraries only the dropped files needed.

    Returns (binaries, datas, names of everything removed). Orphans are found on Linux only
    (where it was tested): a loose library is kept when a kept binary imports it.
    """
    kept = [e for e in binaries if not drop(e[0])]
    kept_datas = [e for e in datas if not drop(e[0])]
    if sys.platform.startswith("linux"):
        if get_imports is None:
            from PyInstaller.depend.bindepend import get_imports
        by_name = {os.path.basename(e[0]): e for e in kept if e[2] == "BINARY"}
        todo = [
            e for e in kept if e[2] in ("BINARY", "EXTENSION") and not _is_loose_library(e[0], e[2])
        ]
        needed: set[str] = set()
        while todo:
            entry = todo.pop()
            for name, _path in get_imports(entry[1]):
                base = os.path.basename(name)
                if base not in needed:
                    needed.add(base)
                    if base in by_name:
                        todo.append(by_name[base])
        kept = [
            e for e in kept if not _is_loose_library(e[0], e[2]) or os.path.basename(e[0]) in needed
        ]
    # a symlink whose target left the bundle goes too
    dests = {e[0] for e in kept} | {e[0] for e in kept_datas}
    kept = [e for e in kept if e[2] != "SYMLINK" or e[1] in dests]
    kept_datas = [e for e in kept_datas if e[2] != "SYMLINK" or e[1] in dests]
    removed = sorted({e[0] for e in binaries + datas} - {e[0] for e in kept + kept_datas})
    return kept, kept_datas, removed
