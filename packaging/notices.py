"""THIRD-PARTY-NOTICES.txt for the bundle: every library it ships, its license, its source.

Python distributions come from the installed metadata (the app's dependency closure);
native libraries from the folders they are shipped in. A bundled library this file does
not know fails the build, so nothing ships unlisted:

    python packaging/notices.py [OUT]          # default: build/THIRD-PARTY-NOTICES.txt
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
from pathlib import Path

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parent.parent
APP = "s2v-studio"

# Native libraries in the av wheel's av.libs/ (FFmpeg and what it links), by name prefix.
FFMPEG = "https://ffmpeg.org/download.html (the build: https://github.com/PyAV-Org/pyav-ffmpeg)"
NATIVE = {
    "libavcodec": ("FFmpeg", "GPL-3.0-or-later as built (--enable-gpl --enable-version3)", FFMPEG),
    "libavdevice": ("FFmpeg", "GPL-3.0-or-later as built", FFMPEG),
    "libavfilter": ("FFmpeg", "GPL-3.0-or-later as built", FFMPEG),
    "libavformat": ("FFmpeg", "GPL-3.0-or-later as built", FFMPEG),
    "libavutil": ("FFmpeg", "GPL-3.0-or-later as built", FFMPEG),
    "libswresample": ("FFmpeg", "GPL-3.0-or-later as built", FFMPEG),
    "libswscale": ("FFmpeg", "GPL-3.0-or-later as built", FFMPEG),
    "libx264": ("x264", "GPL-2.0-or-later", "https://code.videolan.org/videolan/x264"),
    "libx265": ("x265", "GPL-2.0-or-later", "https://bitbucket.org/multicoreware/x265_git"),
    "libSvtAv1Enc": ("SVT-AV1", "BSD-3-Clause-Clear", "https://gitlab.com/AOMediaCodec/SVT-AV1"),
    "libdav1d": ("dav1d", "BSD-2-Clause", "https://code.videolan.org/videolan/dav1d"),
    "libvpx": ("libvpx", "BSD-3-Clause", "https://chromium.googlesource.com/webm/libvpx"),
    "libopus": ("Opus", "BSD-3-Clause", "https://opus-codec.org/downloads/"),
    "libmp3lame": ("LAME", "LGPL-2.0-or-later", "https://lame.sourceforge.io/"),
    "libopencore-amrnb": (
        "opencore-amr",
        "Apache-2.0",
        "https://sourceforge.net/projects/opencore-amr/",
    ),
    "libopencore-amrwb": (
        "opencore-amr",
        "Apache-2.0",
        "https://sourceforge.net/projects/opencore-amr/",
    ),
    "libwebp": ("libwebp", "BSD-3-Clause", "https://chromium.googlesource.com/webm/libwebp"),
    "libwebpmux": ("libwebp", "BSD-3-Clause", "https://chromium.googlesource.com/webm/libwebp"),
    "libsharpyuv": ("libwebp", "BSD-3-Clause", "https://chromium.googlesource.com/webm/libwebp"),
    "libvpl": ("oneVPL", "MIT", "https://github.com/intel/libvpl"),
    "libgnutls": ("GnuTLS", "LGPL-2.1-or-later", "https://www.gnutls.org/download.html"),
    "libnettle": (
        "Nettle",
        "LGPL-3.0-or-later OR GPL-2.0-or-later",
        "https://www.lysator.liu.se/~nisse/nettle/",
    ),
    "libhogweed": (
        "Nettle",
        "LGPL-3.0-or-later OR GPL-2.0-or-later",
        "https://www.lysator.liu.se/~nisse/nettle/",
    ),
    "libgmp": ("GMP", "LGPL-3.0-or-later OR GPL-2.0-or-later", "https://gmplib.org/"),
    "libunistring": (
        "libunistring",
        "LGPL-3.0-or-later OR GPL-2.0-or-later",
        "https://www.gnu.org/software/libunistring/",
    ),
    "libasound": ("alsa-lib", "LGPL-2.1-or-later", "https://github.com/alsa-project/alsa-lib"),
    "libdrm": ("libdrm", "MIT", "https://gitlab.freedesktop.org/mesa/drm"),
    "libxcb": ("libxcb", "MIT", "https://gitlab.freedesktop.org/xorg/lib/libxcb"),
    "libXau": ("libXau", "MIT", "https://gitlab.freedesktop.org/xorg/lib/libxau"),
}
NATIVE_FOLDERS = ("av.libs",)

OTHERS = """\
Python {python} (the interpreter, frozen by PyInstaller): PSF-2.0, with OpenSSL
  (Apache-2.0), SQLite (public domain), libffi, zlib, bzip2, xz, expat (MIT-style).
  Source: https://www.python.org/downloads/source/
PyInstaller bootloader: GPL-2.0-or-later with the bootloader exception.
  Source: https://github.com/pyinstaller/pyinstaller
Qt {qt} (in PySide6: Qt libraries, plugins, and Qt Multimedia's own FFmpeg, an LGPL build
  separate from PyAV's): LGPL-3.0-only. Source: https://download.qt.io/official_releases/qt/
  and https://code.qt.io/ ; Qt's FFmpeg: https://ffmpeg.org/download.html .
  You may replace the Qt libraries in this folder with your own builds of the same version.
Libraries of the build machine bundled with Qt (libpulse, libxcb-*, libxkbcommon...):
  their distributions' licenses (LGPL-2.1-or-later, MIT). Source: https://www.debian.org/distrib/packages
"""


def _requirements(name: str) -> list[str]:
    out = []
    for req in md.distribution(name).requires or []:
        if ";" in req:
            marker = req.split(";", 1)[1]
            if "extra" in marker or not Marker(marker).evaluate():
                continue
        out.append(re.match(r"[A-Za-z0-9_.\-]+", req).group(0))
    return out


def closure(name: str = APP) -> list[md.Distribution]:
    """The installed distributions the app needs, itself excluded."""
    seen: dict[str, md.Distribution] = {}
    todo = _requirements(name)
    while todo:
        dep = todo.pop()
        key = dep.lower().replace("_", "-").replace(".", "-")
        if key in seen:
            continue
        try:
            seen[key] = md.distribution(dep)
        except md.PackageNotFoundError:
            continue
        todo += _requirements(dep)
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def _license(dist: md.Distribution) -> str:
    meta = dist.metadata
    text = meta.get("License-Expression") or ""
    if not text:
        lic = (meta.get("License") or "").strip()
        text = lic if lic and "\n" not in lic and len(lic) < 80 else ""
    if not text:
        text = "; ".join(
            c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License")
        )
    return text or "see the distribution's LICENSE file"


def _source(dist: md.Distribution) -> str:
    meta = dist.metadata
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("source", "source code", "repository", "code", "homepage"):
        if label in urls:
            return _repository(urls[label])
    for url in urls.values():
        if "github.com" in url or "gitlab.com" in url:
            return _repository(url)
    return meta.get("Home-page") or f"https://pypi.org/project/{meta['Name']}/"


def _repository(url: str) -> str:
    """A GitHub/GitLab link cut to its repository (not its issues or changelog page)."""
    m = re.match(r"(https://(?:github|gitlab)\.com/[^/]+/[^/#?]+)", url)
    return m.group(1) if m else url


def native_libraries(site: Path) -> list[tuple[str, str, str, str]]:
    """(file, project, license, source) for the native libraries in NATIVE_FOLDERS."""
    rows = []
    for folder in NATIVE_FOLDERS:
        for lib in sorted((site / folder).glob("*.so*")):
            prefix = re.split(r"-[0-9a-f]{8}\.so", lib.name)[0]
            known = [k for k in NATIVE if prefix == k or prefix.startswith(k + "-")]
            if not known:
                raise SystemExit(f"notices: {folder}/{lib.name} is not in packaging/notices.py")
            rows.append((f"{folder}/{lib.name}", *NATIVE[max(known, key=len)]))
    return rows


def render() -> str:
    import av
    import PySide6

    site = Path(av.__file__).resolve().parent.parent
    lines = [
        "Speech2Video Studio: third-party software in this bundle",
        "=" * 56,
        "",
        "Speech2Video Studio is free software under the GNU General Public License, version 3",
        "or (at your option) any later version (the LICENSE file). It ships the libraries",
        "below; each keeps its own license. The PyAV wheels bundle FFmpeg built with x264 and",
        "x265 (GPL), which is why the whole bundle is distributed under the GPL.",
        "",
        "Python packages (name, version: license; source)",
        "-------------------------------------------------",
    ]
    for dist in closure():
        meta = dist.metadata
        lines.append(f"{meta['Name']} {dist.version}: {_license(dist)}; {_source(dist)}")
    lines += [
        "",
        f"Native libraries of PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info})",
        "-" * 48,
    ]
    for file, project, lic, source in native_libraries(site):
        lines.append(f"{file}: {project}, {lic}; {source}")
    lines += ["", "Other parts", "-----------"]
    lines += OTHERS.format(python=sys.version.split()[0], qt=PySide6.__version__).splitlines()
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "build" / "THIRD-PARTY-NOTICES.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(), encoding="utf-8")
    print(f"notices: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
