"""The API key dialog: save in a keyring, check the balance, refuse a wrong key, remove."""

from __future__ import annotations

import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLineEdit

from app.api.errors import ErrorKind, SegmindError
from app.secrets import ACCOUNT, ENV_KEY, SERVICE, KeyStore
from app.ui.key_dialog import KeyDialog
from tests.ui.conftest_parts import MemoryKeyring, qloop  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("qloop")  # asyncSlots run on a qasync loop

GOOD = "SG_simulator0000demo"
WRONG = "SG_wrongwrongwrong1"


class FakeEngine:
    """FAKE stand-in for app.jobs.engine.Engine.check_key (the real engine is not merged yet)."""

    def __init__(self, credits: float = 12.5) -> None:
        self.credits = credits
        self.checked: list[str] = []

    async def check_key(self, key: str) -> float:
        self.checked.append(key)
        if key != GOOD:
            raise SegmindError(ErrorKind.invalid_key, "Segmind did not accept this API key.")
        return self.credits


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv("S2V_HOME", str(tmp_path / "home"))


@pytest.fixture
def engine():
    return FakeEngine()


def make_dialog(qtbot, engine, backend):
    store = KeyStore(backend=backend)
    dialog = KeyDialog(engine, store)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog, store


def test_save_checks_and_shows_balance(qtbot, engine):
    backend = MemoryKeyring()
    dialog, store = make_dialog(qtbot, engine, backend)
    assert not dialog.isModal()
    assert dialog.keyring_note.isHidden() and dialog.session_button.isHidden()
    assert not dialog.save_button.isEnabled()
    dialog.key_edit.setText(GOOD)
    with qtbot.waitSignal(dialog.keyChanged) as changed:
        dialog.save_button.click()
    qtbot.waitUntil(lambda: "balance" in dialog.status.text(), timeout=5000)
    assert "$12.50" in dialog.status.text()
    assert changed.args == ["keyring"]
    assert backend.passwords == {(SERVICE, ACCOUNT): GOOD}
    assert engine.checked == [GOOD]
    assert GOOD not in dialog.status.text()


def test_wrong_key_shows_error_and_keeps_previous(qtbot, engine):
    backend = MemoryKeyring()
    backend.set_password(SERVICE, ACCOUNT, GOOD)
    dialog, store = make_dialog(qtbot, engine, backend)
    dialog.key_edit.setText(WRONG)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "not saved" in dialog.status.text(), timeout=5000)
    text = dialog.status.text()
    assert "did not accept" in text
    assert "Enter a valid Segmind API key" in text  # the next step
    assert WRONG not in text
    assert store.key() == GOOD


def test_remove_key(qtbot, engine):
    backend = MemoryKeyring()
    backend.set_password(SERVICE, ACCOUNT, GOOD)
    dialog, store = make_dialog(qtbot, engine, backend)
    assert dialog.remove_button.isEnabled()
    with qtbot.waitSignal(dialog.keyChanged) as changed:
        dialog.remove_button.click()
    assert changed.args == [""]
    assert backend.passwords == {}
    assert store.key() is None
    assert not dialog.remove_button.isEnabled()


def test_show_hide_key(qtbot, engine):
    dialog, _ = make_dialog(qtbot, engine, MemoryKeyring())
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.show_key.setChecked(True)
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Normal
    dialog.show_key.setChecked(False)
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password


def test_environment_key_wins_note(qtbot, engine, monkeypatch):
    dialog, _ = make_dialog(qtbot, engine, MemoryKeyring())
    assert dialog.env_note.isHidden()
    monkeypatch.setenv(ENV_KEY, GOOD)
    dialog.open()
    assert not dialog.env_note.isHidden()
    assert ENV_KEY in dialog.env_note.text()


def test_without_keyring_offers_session_only_and_writes_nothing(qtbot, engine, tmp_path):
    home = tmp_path / "home"
    dialog, store = make_dialog(qtbot, engine, fail.Keyring())
    assert not dialog.keyring_note.isHidden()
    assert "No OS keyring" in dialog.keyring_note.text()
    assert "session" in dialog.keyring_note.text()
    dialog.key_edit.setText(GOOD)
    assert not dialog.save_button.isEnabled()
    assert dialog.session_button.isEnabled()
    with qtbot.waitSignal(dialog.keyChanged) as changed:
        dialog.session_button.click()
    qtbot.waitUntil(lambda: "balance" in dialog.status.text(), timeout=5000)
    assert changed.args == ["session"]
    assert store.key() == GOOD and store.source() == "session"
    written = [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
    assert not [p for p in written if GOOD.encode() in p.read_bytes()]
