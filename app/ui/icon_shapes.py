"""The shapes of the app's icons: SVG bodies on a 24x24 grid, stroked in "{c}" (app.ui.icons).

Drawn for this app (line icons, 2 px strokes, round ends). State icons differ in shape as
well as colour (a check, a cross, a triangle, a clock...), so no state is told by colour
alone.
"""

from __future__ import annotations

_RING = '<circle cx="12" cy="12" r="9"/>'

SHAPES: dict[str, str] = {
    "open": '<path d="M3 6.5h6l2 2h10V19H3z"/><path d="M12 16.5v-5M9.5 14L12 11.5l2.5 2.5"/>',
    "folder": '<path d="M3 6h6l2 2h10v11H3z"/><path d="M3 10h18"/>',
    "clear": _RING + '<path d="M9 9l6 6M15 9l-6 6"/>',
    "cancel": _RING + '<rect x="9" y="9" width="6" height="6" fill="{c}"/>',
    "retry": '<path d="M19.5 12a7.5 7.5 0 1 1-2.2-5.3"/><path d="M19.5 4.5v4.5H15"/>',
    "rerun": '<path d="M3 7h4l9 10h5M3 17h4l2.5-2.8M13.5 9.8L16 7h5"/>'
    '<path d="M18.5 4.5L21 7l-2.5 2.5M18.5 14.5L21 17l-2.5 2.5"/>',
    "play": '<path d="M7.5 4.8v14.4L19 12z" fill="{c}"/>',
    "pause": '<rect x="6.5" y="5" width="3.5" height="14" rx="0.5" fill="{c}"/>'
    '<rect x="14" y="5" width="3.5" height="14" rx="0.5" fill="{c}"/>',
    "copy": '<rect x="8.5" y="8.5" width="11.5" height="11.5" rx="2"/>'
    '<path d="M15.5 8.5V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v9.5a1 1 0 0 0 1 1h3.5"/>',
    "remove": '<path d="M4 6h12M4 11h12M4 16h7M14 17.5h7"/>',
    "delete": '<path d="M4 7h16M9 7V4h6v3M6.5 7l1 13h9l1-13M10 11v5.5M14 11v5.5"/>',
    "video": '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M10 9v6l5-3z" fill="{c}"/>',
    "key": '<circle cx="8" cy="15" r="4.5"/><path d="M11.2 11.8L20 3M16 7l3 3M13.5 9.5l2 2"/>',
    "settings": '<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/>'
    '<circle cx="15" cy="6" r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>',
    "generate": '<path d="M11 3l1.9 5.1L18 10l-5.1 1.9L11 17l-1.9-5.1L4 10l5.1-1.9z"/>'
    '<path d="M18.5 14.5l.9 2.1 2.1.9-2.1.9-.9 2.1-.9-2.1-2.1-.9 2.1-.9z"/>',
    "dice": '<rect x="4" y="4" width="16" height="16" rx="3"/>'
    '<circle cx="9" cy="9" r="1.2" fill="{c}"/><circle cx="15" cy="9" r="1.2" fill="{c}"/>'
    '<circle cx="12" cy="12" r="1.2" fill="{c}"/><circle cx="9" cy="15" r="1.2" fill="{c}"/>'
    '<circle cx="15" cy="15" r="1.2" fill="{c}"/>',
    "link": '<path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1"/>'
    '<path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"/>',
    "completed": _RING + '<path d="M8 12.5l2.8 2.8L16.2 9.5"/>',
    "failed": _RING + '<path d="M9 9l6 6M15 9l-6 6"/>',
    "warning": '<path d="M12 3.5L21.5 20h-19z"/><path d="M12 10v4.5M12 17.3v.2"/>',
    "info": _RING + '<path d="M12 11v5.5M12 7.8v.2"/>',
    "running": '<path d="M4.5 11a7.5 7.5 0 0 1 13.2-4.2L19.5 8.5"/><path d="M19.5 4v4.5H15"/>'
    '<path d="M19.5 13a7.5 7.5 0 0 1-13.2 4.2L4.5 15.5"/><path d="M4.5 20v-4.5H9"/>',
    "waiting": _RING + '<path d="M12 7v5l3.5 2"/>',
    "cancelled": _RING + '<path d="M5.7 5.7l12.6 12.6"/>',
    "close": '<path d="M6 6l12 12M18 6L6 18"/>',
    "quit": '<path d="M14 4h5v16h-5"/><path d="M10 8l-4 4 4 4M6 12h10"/>',
    "undo": '<path d="M9 13.5L4.5 9 9 4.5"/><path d="M4.5 9H14a5.5 5.5 0 0 1 0 11h-3"/>',
    "edit": '<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13 7l4 4"/>',
    "use": '<path d="M13 4h6v16h-6"/><path d="M3 12h11M10 8l4 4-4 4"/>',
    "help": _RING + '<path d="M9.5 9.5a2.5 2.5 0 1 1 3.6 2.2c-.7.4-1.1.9-1.1 1.7v.4M12 16.8v.2"/>',
    "logs": '<path d="M6 3h8.5L19 7.5V21H6z"/><path d="M14 3v5h5M9 12h7M9 16h7"/>',
    "fullscreen": '<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>',
    "pane": '<rect x="3" y="4.5" width="18" height="15" rx="2"/><path d="M14.5 4.5v15"/>',
    "demo": '<path d="M9 3h6M10 3v6.5L5 18a2 2 0 0 0 1.8 3h10.4a2 2 0 0 0 1.8-3l-5-8.5V3"/>'
    '<path d="M7.3 15h9.4"/>',
    "loop": '<path d="M17 3l3 3-3 3"/><path d="M4 11V9a3 3 0 0 1 3-3h13"/>'
    '<path d="M7 21l-3-3 3-3"/><path d="M20 13v2a3 3 0 0 1-3 3H4"/>',
}

# state icons carry a colour of their own (app.ui.theme tones) besides their shape
TONES: dict[str, str] = {
    "completed": "ok",
    "failed": "error",
    "warning": "warning",
    "info": "info",
    "running": "info",
    "waiting": "muted",
    "cancelled": "muted",
}
