"""Build the frozen app: `python packaging/build.py` (from the repository root, venv active).

1. PyInstaller, with packaging/s2v-studio.spec -> dist/s2v-studio/ (one folder);
2. measures it: unpacked size, the newest glibc symbol its libraries need (objdump -T);
3. adds LICENSE (GPL-3.0) and THIRD-PARTY-NOTICES.txt (packaging/notices.py) to the folder,
   then packs dist/s2v-studio-<version>-linux-<arch>.tar.gz with install.sh, uninstall.sh,
   the desktop entry and the icons;
4. fails (exit 1) when a size budget is missed. Writes build/bundle-report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import notices  # packaging/notices.py (this folder is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
MIB = 1024 * 1024
# Budgets in MiB (what `du -sh` calls M).
BUDGET_UNPACKED_MIB = 330  # PyAV (FFmpeg with its codecs) adds ~100 MiB
BUDGET_ARCHIVE_MIB = 140
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Which distributions a glibc floor admits (x86_64, their first release with it).
DISTROS = {
    "2.34": "AlmaLinux/RHEL 9, Ubuntu 22.04, Debian 12, Fedora 35 or later",
    "2.35": "Ubuntu 22.04, Debian 12, Fedora 36 or later",
    "2.36": "Debian 12, Ubuntu 24.04 (not 22.04), Fedora 37 or later",
}


def version() -> str:
    text = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def run_pyinstaller(name: str) -> float:
    """Run PyInstaller on the spec; return how long it took."""
    env = dict(os.environ, S2V_BUILD_NAME=name)
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN"]
    cmd += ["--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller")]
    cmd.append(str(PACKAGING / "s2v-studio.spec"))
    start = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    return time.monotonic() - start


def tree_size(folder: Path) -> int:
    """Bytes of the files in a folder (symlinks count as links, as in the archive)."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_symlink():
            total += len(os.readlink(path))
        elif path.is_file():
            total += path.stat().st_size
    return total


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def glibc_needed(folder: Path) -> tuple[str, list[str]]:
    """The newest GLIBC_x.y symbol version any ELF file in the folder needs, and which files."""
    newest: tuple[int, ...] = (0,)
    who: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file() or not is_elf(path):
            continue
        out = subprocess.run(
            ["objdump", "-T", str(path)], capture_output=True, text=True, check=False
        ).stdout
        versions = {
            tuple(int(p) for p in v.split("."))
            for v in re.findall(r"GLIBC_(\d+\.\d+(?:\.\d+)?)", out)
        }
        if not versions:
            continue
        top = max(versions)
        rel = str(path.relative_to(folder))
        if top > newest:
            newest, who = top, [rel]
        elif top == newest:
            who.append(rel)
    return ".".join(map(str, newest)), who


def make_archive(app_dir: Path, ver: str, arch: str, glibc: str) -> Path:
    """dist/s2v-studio-<ver>-linux-<arch>.tar.gz: the app folder plus its installer."""
    top = f"s2v-studio-{ver}"
    archive = DIST / f"s2v-studio-{ver}-linux-{arch}.tar.gz"
    linux = PACKAGING / "linux"
    icons = ROOT / "resources" / "icons"
    readme = (linux / "README.txt").read_text(encoding="utf-8")
    distros = DISTROS.get(glibc, f"distributions with glibc {glibc} or later")
    for key, value in {"VERSION": ver, "GLIBC": glibc, "ARCH": arch, "DISTROS": distros}.items():
        readme = readme.replace(f"@{key}@", value)
    staging = BUILD / "archive-extra"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / "README.txt").write_text(readme, encoding="utf-8")
    install = (linux / "install.sh").read_text(encoding="utf-8")
    install = install.replace("@GLIBC@", glibc).replace("@DISTROS@", distros)
    (staging / "install.sh").write_text(install, encoding="utf-8")
    (staging / "install.sh").chmod(0o755)

    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(archive, "w:gz", compresslevel=9) as tar:
        tar.add(staging / "README.txt", f"{top}/README.txt", filter=clean)
        tar.add(staging / "install.sh", f"{top}/install.sh", filter=clean)
        tar.add(linux / "uninstall.sh", f"{top}/uninstall.sh", filter=clean)
        tar.add(linux / "s2v-studio.desktop", f"{top}/share/s2v-studio.desktop", filter=clean)
        tar.add(icons / "s2v-studio.svg", f"{top}/share/icons/s2v-studio.svg", filter=clean)
        for size in ICON_SIZES:
            tar.add(
                icons / f"s2v-studio-{size}.png",
                f"{top}/share/icons/s2v-studio-{size}.png",
                filter=clean,
            )
        tar.add(app_dir, f"{top}/s2v-studio", filter=clean)
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-pyinstaller", action="store_true", help="reuse dist/s2v-studio")
    args = parser.parse_args(argv)
    if not shutil.which("objdump"):
        print("build: objdump is missing: apt-get install binutils", file=sys.stderr)
        return 1
    ver, arch = version(), platform.machine()
    app_dir = DIST / "s2v-studio"
    seconds = 0.0
    if not args.no_pyinstaller:
        seconds = run_pyinstaller("s2v-studio")
    if not (app_dir / "s2v-studio").exists():
        print(f"build: {app_dir} has no s2v-studio executable", file=sys.stderr)
        return 1
    # The GPL text and what every bundled library is, under which license, from where.
    shutil.copyfile(ROOT / "LICENSE", app_dir / "LICENSE")
    notices.main([str(app_dir / "THIRD-PARTY-NOTICES.txt")])
    unpacked = tree_size(app_dir)
    glibc, glibc_files = glibc_needed(app_dir)
    start = time.monotonic()
    archive = make_archive(app_dir, ver, arch, glibc)
    pack_seconds = time.monotonic() - start
    packed = archive.stat().st_size
    report = {
        "version": ver,
        "arch": arch,
        "pyinstaller_seconds": round(seconds, 1),
        "archive_seconds": round(pack_seconds, 1),
        "unpacked_bytes": unpacked,
        "unpacked_mib": round(unpacked / MIB, 1),
        "archive": str(archive.relative_to(ROOT)),
        "archive_bytes": packed,
        "archive_mib": round(packed / MIB, 1),
        "budget_unpacked_mib": BUDGET_UNPACKED_MIB,
        "budget_archive_mib": BUDGET_ARCHIVE_MIB,
        "glibc_required": glibc,
        "glibc_required_by": glibc_files[:10],
        "build_glibc": platform.libc_ver()[1],
    }
    BUILD.mkdir(exist_ok=True)
    (BUILD / "bundle-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"build: PyInstaller {seconds:.1f} s, archive {pack_seconds:.1f} s")
    print(
        f"build: unpacked {unpacked / MIB:.1f} MiB ({unpacked / 1e6:.1f} MB), "
        f"budget {BUDGET_UNPACKED_MIB} MiB"
    )
    print(f"build: {archive.name} {packed / MIB:.1f} MiB, budget {BUDGET_ARCHIVE_MIB} MiB")
    print(f"build: needs glibc >= {glibc} (e.g. {', '.join(glibc_files[:3])})")
    failed = []
    if unpacked > BUDGET_UNPACKED_MIB * MIB:
        failed.append(f"unpacked size {unpacked / MIB:.1f} MiB > {BUDGET_UNPACKED_MIB} MiB")
    if packed > BUDGET_ARCHIVE_MIB * MIB:
        failed.append(f"archive {packed / MIB:.1f} MiB > {BUDGET_ARCHIVE_MIB} MiB")
    for problem in failed:
        print(f"build: BUDGET MISSED: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
