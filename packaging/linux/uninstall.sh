#!/bin/sh
# Remove Speech2Video Studio installed by install.sh (same PREFIX, default ~/.local).
#   uninstall.sh          removes the app, its launcher, menu entry and icons;
#                         keeps your jobs, settings, logs and videos
#   uninstall.sh --purge  also removes jobs, settings, logs and cache (never your videos)
set -eu

prefix=${PREFIX:-$HOME/.local}
appdir=$prefix/lib/s2v-studio
bindir=$prefix/bin
share=$prefix/share
purge=no
case "${1:-}" in
    --purge) purge=yes ;;
    "") ;;
    *) echo "usage: uninstall.sh [--purge]" >&2; exit 2 ;;
esac

# The launcher goes only if it is ours (a symlink into the app folder).
if [ -L "$bindir/s2v-studio" ] && [ "$(readlink "$bindir/s2v-studio")" = "$appdir/s2v-studio" ]; then
    rm -f "$bindir/s2v-studio"
fi
rm -f "$share/applications/s2v-studio.desktop"
for dir in "$share"/icons/hicolor/*/apps; do
    rm -f "$dir/s2v-studio.png" "$dir/s2v-studio.svg"
    rmdir -p --ignore-fail-on-non-empty "$dir" 2>/dev/null || true
done
rm -rf "$appdir" "$appdir".new.*
# Only refresh an icon cache that already exists: a new one would hide icons added later.
[ -d "$share/icons/hicolor" ] && touch "$share/icons/hicolor" || true
if [ -f "$share/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
fi

data=${XDG_DATA_HOME:-$HOME/.local/share}/s2v-studio
config=${XDG_CONFIG_HOME:-$HOME/.config}/s2v-studio
cache=${XDG_CACHE_HOME:-$HOME/.cache}/s2v-studio
echo "Speech2Video Studio is removed."
if [ "$purge" = yes ]; then
    rm -rf "$data" "$config" "$cache"
    echo "Its jobs, settings, logs and cache are removed too. Your videos are kept."
else
    echo "Kept: jobs and logs in $data, settings in $config, cache in $cache, and your videos."
    echo "  remove them too: uninstall.sh --purge"
fi
echo "The API key stays in your keyring; to remove it: secret-tool clear service s2v-studio username segmind-api-key"
