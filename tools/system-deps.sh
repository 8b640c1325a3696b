#!/usr/bin/env bash
# The system packages Speech2Video Studio needs, in one list, for Debian and Ubuntu.
#
#   bash tools/system-deps.sh run       Python, venv and the libraries Qt needs to open the window
#   bash tools/system-deps.sh test      run + a virtual screen, a Secret Service, image tools (tests)
#   bash tools/system-deps.sh package   test + what the bundle checks use (packaging/ci.sh)
#   add --check to list what is missing without installing anything (exit 1 if something is)
#
# The README's two commands and .ci/run call this script. Root runs apt-get directly; any
# other user goes through sudo. Packages already installed are left alone (no apt-get run
# at all when nothing is missing). Elsewhere (no apt-get) it prints what to install.
set -euo pipefail

RUN=(
    python3 python3-venv ca-certificates
    libpulse0                                # QtMultimedia (preview)
    libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libglib2.0-0
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 libxkbcommon-x11-0
    libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libx11-xcb1 libxrender1
    libxrandr2                               # Qt Multimedia's FFmpeg plugin links it
)
TEST=(
    xvfb xauth x11-utils imagemagick         # a real window for screenshots
    gnome-keyring dbus-x11 dbus libsecret-tools   # a real Secret Service for the keyring tests
    procps curl                              # process checks; curl as the download reference
)
PACKAGE=(binutils iproute2 desktop-file-utils)   # glibc scan, offline self-test, desktop entry

check=0
[ "${2:-}" = "--check" ] && check=1
case "${1:-run}" in
    run) wanted=("${RUN[@]}") ;;
    test) wanted=("${RUN[@]}" "${TEST[@]}") ;;
    package) wanted=("${RUN[@]}" "${TEST[@]}" "${PACKAGE[@]}") ;;
    *)
        echo "usage: bash tools/system-deps.sh [run|test|package] [--check]" >&2
        exit 2
        ;;
esac

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    echo "tools/system-deps.sh: no apt-get here; install the equivalents of: ${wanted[*]}" >&2
    exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$check" = 1 ]; then
    echo "missing: ${missing[*]}"
    exit 1
fi

as_root=()
if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "tools/system-deps.sh: these packages are missing and there is no sudo:" >&2
        echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
        echo "Run that as root, then run this command again." >&2
        exit 1
    fi
    as_root=(sudo)
fi
echo "tools/system-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
