"""Icons drawn from small SVG shapes in the palette's colours, so they read on light and dark.

Each icon is rendered when Qt asks for a size (sharp at any scale), tinted with the
palette's button text colour, or with a state colour from app.ui.theme ("ok" green for
completed, "error" red for failed...), and cached per size and colour. No QStyle pixmaps
and no icon theme: the same shapes everywhere, and nothing to load before the first paint
but Qt's SVG image reader.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QImage, QPalette, QPixmap

from app.ui.icon_shapes import SHAPES, TONES
from app.ui.theme import tone_color

_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 24 24" '
    'fill="none" stroke="{c}" stroke-width="{sw}" stroke-linecap="round" '
    'stroke-linejoin="round">{body}</svg>'
)


def resources_dir() -> Path:
    """The resources folder, in a checkout or a frozen (PyInstaller) app."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def icon_color(name: str, mode: QIcon.Mode = QIcon.Mode.Normal) -> QColor:
    """The colour an icon is drawn in, on the application's palette now."""
    pal = QGuiApplication.palette()
    if mode == QIcon.Mode.Disabled:
        return pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    tone = TONES.get(name)
    if tone:
        return tone_color(tone, pal)
    if mode == QIcon.Mode.Selected:
        return pal.color(QPalette.ColorRole.HighlightedText)
    return pal.color(QPalette.ColorRole.ButtonText)


def render(name: str, width: int, height: int, color: QColor) -> QImage:
    """One icon as an image of this size in this colour (transparent around the shape)."""
    body = SHAPES.get(name, SHAPES["info"]).replace("{c}", color.name())
    svg = _SVG.format(w=width, h=height, c=color.name(), sw=2.0 if width >= 20 else 2.2, body=body)
    return QImage.fromData(svg.encode(), "SVG")


class ShapeIconEngine(QIconEngine):
    """Renders one shape at whatever size and scale Qt asks, in the palette's colour."""

    _pixmaps: dict[tuple, QPixmap] = {}

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def scaledPixmap(self, size: QSize, mode, state, scale: float) -> QPixmap:  # noqa: N802
        w, h = max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
        color = icon_color(self.name, mode)
        key = (self.name, w, h, scale, color.rgba())
        pix = self._pixmaps.get(key)
        if pix is None:
            pix = QPixmap.fromImage(render(self.name, w, h, color))
            pix.setDevicePixelRatio(scale)
            self._pixmaps[key] = pix
        return pix

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter, rect: QRect, mode, state) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        painter.drawPixmap(rect, self.scaledPixmap(rect.size(), mode, state, scale))

    def actualSize(self, size: QSize, mode, state) -> QSize:  # noqa: N802
        side = min(size.width(), size.height())
        return QSize(side, side)

    def clone(self) -> QIconEngine:
        return ShapeIconEngine(self.name)

    def isNull(self) -> bool:  # noqa: N802
        return False


_cache: dict[str, QIcon] = {}


def icon(name: str) -> QIcon:
    """The icon for an action or a state by name (see app.ui.icon_shapes), cached."""
    found = _cache.get(name)
    if found is None:
        found = _cache[name] = QIcon(ShapeIconEngine(name))
    return found


def app_icon() -> QIcon:
    """The app's icon from resources/icons (SVG plus PNG sizes), or a drawn fallback."""
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
