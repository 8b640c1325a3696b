"""Fixtures for engine and command-line tests: an S2V_HOME wired to the simulator."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.jobs.engine import Engine
from app.settings import Settings, app_paths

DATA = Path(__file__).resolve().parent.parent / "data"
ROOT = Path(__file__).resolve().parents[2]
SCALE = 0.005  # matches the session simulator's time factor


def write_settings(home: Path, sim, **extra) -> Path:
    settings = {
        "api_base": sim.api_base,
        "upload_url": sim.upload_url,
        "budget_preset": "custom",
        "budget_per_minute": 0,
        "timings": {"scale": SCALE, "retry_base": 0.2, "lease_seconds": 3.0},
        **extra,
    }
    path = home / "config" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings))
    return path


@pytest.fixture
def home(s2v_home, sim):
    """S2V_HOME with settings pointing at the simulator (time scale on)."""
    write_settings(s2v_home, sim)
    return s2v_home


@pytest.fixture
def media(tmp_path):
    """Copies of the test portrait and voice clip (jobs may be killed mid-way)."""
    out = tmp_path / "in"
    out.mkdir()
    for name in ("portrait-astronaut.png", "voice-3s.wav", "voice-5s.wav", "voice-32s.wav"):
        shutil.copy(DATA / name, out / name)
    return out


@pytest.fixture
def make_engine(home, sim):
    """Build engines on the test's S2V_HOME; all are closed at the end."""
    made = []

    def make(key: str | None = None, **settings_changes) -> Engine:
        paths = app_paths(home)
        settings = Settings.load(paths)
        for k, v in settings_changes.items():
            setattr(settings, k, v)
        engine = Engine(paths, settings, lambda: key or sim.key)
        made.append(engine)
        return engine

    yield make
    loop = asyncio.new_event_loop()
    for engine in made:
        if engine.store is not None:
            try:
                loop.run_until_complete(engine.aclose())
            except Exception:  # noqa: BLE001 - already closed by the test
                pass
    loop.close()


def cli_env(home: Path, sim, key: str | None = None, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMIND_", "S2V_"))}
    env.update(S2V_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    key = sim.key if key is None else key
    if key:  # "" runs with no key at all
        env["SEGMIND_API_KEY"] = key
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_cli(*args, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def cli(home, sim):
    """Run `s2v-studio ...` in a child process on the test's S2V_HOME."""

    def run(*args, key=None, timeout=120, **env_extra):
        return run_cli(*args, env=cli_env(home, sim, key, **env_extra), timeout=timeout)

    return run
