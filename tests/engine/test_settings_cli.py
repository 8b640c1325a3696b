"""`s2v-studio settings`: the file's own names, checked values, atomic merged writes, and
a running engine that takes what another process set within seconds."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from app.jobs.events import SettingsChanged
from app.settings import Settings, app_paths, flat, update_file
from tests.engine.conftest import ROOT, cli_env


def settings_file(home):
    return app_paths(home).settings_file


def test_settings_round_trip_with_the_files_own_names(home, cli, tmp_path):
    for name, value in [
        ("budget_preset", "pro"),
        ("concurrency", "5"),
        ("spend_threshold", "12.5"),
        ("prices.mid.10", "1.9"),
        ("timings.settle_window_seconds", "300"),
        ("output_dir", str(tmp_path / "videos")),
    ]:
        proc = cli("settings", "set", name, value)
        assert proc.returncode == 0, proc.stderr
    shown = cli("settings", "--json")
    assert shown.returncode == 0
    data = json.loads(shown.stdout)
    assert data["budget_preset"] == "pro" and data["concurrency"] == 5
    assert data["spend_threshold"] == 12.5 and data["prices"]["mid"]["10"] == 1.9
    assert data["prices"]["high"]["15"] == 4.22  # the other prices untouched
    assert data["timings"]["settle_window_seconds"] == 300
    assert data["timings"]["scale"] == 0.005  # what the file had stays
    assert data["output_dir"] == str(tmp_path / "videos")
    stored = flat(json.loads(settings_file(home).read_text()))
    assert stored.items() <= flat(data).items()  # the file's values, defaults filled in
    text = cli("settings")
    assert "prices.mid.10 = 1.9" in text.stdout and "timings.scale = 0.005" in text.stdout
    assert "SG_" not in shown.stdout + text.stdout  # never the key

    proc = cli("settings", "set", "budget_per_minute", "12")
    assert proc.returncode == 0
    data = json.loads(settings_file(home).read_text())
    assert data["budget_per_minute"] == 12 and data["budget_preset"] == "custom"
    assert Settings.load(app_paths(home)).requests_per_minute == 12


@pytest.mark.parametrize(
    "name, value, said",
    [
        ("budget_preset", "gold", "budget_preset must be one of free, pro, custom"),
        ("budget_per_minute", "fast", "budget_per_minute must be a whole number"),
        ("concurrency", "0", "concurrency must be a whole number from 1 to 100"),
        ("spend_threshold", "nan", "spend_threshold must be a number"),
        ("prices.high.7", "2", "There is no price 'prices.high.7'"),
        ("timings.scale", "0", "timings.scale must be a number greater than 0"),
        ("timings.nap", "1", "There is no setting 'timings.nap'"),
        ("api_key", "SG_x", "There is no setting 'api_key'"),
        ("notifications", "maybe", "notifications must be true or false"),
        ("output_dir", "/proc/nope", "output_dir:"),
    ],
)
def test_bad_names_and_values_are_refused_and_nothing_is_written(home, cli, name, value, said):
    before = settings_file(home).read_bytes()
    proc = cli("settings", "set", name, value)
    assert proc.returncode == 2
    assert said in proc.stderr
    assert "s2v-studio settings" in proc.stderr or "folder" in proc.stderr  # the next step
    assert settings_file(home).read_bytes() == before
    assert not list(settings_file(home).parent.glob(".settings.json.*"))  # no half file


def test_the_windows_save_merges_and_keeps_what_the_command_line_set(home, cli):
    paths = app_paths(home)
    window = Settings.load(paths)  # the window loaded the file before the command ran
    assert cli("settings", "set", "concurrency", "7").returncode == 0
    window.window = {"geometry": "AAAA", "splitter": [3, 1]}
    saved = update_file(paths, {"window": window.window, "timings.poll_near_interval": 4})
    data = json.loads(settings_file(home).read_text())
    assert data["concurrency"] == 7 == saved.concurrency  # not overwritten by the window
    assert data["window"] == {"geometry": "AAAA", "splitter": [3, 1]}
    assert data["timings"]["poll_near_interval"] == 4 and data["timings"]["scale"] == 0.005


def test_a_running_engine_takes_the_command_lines_setting_within_seconds(home, sim, make_engine):
    engine = make_engine()
    env = cli_env(home, sim)

    async def scenario():
        await engine.start(resume=False)
        seen = asyncio.Event()
        changed = []
        engine.events.subscribe(
            lambda e: isinstance(e, SettingsChanged) and (changed.append(e.names), seen.set())
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app", "settings", "set", "budget_per_minute", "9",
            env=env, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert await proc.wait() == 0
        loop = asyncio.get_running_loop()
        written = loop.time()
        await asyncio.wait_for(seen.wait(), 5)
        return changed, loop.time() - written

    changed, delay = asyncio.run(scenario())
    assert changed == [frozenset({"budget_per_minute"})]  # the preset already was custom
    assert delay < 3
    assert engine.settings.budget_per_minute == 9 and engine.budget.per_minute == 9
