"""The API key dialog: save in a keyring, check the balance, refuse a wrong key, remove."""

from __future__ import annotations

import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLineEdit

from app.jobs.engine import Engine
from app.secrets import ACCOUNT, ENV_KEY, SERVICE, KeyStore
from app.settings import Settings, Timings, app_paths
from app.ui.key_dialog import KeyDialog
from tests.ui import conftest_parts
from tests.ui.conftest_parts import MemoryKeyring, run_on

qloop = conftest_parts.qloop  # fixture

WRONG = "SG_wrongwrongwrong1"


@pytest.fixture(autouse=True)
def no_env_key(s2v_home):
    """S2V_HOME in a temp folder and no SEGMIND_* variables (tests/conftest.py)."""
    return s2v_home


@pytest.fixture
def engine(sim, s2v_home, qtbot, qloop):
    """The real Engine, pointed at the simulator (its credits endpoint checks keys)."""
    settings = Settings(
        api_base=sim.api_base,
        upload_url=sim.upload_url,
        budget_preset="custom",
        budget_per_minute=0,
        timings=Timings(scale=0.005, retry_base=0.2),
    )
    engine = Engine(app_paths(s2v_home), settings, lambda: None)
    engine.good_key = sim.key
    yield engine
    run_on(qtbot, qloop, engine.aclose())


def make_dialog(qtbot, engine, backend):
    store = KeyStore(backend=backend)
    dialog = KeyDialog(engine, store)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog, store


def test_save_checks_and_shows_balance(qtbot, engine, sim):
    backend = MemoryKeyring()
    dialog, store = make_dialog(qtbot, engine, backend)
    assert not dialog.isModal()
    assert dialog.keyring_note.isHidden() and dialog.session_button.isHidden()
    assert not dialog.save_button.isEnabled()
    dialog.key_edit.setText(engine.good_key)
    with qtbot.waitSignal(dialog.keyChanged) as changed:
        dialog.save_button.click()
    qtbot.waitUntil(lambda: "balance" in dialog.status.text(), timeout=5000)
    assert "$50.00" in dialog.status.text()  # the simulator's starting credits
    assert changed.args == ["keyring"]
    assert backend.passwords == {(SERVICE, ACCOUNT): engine.good_key}
    credits_calls = [e for e in sim.log() if e["path"] == "/v1/get-user-credits"]
    assert [(e["key_present"], e["key_ok"]) for e in credits_calls] == [(True, True)]
    assert engine.good_key not in dialog.status.text()


def test_wrong_key_shows_error_and_keeps_previous(qtbot, engine):
    backend = MemoryKeyring()
    backend.set_password(SERVICE, ACCOUNT, engine.good_key)
    dialog, store = make_dialog(qtbot, engine, backend)
    dialog.key_edit.setText(WRONG)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "not saved" in dialog.status.text(), timeout=5000)
    text = dialog.status.text()
    assert "Segmind refused the API key" in text  # the client's message for a 401
    assert "Enter a valid Segmind API key" in text  # the next step
    assert WRONG not in text
    assert store.key() == engine.good_key


def test_remove_key(qtbot, engine):
    backend = MemoryKeyring()
    backend.set_password(SERVICE, ACCOUNT, engine.good_key)
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
    monkeypatch.setenv(ENV_KEY, engine.good_key)
    dialog.open()
    assert not dialog.env_note.isHidden()
    assert ENV_KEY in dialog.env_note.text()


def test_without_keyring_offers_session_only_and_writes_nothing(qtbot, engine, tmp_path):
    home = tmp_path / "home"
    dialog, store = make_dialog(qtbot, engine, fail.Keyring())
    assert not dialog.keyring_note.isHidden()
    assert "No OS keyring" in dialog.keyring_note.text()
    assert "session" in dialog.keyring_note.text()
    dialog.key_edit.setText(engine.good_key)
    assert not dialog.save_button.isEnabled()
    assert dialog.session_button.isEnabled()
    with qtbot.waitSignal(dialog.keyChanged) as changed:
        dialog.session_button.click()
    qtbot.waitUntil(lambda: "balance" in dialog.status.text(), timeout=5000)
    assert changed.args == ["session"]
    assert store.key() == engine.good_key and store.source() == "session"
    written = [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
    assert not [p for p in written if engine.good_key.encode() in p.read_bytes()]


def test_check_that_gets_no_answer_ends_with_a_choice(qtbot, qloop, s2v_home, sim):
    """A service that accepts the connection and never answers: the check ends within
    the dialog's limit with "Could not reach Segmind" and Try again / Keep it unchecked."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    held = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # read nothing, answer nothing
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    settings = Settings(
        api_base=f"http://127.0.0.1:{port}",
        upload_url=f"http://127.0.0.1:{port}/upload",
        budget_preset="custom",
        budget_per_minute=0,
        timings=Timings(scale=0.005, retry_base=0.2),
    )
    engine = Engine(app_paths(s2v_home), settings, lambda: None)
    backend = MemoryKeyring()
    store = KeyStore(backend=backend)
    dialog = KeyDialog(engine, store)
    dialog.check_seconds = 0.5
    qtbot.addWidget(dialog)
    dialog.open()
    try:
        dialog.key_edit.setText(sim.key)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: "Could not reach Segmind" in dialog.status.text(), timeout=5000)
        assert dialog.retry_button.isVisible() and dialog.keep_button.isVisible()
        assert store.key() == sim.key  # kept, unchecked
        dialog.retry_button.click()
        qtbot.waitUntil(lambda: "Checking" in dialog.status.text(), timeout=2000)
        qtbot.waitUntil(lambda: "Could not reach Segmind" in dialog.status.text(), timeout=5000)
        dialog.keep_button.click()
        assert "unchecked" in dialog.status.text() and dialog.retry_button.isHidden()
    finally:
        stop.set()
        thread.join(2)
        for s in held:
            s.close()
        server.close()
        dialog.close()
        run_on(qtbot, qloop, engine.aclose())
