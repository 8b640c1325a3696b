#!/bin/sh
# Install Speech2Video Studio for this user, without root and without a network:
#   the app      -> ~/.local/lib/s2v-studio/
#   the launcher -> ~/.local/bin/s2v-studio (a symlink)
#   menu entry   -> ~/.local/share/applications/s2v-studio.desktop
#   icons        -> ~/.local/share/icons/hicolor/<size>/apps/s2v-studio.{png,svg}
# Set PREFIX to install somewhere else than ~/.local. Running it again upgrades in place.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-$HOME/.local}
appdir=$prefix/lib/s2v-studio
bindir=$prefix/bin
share=$prefix/share
glibc_needed=@GLIBC@

fail() { echo "install: $*" >&2; exit 1; }

[ -x "$here/s2v-studio/s2v-studio" ] || fail "run me from the unpacked archive (no s2v-studio/ folder beside me)"
[ "$(uname -s)" = Linux ] || fail "this bundle is for Linux"

have=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$glibc_needed" "$have" | sort -V | head -n1)" != "$glibc_needed" ]; then
    fail "this system has glibc $have; Speech2Video Studio needs $glibc_needed or newer (@DISTROS@)"
fi

mkdir -p "$prefix/lib" "$bindir" "$share/applications"
# Copy beside the old version, then swap: an interrupted upgrade leaves the old app working.
staging="$appdir.new.$$"
rm -rf "$staging"
cp -a "$here/s2v-studio" "$staging"
cp "$here/uninstall.sh" "$staging/uninstall.sh"
chmod 755 "$staging/uninstall.sh"
rm -rf "$appdir"
mv "$staging" "$appdir"

ln -sfn "$appdir/s2v-studio" "$bindir/s2v-studio"

sed "s|^Exec=.*|Exec=\"$appdir/s2v-studio\"|" "$here/share/s2v-studio.desktop" \
    > "$share/applications/s2v-studio.desktop"
chmod 644 "$share/applications/s2v-studio.desktop"

for png in "$here"/share/icons/s2v-studio-*.png; do
    size=${png##*-}; size=${size%.png}
    mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$share/icons/hicolor/${size}x${size}/apps/s2v-studio.png"
done
mkdir -p "$share/icons/hicolor/scalable/apps"
cp "$here/share/icons/s2v-studio.svg" "$share/icons/hicolor/scalable/apps/s2v-studio.svg"

# Menus watch the applications folder; the entry has no MimeType, so no desktop database to update.
# Only refresh an icon cache that already exists: a new one would hide icons added later.
[ -d "$share/icons/hicolor" ] && touch "$share/icons/hicolor" || true
if [ -f "$share/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
fi

echo "Speech2Video Studio is installed in $appdir"
echo "  start it from the applications menu, or run: s2v-studio"
echo "  check it works: s2v-studio self-test"
echo "  remove it: $appdir/uninstall.sh"
case ":${PATH:-}:" in
    *":$bindir:"*) ;;
    *) echo "  note: $bindir is not on your PATH; use $bindir/s2v-studio or add it to PATH" ;;
esac
