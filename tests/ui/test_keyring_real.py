"""KeyStore against a REAL Secret Service: gnome-keyring in its own D-Bus session.

Runs in child processes (a fresh D-Bus session, HOME in a temp folder so the creator's
own keyring is never touched). Skipped only when the tools are missing AND CI is not set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = "SG_realkeyringtest0123456789"

pytestmark = pytest.mark.keyring

STEP = r"""
import json, sys
from app.secrets import KeyStore
store = KeyStore()  # default backend: whatever keyring finds on this D-Bus session
action = sys.argv[1]
if action == "store":
    store.store(sys.argv[2])
elif action == "remove":
    store.remove()
print(json.dumps({"action": action, "backend": store.backend_name,
                  "available": store.available, "reason": store.reason,
                  "stored": store.stored_key()}))
"""


def tools_missing() -> list[str]:
    return [t for t in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(t)]


def test_key_round_trips_through_gnome_keyring(tmp_path):
    missing = tools_missing()
    if missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the real keyring test, but {missing} are not installed")
        pytest.skip(f"needs {missing} (apt-get install gnome-keyring dbus-x11)")
    step = tmp_path / "step.py"
    step.write_text(STEP)
    py = f"{sys.executable} {step}"
    # each step is a NEW python process: the key must come back from the keyring itself
    script = (
        'eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"; '
        f"{py} store {KEY} && {py} read && {py} remove && {py} read"
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DBUS_", "GNOME_KEYRING", "PYTHON_KEYRING"))
        },
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "PYTHONPATH": str(ROOT),
        "SEGMIND_API_KEY": "",
    }
    (tmp_path / "run").mkdir(mode=0o700)
    out = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    steps = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert [s["action"] for s in steps] == ["store", "read", "remove", "read"]
    for s in steps:
        assert s["backend"] == "keyring.backends.SecretService.Keyring", s
        assert s["available"] is True and s["reason"] is None
    assert steps[1]["stored"] == KEY  # read back by a new process
    assert steps[3]["stored"] is None  # removed
    # the key lives in gnome-keyring's encrypted file, never in plain text
    for f in home.rglob("*"):
        if f.is_file():
            assert KEY.encode() not in f.read_bytes(), f
