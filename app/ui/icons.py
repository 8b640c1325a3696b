"""Icons: the system theme first (HiDPI, light/dark aware), Qt's standard icons as fallback."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

SP = QStyle.StandardPixmap


def resources_dir() -> Path:
    """The resources folder, in a checkout or a frozen (PyInstaller) app."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


# action -> (freedesktop theme name, Qt standard pixmap)
_ACTIONS: dict[str, tuple[str, QStyle.StandardPixmap]] = {
    "open": ("document-open", SP.SP_DialogOpenButton),
    "folder": ("folder-open", SP.SP_DirOpenIcon),
    "clear": ("edit-clear", SP.SP_DialogResetButton),
    "cancel": ("process-stop", SP.SP_BrowserStop),
    "retry": ("view-refresh", SP.SP_BrowserReload),
    "rerun": ("media-playlist-shuffle", SP.SP_BrowserReload),
    "play": ("media-playback-start", SP.SP_MediaPlay),
    "pause": ("media-playback-pause", SP.SP_MediaPause),
    "copy": ("edit-copy", SP.SP_FileDialogDetailedView),
    "remove": ("list-remove", SP.SP_DialogDiscardButton),
    "delete": ("edit-delete", SP.SP_TrashIcon),
    "video": ("video-x-generic", SP.SP_MediaPlay),
    "key": ("dialog-password", SP.SP_DialogApplyButton),
    "settings": ("preferences-system", SP.SP_FileDialogContentsView),
    "generate": ("media-record", SP.SP_ArrowRight),
    "dice": ("roll", SP.SP_BrowserReload),
    "link": ("insert-link", SP.SP_DriveNetIcon),
    "completed": ("emblem-default", SP.SP_DialogApplyButton),
    "failed": ("dialog-error", SP.SP_MessageBoxCritical),
    "warning": ("dialog-warning", SP.SP_MessageBoxWarning),
    "info": ("dialog-information", SP.SP_MessageBoxInformation),
    "running": ("content-loading", SP.SP_BrowserReload),
    "waiting": ("appointment-soon", SP.SP_FileDialogInfoView),
    "close": ("window-close", SP.SP_TitleBarCloseButton),
    "quit": ("application-exit", SP.SP_DialogCloseButton),
}

_cache: dict[str, QIcon] = {}


def icon(name: str) -> QIcon:
    """The icon for an action by name (see _ACTIONS), cached."""
    found = _cache.get(name)
    if found is not None:
        return found
    theme, fallback = _ACTIONS.get(name, ("", SP.SP_FileIcon))
    result = QIcon.fromTheme(theme) if theme else QIcon()
    if result.isNull():
        app = QApplication.instance()
        result = app.style().standardIcon(fallback) if app else QIcon()
    _cache[name] = result
    return result


def app_icon() -> QIcon:
    """The app's icon from resources/icons (SVG plus PNG sizes), or a theme fallback."""
    folder = resources_dir() / "icons"
    result = QIcon()
    svg = folder / "s2v-studio.svg"
    if svg.exists():
        result.addFile(str(svg))
    for png in sorted(folder.glob("s2v-studio*.png")) if folder.exists() else []:
        result.addFile(str(png))
    if result.isNull():
        result = icon("video")
    return result
