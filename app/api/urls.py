"""Which URLs the app may talk to, and with or without the key.

Plain http is allowed only on this machine (loopback: the simulator); anything
that leaves the machine must be https. The key goes only to the origins of the
API base, the upload URL and the request history (SegmindClient._send).
"""

from __future__ import annotations

import ipaddress

import httpx

from app.api.errors import ErrorKind, SegmindError


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    host = (host or "").strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_url(url: object) -> httpx.URL | None:
    """The URL parsed, or None when it is not a usable absolute http(s) URL."""
    if not isinstance(url, str) or not url.strip() or len(url) > 8192:
        return None
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    return parsed


def safe_scheme(url: httpx.URL) -> bool:
    """https anywhere, http only on loopback."""
    return url.scheme == "https" or (url.scheme == "http" and is_loopback_host(url.host))


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host.lower(), port)


def short(url: object, limit: int = 120) -> str:
    """A URL cut to a readable length for messages (query strings can be long)."""
    text = str(url)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def require_service_url(url: str, what: str) -> httpx.URL:
    """Check a configured service URL (API base, upload URL); raise invalid_input if unsafe."""
    parsed = parse_url(url)
    if parsed is None:
        raise SegmindError(
            ErrorKind.invalid_input,
            f"The {what} {short(url)!r} is not a valid web address.",
            next_step="Use an https:// address (fix SEGMIND_API_BASE / SEGMIND_UPLOAD_URL / "
            "SEGMIND_HISTORY_URL or the address in Settings).",
        )
    if not safe_scheme(parsed):
        raise SegmindError(
            ErrorKind.invalid_input,
            f"The {what} {short(url)!r} uses plain http to another machine; "
            "the API key would travel unencrypted.",
            next_step="Use an https:// address (plain http is allowed only for 127.0.0.1).",
        )
    return parsed


def require_public_url(url: object, what: str, kind: ErrorKind) -> httpx.URL:
    """Check a URL fetched without the key (result video, input URL).

    Refuses file://, javascript:, ftp: and plain http to other machines.
    """
    parsed = parse_url(url)
    if parsed is None:
        raise SegmindError(
            kind,
            f"The {what} {short(url)!r} is not an http(s) web address.",
            next_step="Use an https:// link to the file.",
        )
    if not safe_scheme(parsed):
        raise SegmindError(
            kind,
            f"The {what} {short(url)!r} uses plain http; only https links are accepted.",
            next_step="Use the https:// form of the link.",
        )
    return parsed
