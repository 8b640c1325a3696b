"""`s2v-studio self-test`, run from source as a creator would run it (`python -m app self-test`).

The same command runs inside the frozen bundle in packaging/ci.sh; here it proves the checks
themselves: real playback of the bundled clip, a real job against the simulator child process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import selftest

ROOT = Path(__file__).resolve().parent.parent


def run_self_test(*args: str, env_changes: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for key, value in (env_changes or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-m", "app", "self-test", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def rows(report: str) -> dict[str, str]:
    """check name -> PASS/WARN/FAIL, from the printed table."""
    found = {}
    for line in report.splitlines():
        parts = line.split()
        if (
            len(parts) >= 3
            and parts[-1] != "detail"
            and parts[0] in ("files", "keyring", "playback", "media")
        ):
            found[parts[0]] = parts[1]
        elif line.startswith("demo job"):
            found["demo job"] = line.split()[2]
    return found


def test_self_test_passes_from_source(tmp_path):
    # A temp HOME proves the self-test writes nothing outside its own temp folders.
    result = run_self_test(env_changes={"HOME": str(tmp_path), "S2V_HOME": None})
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "self-test: PASS (5 checks)" in result.stdout
    checks = rows(result.stdout)
    assert checks["files"] == checks["playback"] == checks["media"] == "PASS"
    assert checks["demo job"] == "PASS"
    assert checks["keyring"] in ("PASS", "WARN")  # WARN: no Secret Service in this session
    assert "125 frames of 512x512 H.264 decoded" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_require_keyring_fails_without_a_secret_service(tmp_path):
    # No D-Bus session bus: keyring falls back to its fail backend, as on a headless server.
    no_bus = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent", "HOME": str(tmp_path)}
    result = run_self_test("--only", "keyring", "--require-keyring", env_changes=no_bus)
    assert result.returncode == 1
    assert rows(result.stdout)["keyring"] == "FAIL"
    assert "self-test: FAIL (keyring)" in result.stdout


def test_unknown_check_is_refused_with_the_choices():
    result = run_self_test("--only", "kettle")
    assert result.returncode == 2
    assert "unknown check(s): kettle" in result.stderr
    assert "demo-job" in result.stderr


def test_a_file_that_is_not_a_video_fails_playback(qapp, tmp_path):
    bogus = tmp_path / "clip.mp4"
    bogus.write_bytes(b"this is not an MP4" * 100)
    got = selftest.play(bogus, timeout=10)
    assert got.frames == 0
    assert got.error


def test_the_table_marks_each_outcome():
    table = selftest.format_table(
        [
            selftest.CheckResult("files", True, "5 resources", 0.01),
            selftest.CheckResult("keyring", True, "fail.Keyring: none", 0.1, warning=True),
            selftest.CheckResult("playback", False, "0 frames", 1.0),
        ]
    )
    lines = table.splitlines()
    assert lines[0].split() == ["check", "result", "time", "detail"]
    assert [line.split()[1] for line in lines[2:]] == ["PASS", "WARN", "FAIL"]


@pytest.mark.keyring
def test_secret_service_is_reported_when_available(tmp_path):
    """The self-test inside a real D-Bus session with gnome-keyring (as packaging/ci.sh)."""
    missing = [t for t in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(t)]
    if missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run this test, but {missing} are not installed")
        pytest.skip(f"needs {missing}")
    home = tmp_path / "home"
    home.mkdir()
    script = (
        'eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"; '
        f"{sys.executable} -m app self-test --only keyring --require-keyring"
    )
    env = dict(os.environ, HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    result = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SecretService" in result.stdout
