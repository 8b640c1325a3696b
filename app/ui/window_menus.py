"""The window's menus: File, Edit, View (panes, light/dark), Settings, Help.

Help holds the keyboard shortcuts, the logs folder and About (version, licenses).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox, QToolButton

from app.ui.desktop import open_path
from app.ui.icons import icon
from app.ui.theme import CHOICES

APP = "Speech2Video Studio"
LICENSE = "GPL-3.0-or-later"
SHORTCUTS = (
    ("Ctrl+Enter", "Generate the video"),
    ("Ctrl+O / Ctrl+Shift+O", "Open a portrait / a voice clip"),
    ("Ctrl+B", "New batch (many portraits, voice clips and seeds)"),
    ("Enter", "Open the selected video"),
    ("Ctrl+.", "Cancel the selected job"),
    ("Ctrl+R", "Retry the selected job"),
    ("Ctrl+Shift+R", "Re-run with a new seed"),
    ("Ctrl+E / Ctrl+Shift+E", "Edit and resubmit / use these settings"),
    ("Delete", "Remove from the list (Ctrl+Z puts it back)"),
    ("Shift+Delete", "Delete with files"),
    ("Ctrl+C", "Copy the request id"),
    ("Space / F", "Play or pause / full screen (in the preview)"),
    ("Ctrl+1 / Ctrl+2", "Go to the form / the queue"),
    ("F9", "Show or hide the preview and details"),
    ("Ctrl+,", "Preferences"),
    ("Ctrl+Q", "Quit"),
)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("s2v-studio")
    except PackageNotFoundError:
        return "development"


def _action(window, text, slot, keys=None, name=None) -> QAction:
    act = QAction(icon(name), text, window) if name else QAction(text, window)
    if keys is not None:
        act.setShortcut(QKeySequence(keys))
    act.triggered.connect(lambda _c=False: slot())
    return act


def build_menus(w) -> None:
    """Fill the window's menu bar; the actions the window needs are kept on it."""
    bar = w.menuBar()
    file = bar.addMenu("&File")
    file.addAction(_action(w, "Open &portrait…", w.image_slot.browse, "Ctrl+O", "open"))
    file.addAction(_action(w, "Open &voice clip…", w.audio_slot.browse, "Ctrl+Shift+O", "open"))
    file.addAction(_action(w, "Open a video's &settings…", w.open_video_settings, None, "video"))
    file.addSeparator()
    w.batch_action = _action(w, "New &batch…", w.open_batch_builder, "Ctrl+B", "generate")
    w.batch_action.setToolTip("Many videos at once: portraits x voice clips x seeds")
    file.addAction(w.batch_action)
    file.addAction(_action(w, "&Import batch CSV…", w.import_batch_csv, None, "open"))
    file.addAction(_action(w, "E&xport the selected batch as CSV…", w.export_batch_csv))
    file.addSeparator()
    file.addAction(_action(w, "&Quit", w.quit, QKeySequence.StandardKey.Quit, "quit"))

    edit = bar.addMenu("&Edit")
    w.undo_action = _action(w, "&Undo remove", w.undo_remove, QKeySequence.StandardKey.Undo, "undo")
    w.undo_action.setEnabled(False)
    edit.addAction(w.undo_action)
    edit.addSeparator()
    edit.addAction(_action(w, "Compare &takes…", w.compare_current_takes, None, "video"))
    w.takes_action = _action(w, "&Make takes…", w.make_takes, "Ctrl+Shift+T", "rerun")
    w.takes_action.setToolTip(
        "N videos of one pair with other seeds: of the selected job, or the form"
    )
    edit.addAction(w.takes_action)

    view = bar.addMenu("&View")
    w.pane_action = QAction(icon("pane"), "Show &preview and details", w, checkable=True)
    w.pane_action.setChecked(True)
    w.pane_action.setShortcut(QKeySequence("F9"))
    w.pane_action.toggled.connect(w.set_pane_visible)
    view.addAction(w.pane_action)
    w.queue.pane_button.setDefaultAction(w.pane_action)
    view.addSeparator()
    scheme = view.addMenu("&Appearance")
    group = QActionGroup(w)
    w.scheme_actions = {}
    for choice, label in CHOICES.items():
        act = QAction(label, w, checkable=True)
        act.setChecked(choice == (w.settings.color_scheme or "system"))
        act.triggered.connect(lambda _c=False, c=choice: w.set_color_scheme(c))
        group.addAction(act)
        scheme.addAction(act)
        w.scheme_actions[choice] = act

    tools = bar.addMenu("&Settings")
    w.key_action = _action(w, "Segmind API &key…", w.open_key_dialog, None, "key")
    w.key_action.setEnabled(not w.demo)
    if w.demo:
        w.key_action.setToolTip("The demo uses the simulator's own key")
    tools.addAction(w.key_action)
    tools.addAction(
        _action(
            w, "&Preferences…", w.open_settings, QKeySequence.StandardKey.Preferences, "settings"
        )
    )
    tools.addSeparator()
    if w.demo:
        w.demo_action = _action(w, "&Leave the demo", w.leaveDemoRequested.emit, None, "demo")
    else:
        w.demo_action = _action(w, "Try the offline &demo", w.demoRequested.emit, None, "demo")
    tools.addAction(w.demo_action)

    help_ = bar.addMenu("&Help")
    help_.addAction(_action(w, "&Keyboard shortcuts", lambda: show_shortcuts(w), "F1", "help"))
    help_.addAction(_action(w, "Open the &logs folder", lambda: open_logs(w), None, "logs"))
    help_.addAction(_action(w, f"&About {APP}", lambda: show_about(w), None, "info"))

    w.batch_button = QToolButton()
    w.batch_button.setDefaultAction(w.batch_action)
    w.batch_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    w.batch_button.setAutoRaise(True)
    w.batch_button.setText("Many at once: New batch…")
    w.inputs.layout().addWidget(w.batch_button, 0, Qt.AlignmentFlag.AlignRight)

    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        QShortcut(QKeySequence(keys), w, w.generate)
    QShortcut(QKeySequence("Ctrl+1"), w, lambda: w.image_slot.setFocus())
    QShortcut(QKeySequence("Ctrl+2"), w, lambda: w.queue.table.setFocus())


def _note(w, key: str, title: str, text: str) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Close, w
    )
    box.setTextFormat(box.textFormat().RichText)
    w._dialogs[key] = box
    box.open()
    return box


def show_shortcuts(w) -> QMessageBox:
    rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{t}</td></tr>" for k, t in SHORTCUTS)
    return _note(w, "shortcuts", "Keyboard shortcuts", f"<table>{rows}</table>")


def show_about(w) -> QMessageBox:
    from PySide6 import __version__ as pyside

    text = (
        f"<b>{APP}</b> {version()}<br>Lip-synced talking videos from a portrait and a voice, "
        "made by Segmind's Higgsfield Speech 2 Video.<br><br>"
        f"Licensed under the GNU General Public License, version 3 or later ({LICENSE}); "
        "you may share and change it under its terms. It comes with no warranty.<br>"
        f"Built with Qt and PySide6 {pyside} (LGPL-3.0), qasync (BSD-2-Clause), httpx "
        "(BSD-3-Clause), keyring (MIT) and PyAV (BSD-3-Clause) on FFmpeg (LGPL-2.1+)."
    )
    return _note(w, "about", f"About {APP}", text)


def open_logs(w) -> bool:
    folder = w.paths.logs
    folder.mkdir(parents=True, exist_ok=True)
    return open_path(str(folder / "s2v-studio.log"), folder=True, parent=w)
