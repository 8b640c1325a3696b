#!/usr/bin/env bash
# CI for the frozen app (called by .ci/run after the tests, with the venv active):
#   1. build dist/s2v-studio/ and the archive (packaging/build.py fails on a missed size budget);
#   2. run the bundle's self-test offscreen inside a D-Bus session with an unlocked gnome-keyring,
#      and check the report names SecretService (the keyring backend was collected and works);
#   3. run it again with no network at all (when a network namespace can be made);
#   4. install the archive into a scratch HOME, run the installed launcher, uninstall, and check
#      nothing is left behind.
# Needs (Debian): binutils dbus-daemon gnome-keyring libpulse0 libxcb-cursor0 libxcb-icccm4
#   libxcb-keysyms1 libxcb-xinerama0 libxkbcommon-x11-0 (bundled from the build host).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}

for tool in objdump dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || {
        echo "packaging/ci.sh: $tool is missing (apt-get install binutils dbus-daemon gnome-keyring)" >&2
        exit 1
    }
done

echo "== build"
"$PY" packaging/build.py

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p build

echo "== self-test of the bundle (offscreen, D-Bus session, gnome-keyring)"
# A scratch HOME: the keyring daemon makes a fresh login keyring, unlocked with this password.
mkdir -p "$scratch/keyring-home"
status=0
HOME="$scratch/keyring-home" XDG_DATA_HOME="$scratch/keyring-home/.local/share" \
    dbus-run-session -- bash -c 'eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"; QT_QPA_PLATFORM=offscreen dist/s2v-studio/s2v-studio self-test --require-keyring' \
    >build/selftest-report.txt 2>build/selftest-stderr.txt || status=$?
cat build/selftest-report.txt
if [ "$status" -ne 0 ]; then
    echo "packaging/ci.sh: the bundle's self-test failed (exit $status); its stderr ends:" >&2
    tail -n 40 build/selftest-stderr.txt >&2
    exit 1
fi
if ! grep -Eq '^keyring +PASS .*SecretService' build/selftest-report.txt; then
    echo "packaging/ci.sh: the self-test did not use the SecretService keyring backend" >&2
    exit 1
fi

echo "== self-test with no network at all (a new network namespace: loopback only)"
if command -v unshare >/dev/null && command -v ip >/dev/null && unshare -n ip link set lo up 2>/dev/null; then
    unshare -n sh -c 'ip link set lo up && QT_QPA_PLATFORM=offscreen dist/s2v-studio/s2v-studio self-test --only playback,demo-job' \
        2>/dev/null | tail -n 5
else
    echo "skipped: this machine cannot make a network namespace (needs root, unshare and ip)"
fi

echo "== install, run, uninstall (scratch HOME)"
archive=$("$PY" -c 'import json; print(json.load(open("build/bundle-report.json"))["archive"])')
tar xzf "$archive" -C "$scratch"
home="$scratch/home"
mkdir -p "$home"
HOME="$home" sh "$scratch"/s2v-studio-*/install.sh
for f in .local/bin/s2v-studio .local/share/applications/s2v-studio.desktop \
    .local/share/icons/hicolor/256x256/apps/s2v-studio.png \
    .local/share/icons/hicolor/scalable/apps/s2v-studio.svg .local/lib/s2v-studio/uninstall.sh; do
    [ -e "$home/$f" ] || { echo "packaging/ci.sh: install did not create ~/$f" >&2; exit 1; }
done
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$home/.local/share/applications/s2v-studio.desktop"
fi
HOME="$home" QT_QPA_PLATFORM=offscreen "$home/.local/bin/s2v-studio" self-test --only files,playback \
    2>/dev/null | tail -n 4
HOME="$home" sh "$home/.local/lib/s2v-studio/uninstall.sh" --purge
left=$(find "$home" -type f -o -type l)
if [ -n "$left" ]; then
    echo "packaging/ci.sh: uninstall left files behind:" >&2
    echo "$left" >&2
    exit 1
fi
echo "packaging/ci.sh: bundle built, self-test passed (SecretService), install/uninstall clean"
