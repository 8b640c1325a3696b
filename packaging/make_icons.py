"""Render the app icon (resources/icons/s2v-studio.svg) to PNGs at every size the desktops ask for.

Run from the repository root: `python packaging/make_icons.py`. Writes
resources/icons/s2v-studio-<size>.png, s2v-studio.ico (Windows) and s2v-studio.icns (macOS),
all committed, so a build needs no renderer.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "s2v-studio.svg"


def render(svg: Path, size: int, out: Path) -> None:
    """Draw the SVG into a transparent size x size PNG."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"could not write {out}")


def write_ico(pngs: dict[int, bytes], out: Path) -> None:
    """A Windows .ico holding PNG images (Vista and later read PNG entries)."""
    sizes = [s for s in sorted(pngs) if s <= 256]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size == 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    out.write_bytes(header + entries + blobs)


def write_icns(pngs: dict[int, bytes], out: Path) -> None:
    """A macOS .icns holding PNG images, by the OSType of each size."""
    types = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}
    body = b"".join(
        t + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for s, t in types.items() if s in pngs
    )
    out.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - QPainter needs it
    for size in SIZES:
        out = ICONS / f"s2v-studio-{size}.png"
        render(SVG, size, out)
        print(f"wrote {out.relative_to(ICONS.parent.parent)}")
    pngs = {size: (ICONS / f"s2v-studio-{size}.png").read_bytes() for size in SIZES}
    write_ico(pngs, ICONS / "s2v-studio.ico")
    write_icns(pngs, ICONS / "s2v-studio.icns")
    print("wrote resources/icons/s2v-studio.ico, resources/icons/s2v-studio.icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
