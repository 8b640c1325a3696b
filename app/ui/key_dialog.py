"""The Segmind API key dialog: enter, check, save in the OS keyring, or remove.

The key goes to the OS keyring, or (without one) stays in memory for this session;
it is never written to a file. The check asks Segmind for the credit balance.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from app.api.errors import ErrorKind, SegmindError
from app.secrets import ENV_KEY, KeyringUnavailable, KeyStore
from app.ui.theme import tone

REFUSED = (ErrorKind.invalid_key, ErrorKind.not_permitted)
UNREACHABLE = "Could not reach Segmind to check the key."


class KeyDialog(QDialog):
    """Non-modal dialog for the API key; `keyChanged(source)` after a save or removal.

    `source` is what `KeyStore.source()` says afterwards: "keyring", "session",
    "environment", or "" when no key is left.
    """

    keyChanged = Signal(str)
    check_seconds = 15.0  # then the creator chooses: keep the key unchecked, or try again

    def __init__(
        self, engine, keystore: KeyStore, parent: QWidget | None = None, bridge=None
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        if bridge is None:
            from app.ui.bridge import EngineBridge

            bridge = EngineBridge(engine, self)
        self.bridge = bridge
        self.keystore = keystore
        self.setWindowTitle("Segmind API key")
        self.setModal(False)

        intro = QLabel(
            "Paste your Segmind API key (segmind.com → Console → API keys). "
            "It is kept in your system's keyring and never written to a file."
        )
        intro.setWordWrap(True)
        self.env_note = QLabel(
            f"{ENV_KEY} is set in the environment: that key is used while it is set, "
            "whatever is saved here."
        )
        self.env_note.setWordWrap(True)
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("SG_…")
        self.key_edit.textChanged.connect(self._update_buttons)
        self.show_key = QCheckBox("Show")
        self.show_key.toggled.connect(self._set_visible)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.save_button = QPushButton("Check && save")
        self.session_button = QPushButton("Use for this session only")
        self.remove_button = QPushButton("Remove key")
        self.retry_button = QPushButton("Try again")
        self.retry_button.setToolTip("Check the key with Segmind again")
        self.retry_button.clicked.connect(self._check_again)
        self.keep_button = QPushButton("Keep it unchecked")
        self.keep_button.setToolTip("Use the key as it is; a refused key shows up at the first job")
        self.keep_button.clicked.connect(self._keep_unchecked)
        self._unchecked: str | None = None
        self.save_button.clicked.connect(self._check_and_save)
        self.session_button.clicked.connect(self._use_for_session)
        self.remove_button.clicked.connect(self.remove_key)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.show_key)
        buttons = QHBoxLayout()
        for b in (self.save_button, self.session_button, self.remove_button):
            buttons.addWidget(b)
        choice = QHBoxLayout()
        choice.addStretch(1)
        for b in (self.keep_button, self.retry_button):
            choice.addWidget(b)
            b.hide()
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        for w in (intro, self.env_note, self.keyring_note):
            lay.addWidget(w)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addLayout(choice)
        lay.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the keyring and environment state (also on every open())."""
        self.env_note.setVisible(bool(os.environ.get(ENV_KEY, "").strip()))
        reason = self.keystore.reason
        self._keyring_ok = reason is None
        self.keyring_note.setVisible(not self._keyring_ok)
        self.session_button.setVisible(not self._keyring_ok)
        if not self._keyring_ok:
            self.keyring_note.setText(
                f"{reason} The key cannot be saved here. You can use it for this session "
                "only: it is kept in memory and forgotten when the app quits. "
                f"(Or set {ENV_KEY} in the environment.)"
            )
        self._update_buttons()

    def open(self) -> None:
        """Show without blocking and without locking the window (QDialog.open would)."""
        self.refresh()
        self.show()
        self.raise_()
        self.activateWindow()

    # actions ---------------------------------------------------------------------
    def _key_text(self) -> str:
        return self.key_edit.text().strip()

    def _update_buttons(self) -> None:
        has_text = bool(self._key_text())
        self.save_button.setEnabled(has_text and self._keyring_ok)
        self.session_button.setEnabled(has_text)
        self.remove_button.setEnabled(self.keystore.source() in ("keyring", "session"))

    def _set_visible(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.key_edit.setEchoMode(mode)

    @asyncSlot(bool)
    async def _check_and_save(self, checked: bool = False) -> None:
        await self.check_and_save()

    @asyncSlot(bool)
    async def _use_for_session(self, checked: bool = False) -> None:
        await self.use_for_session()

    async def check_and_save(self) -> bool:
        """Save the typed key in the keyring, then check it; a refused key is not kept."""
        key = self._key_text()
        if not key:
            return False
        previous = self.keystore.stored_key()
        try:
            self.keystore.store(key)
        except KeyringUnavailable as exc:
            self._show_error(f"{exc} Use it for this session only instead.")
            self.refresh()
            return False
        error = await self._check(key, done="Key saved in your keyring.")
        if error is not None and error.kind in REFUSED:
            if previous:
                self.keystore.store(previous)
            else:
                self.keystore.remove()
            self._show_error(f"{error.message} {error.next_step} The key was not saved.")
        elif error is not None:
            self._show_error(
                f"Key saved, but it could not be checked now: {error.message} {error.next_step}"
            )
        self._changed()
        return error is None

    async def use_for_session(self) -> bool:
        """Keep the typed key in memory until the app quits, then check it."""
        key = self._key_text()
        if not key:
            return False
        self.keystore.use_for_session(key)
        self._changed()
        error = await self._check(key, done="Key kept for this session only.")
        if error is not None:
            self._show_error(f"{error.message} {error.next_step}")
        return error is None

    def remove_key(self) -> None:
        self.keystore.remove()
        self.key_edit.clear()
        self.status.setText("Key removed.")
        self._changed()

    # internals -------------------------------------------------------------------
    async def _check(self, key: str, done: str) -> SegmindError | None:
        """Ask Segmind for the balance with this key (through the bridge, at most
        `check_seconds`); the error, or None when it works."""
        self._choose(None)
        tone(self.status, None)
        self.status.setText(f"{done} Checking it with Segmind…")
        self.save_button.setEnabled(False)
        self.session_button.setEnabled(False)
        task = self.bridge.check_key(
            key, timeout=self.check_seconds, done=lambda _r: None, failed=lambda _e: None
        )
        try:
            credits = await task
        except TimeoutError:
            self._choose(key)
            return SegmindError(
                ErrorKind.network, UNREACHABLE, next_step="Keep it unchecked, or try again."
            )
        except SegmindError as exc:
            if exc.kind == ErrorKind.network:
                self._choose(key)
            return exc
        finally:
            self._update_buttons()
        balance = f"${credits:.2f}" if isinstance(credits, int | float) else str(credits)
        self.status.setText(f"{done} It works: your balance is {balance}.")
        return None

    def _choose(self, key: str | None) -> None:
        """Offer (or take away) the choice after a check that could not reach Segmind."""
        self._unchecked = key
        self.retry_button.setVisible(key is not None)
        self.keep_button.setVisible(key is not None)

    @asyncSlot(bool)
    async def _check_again(self, checked: bool = False) -> None:
        key = self._unchecked
        if key:
            error = await self._check(key, done="")
            if error is not None:
                self._show_error(f"{error.message} {error.next_step}")

    def _keep_unchecked(self) -> None:
        self._choose(None)
        tone(self.status, None)
        self.status.setText("The key is kept, unchecked: Segmind checks it with the first job.")

    def _show_error(self, text: str) -> None:
        tone(self.status, "error")
        self.status.setText(text)

    def _changed(self) -> None:
        self._update_buttons()
        self.keyChanged.emit(self.keystore.source() or "")
