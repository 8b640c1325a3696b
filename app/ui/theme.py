"""Light and dark: follow the system's colour scheme, or the creator's choice in Settings.

Qt asks the platform to switch (QStyleHints.setColorScheme); where the platform cannot
(Xvfb, a bare X server, offscreen), the app sets a Fusion palette of its own. Colours for
states and errors are chosen per scheme from the palette in force (`tone_color`), so a
label tinted "error" stays readable when the scheme changes (`tone`).
"""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

CHOICES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}

# tone -> (on a light background, on a dark background)
_TONES = {
    "error": ("#b3261e", "#ff8a80"),
    "warning": ("#8a5300", "#ffc46b"),
    "ok": ("#1b7a2e", "#7ddc8f"),
    "info": ("#1d5fb4", "#8cb8ff"),
    "muted": ("#5f6368", "#a8adb4"),
    "badge": ("#b45309", "#d97706"),
}

_DARK = {
    QPalette.ColorRole.Window: "#26282b",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1c1d1f",
    QPalette.ColorRole.AlternateBase: "#232427",
    QPalette.ColorRole.ToolTipBase: "#33363a",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.PlaceholderText: "#8c9096",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#32353a",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff8a80",
    QPalette.ColorRole.Light: "#45494f",
    QPalette.ColorRole.Midlight: "#3a3d42",
    QPalette.ColorRole.Mid: "#5a5e65",
    QPalette.ColorRole.Dark: "#18191b",
    QPalette.ColorRole.Shadow: "#0c0c0d",
    QPalette.ColorRole.Highlight: "#3b78d8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#8cb8ff",
    QPalette.ColorRole.LinkVisited: "#c6a4ff",
}


# Fusion outlines radio buttons and check boxes with a darker shade of the window: on a
# dark window they vanish, so our dark palette draws them itself.
_DARK_INDICATORS = """
QRadioButton::indicator, QCheckBox::indicator {
    width: 13px; height: 13px; border: 1px solid #9aa0a6; background: #1c1d1f;
}
QRadioButton::indicator { border-radius: 7px; }
QCheckBox::indicator { border-radius: 2px; }
QRadioButton::indicator:checked {
    background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5,
        stop:0 #8cb8ff, stop:0.5 #8cb8ff, stop:0.56 #1c1d1f, stop:1 #1c1d1f);
}
QCheckBox::indicator:checked { background: #3b78d8; border-color: #8cb8ff; }
QRadioButton::indicator:disabled, QCheckBox::indicator:disabled { border-color: #5a5e65; }
QRadioButton::indicator:focus, QCheckBox::indicator:focus { border-color: #8cb8ff; }
"""


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette in force is a dark one (light text on a dark window)."""
    pal = palette if palette is not None else QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def tone_color(tone: str, palette: QPalette | None = None) -> QColor:
    """The colour for a state or message tone ("error", "warning", "ok"...) on this palette."""
    light, dark = _TONES.get(tone, _TONES["muted"])
    return QColor(dark if is_dark(palette) else light)


def dark_palette() -> QPalette:
    pal = QPalette()
    for role, color in _DARK.items():
        pal.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7e84"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, QColor("#4a4d52"))
    return pal


class Theme(QObject):
    """Applies the creator's choice (system / light / dark) and follows the system's scheme.

    `apply(choice)` at start-up and when Settings change. With "system", a change of the
    system's scheme (QStyleHints.colorSchemeChanged) re-applies it.
    """

    changed = Signal(str)  # "light" | "dark", after every apply

    def __init__(self, app: QApplication, choice: str = "system") -> None:
        super().__init__(app)
        self.app = app
        self.choice = "system"
        self._own_palette = False
        self._system = app.styleHints().colorScheme()
        app.styleHints().colorSchemeChanged.connect(self._system_changed)
        self.apply(choice)

    def scheme(self) -> str:
        """What is in force now: "light" or "dark"."""
        return "dark" if is_dark(self.app.palette()) else "light"

    def apply(self, choice: str) -> None:
        self.choice = choice if choice in CHOICES else "system"
        hints = self.app.styleHints()
        if self.choice == "system":
            hints.unsetColorScheme()
            if hints.colorScheme() != Qt.ColorScheme.Unknown:
                self._system = hints.colorScheme()
            wanted = self._system
        else:
            wanted = Qt.ColorScheme.Dark if self.choice == "dark" else Qt.ColorScheme.Light
            hints.setColorScheme(wanted)
        self._paint(wanted)

    def _system_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.choice == "system":  # otherwise it is our own request echoed back
            self._system = scheme
            self._paint(scheme)

    def _paint(self, wanted: Qt.ColorScheme) -> None:
        """Our own palette where the platform did not switch by itself."""
        if self._own_palette:  # back to the platform's palette first
            self.app.setPalette(QPalette())
            self.app.setStyleSheet("")
            self._own_palette = False
        dark = wanted == Qt.ColorScheme.Dark
        if wanted != Qt.ColorScheme.Unknown and dark != is_dark(self.app.palette()):
            self._use_fusion()
            self.app.setPalette(dark_palette() if dark else self.app.style().standardPalette())
            self.app.setStyleSheet(_DARK_INDICATORS if dark else "")
            self._own_palette = True
        _keeper.retint()
        self.changed.emit(self.scheme())

    def _use_fusion(self) -> None:
        # native styles (Windows' own) ignore custom palettes; Fusion follows them
        if self.app.style().name().lower() != "fusion":
            self.app.setStyle("Fusion")


class _ToneKeeper(QObject):
    """Re-tints toned widgets when the application's palette changes."""

    def __init__(self) -> None:
        super().__init__()
        self.widgets: weakref.WeakSet[QWidget] = weakref.WeakSet()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.ApplicationPaletteChange and isinstance(obj, QWidget):
            _tint(obj)
        return False

    def retint(self) -> None:
        for widget in list(self.widgets):
            if shiboken6.isValid(widget):
                _tint(widget)


_keeper = _ToneKeeper()


def _tint(widget: QWidget) -> None:
    kind = widget.property("tone")
    base = QApplication.palette()
    pal = widget.palette()
    color = tone_color(str(kind), base) if kind else base.color(QPalette.ColorRole.WindowText)
    if pal.color(QPalette.ColorRole.WindowText) != color:
        pal.setColor(QPalette.ColorRole.WindowText, color)
        widget.setPalette(pal)


def tone(widget: QWidget, kind: str | None) -> None:
    """Tint a label's text as an error, warning, ok... (None: back to normal text)."""
    if widget not in _keeper.widgets:
        _keeper.widgets.add(widget)
        widget.installEventFilter(_keeper)
    widget.setProperty("tone", kind or "")
    _tint(widget)
