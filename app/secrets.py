"""The API key: from SEGMIND_API_KEY, the OS keyring, or (without a keyring) this session only.

The key is never written to a file by this app. Without a usable keyring (headless
Linux, a locked wallet) `KeyStore.available` is False and `reason` says why.
"""

from __future__ import annotations

import os
import re

SERVICE = "s2v-studio"
ACCOUNT = "segmind-api-key"
ENV_KEY = "SEGMIND_API_KEY"


class KeyringUnavailable(RuntimeError):
    """The OS keyring cannot be used; the message says why, for the creator."""


class KeyStore:
    """Small wrapper over `keyring` that knows when it is missing or locked."""

    def __init__(self, backend=None) -> None:
        self._backend = backend  # None: keyring's default backend, resolved lazily
        self._session_key: str | None = None

    def _keyring(self):
        if self._backend is not None:
            return self._backend
        import keyring

        return keyring.get_keyring()

    @property
    def backend_name(self) -> str:
        try:
            kr = self._keyring()
        except Exception as exc:  # noqa: BLE001
            return f"unavailable ({type(exc).__name__})"
        return f"{type(kr).__module__}.{type(kr).__name__}"

    def check(self) -> None:
        """Raise KeyringUnavailable if the keyring cannot store a key."""
        try:
            kr = self._keyring()
            from keyring.backends import fail

            if isinstance(kr, fail.Keyring):
                raise KeyringUnavailable(
                    "No OS keyring is available (no Secret Service on this desktop)."
                )
            kr.get_password(SERVICE, ACCOUNT)
        except KeyringUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - locked wallet, D-Bus errors...
            raise KeyringUnavailable(
                f"The OS keyring cannot be used ({type(exc).__name__}: {exc})."
            ) from None

    @property
    def available(self) -> bool:
        try:
            self.check()
        except KeyringUnavailable:
            return False
        return True

    @property
    def reason(self) -> str | None:
        try:
            self.check()
        except KeyringUnavailable as exc:
            return str(exc)
        return None

    def stored_key(self) -> str | None:
        """The key in the OS keyring, or None (also when there is no keyring)."""
        try:
            self.check()
            return self._keyring().get_password(SERVICE, ACCOUNT) or None
        except KeyringUnavailable:
            return None

    def key(self) -> str | None:
        """The key to use: SEGMIND_API_KEY wins, then the session key, then the keyring."""
        env = os.environ.get(ENV_KEY, "").strip()
        if env:
            return env
        return self._session_key or self.stored_key()

    def source(self) -> str | None:
        if os.environ.get(ENV_KEY, "").strip():
            return "environment"
        if self._session_key:
            return "session"
        return "keyring" if self.stored_key() else None

    def store(self, key: str) -> None:
        """Keep the key in the OS keyring. Raises KeyringUnavailable without one."""
        key = key.strip()
        self.check()
        self._keyring().set_password(SERVICE, ACCOUNT, key)
        self._session_key = None

    def use_for_session(self, key: str) -> None:
        """Keep the key in memory only, until the app quits."""
        self._session_key = key.strip() or None

    def remove(self) -> None:
        self._session_key = None
        try:
            self.check()
            self._keyring().delete_password(SERVICE, ACCOUNT)
        except KeyringUnavailable:
            pass
        except Exception:  # noqa: BLE001 - keyring.errors.PasswordDeleteError: nothing stored
            pass


def redact(text: str, *keys: str | None) -> str:
    """Remove API keys (given ones, the environment's, and SG_-looking ones) from text."""
    import base64
    import urllib.parse

    candidates = {k for k in keys if k}
    env = os.environ.get(ENV_KEY, "").strip()
    if env:
        candidates.add(env)
    for k in sorted(candidates, key=len, reverse=True):
        forms = {k, urllib.parse.quote(k, safe=""), base64.b64encode(k.encode()).decode()}
        for form in forms:
            text = text.replace(form, "[key redacted]")
    return re.sub(r"SG_[0-9A-Za-z]{12,}", "[key redacted]", text)
