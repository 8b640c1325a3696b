"""`s2v-studio batch FILE.csv` in child processes against the simulator (the contract)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.engine.conftest import write_settings
from tests.video import decode_stats

CONTRACT = {"id", "request_id", "state", "output_path", "output_url", "error", "batch"}


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def sheet(media):
    """A folder with the CSV beside its media (paths in the CSV are relative to it)."""
    return media


def test_happy_path_all_columns_relative_paths(cli, sheet, sim, tmp_path):
    (sheet / "voices").mkdir()
    (sheet / "voice-3s.wav").rename(sheet / "voices" / "voice-3s.wav")
    csv = write(
        sheet / "launch.csv",
        "image,audio,prompt,duration,quality,seed,enhance_prompt,split,name",
        'portrait-astronaut.png,voices/voice-3s.wav,"Hello, world",5,mid,11,YES,no,greeting',
        "portrait-astronaut.png,voice-5s.wav,,,High,12,0,False,",
        "portrait-astronaut.png,voice-32s.wav,A long talk,,,13,false,true,the talk",
    )
    out = tmp_path / "out"
    proc = cli(
        "batch", csv, "--wait", "--json", "--yes", "--output-dir", out,
        "--name-template", "{batch}-{audio}-{seed}", timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    jobs = json.loads(proc.stdout)
    assert [set(j) for j in jobs] == [
        CONTRACT | {"parts"} if "parts" in j else CONTRACT for j in jobs
    ]
    assert len({j["batch"] for j in jobs}) == 1 and all(j["state"] == "completed" for j in jobs)
    names = [Path(j["output_path"]).name for j in jobs]
    assert names == ["greeting.mp4", "launch-voice-5s-12.mp4", "the talk.mp4"]
    submits = sim.submits()
    by_seed = {s["seed"]: s for s in submits}
    first = by_seed[11]
    assert first["prompt"] == "Hello, world" and first["quality"] == "mid"
    assert first["duration"] == 5
    second = by_seed[12]
    assert second["prompt"].startswith("Generate a captivating avatar video")  # the default
    assert second["quality"] == "high" and second["duration"] == 10
    assert len(jobs[2]["parts"]) >= 3  # 32 s split into parts, joined into one video
    stats = decode_stats(Path(jobs[2]["output_path"]))
    assert stats["duration_ms"] > 30000
    side = json.loads(Path(jobs[0]["output_path"]).with_suffix(".json").read_text())
    assert side["batch"]["name"] == "launch" and side["batch"]["id"] == jobs[0]["batch"]
    assert side["kept"] is False and side["parameters"]["enhance_prompt"] is True


def test_every_invalid_row_is_reported_together_and_nothing_is_sent(cli, sheet, sim):
    csv = write(
        sheet / "bad.csv",
        "image,audio,prompt,duration,quality,seed,enhance_prompt,split",
        "portrait-astronaut.png,voice-3s.wav,fine,,,1,,",
        "missing.png,voice-3s.wav,no portrait,,,2,,",
        "portrait-astronaut.png,voice-3s.wav,bad duration,7,,3,,",
        "portrait-astronaut.png,voice-3s.wav,bad quality,,ultra,4,,",
        "portrait-astronaut.png,voice-3s.wav,bad seed,,,0,,",
        "portrait-astronaut.png,voice-3s.wav,bad flag,,,5,maybe,",
        "portrait-astronaut.png,voice-32s.wav,split with a duration,10,,6,,yes",
        "portrait-astronaut.png,voice-3s.wav,fine,,,1,,",
        ",voice-3s.wav,no image cell,,,8,,",
        "portrait-astronaut.png,voice-32s.wav,too long unsplit,,,9,,",
    )
    proc = cli("batch", csv, "--json")
    assert proc.returncode == 2, proc.stderr
    error = json.loads(proc.stdout)["error"]
    found = {(p["row"], p["column"]) for p in error["problems"]}
    assert found == {
        (3, "image"), (4, "duration"), (5, "quality"), (6, "seed"), (7, "enhance_prompt"),
        (8, "duration"), (9, ""), (10, "image"), (11, "audio"),
    }, error["problems"]  # fmt: skip
    assert "row 9" in proc.stderr and "same job as row 2" in proc.stderr.lower()
    assert sim.log() == []  # not one request: not even an upload


def test_header_problems_and_an_empty_file(cli, sheet, sim):
    csv = write(sheet / "h.csv", "image,voice,prompt,colour", "a.png,b.wav,x,red")
    proc = cli("batch", csv, "--json")
    assert proc.returncode == 2
    problems = json.loads(proc.stdout)["error"]["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {
        (1, "voice"),
        (1, "colour"),
        (1, "audio"),
    }
    empty = write(sheet / "e.csv", "image,audio,prompt")
    proc = cli("batch", empty)
    assert proc.returncode == 2 and "no rows" in proc.stderr
    latin = sheet / "latin.csv"
    latin.write_bytes(
        "image,audio,prompt\nportrait-astronaut.png,voice-3s.wav,caf\xe9\n".encode("latin-1")
    )
    proc = cli("batch", latin)
    assert proc.returncode == 2 and "UTF-8" in proc.stderr
    assert sim.log() == []


def test_dry_run_prints_the_plan_and_sends_nothing(cli, sheet, sim):
    csv = write(
        sheet / "plan.csv",
        "image,audio,prompt,quality,seed,split",
        "portrait-astronaut.png,voice-3s.wav,one,mid,,",
        "portrait-astronaut.png,voice-32s.wav,two,high,77,true",
    )
    proc = cli("batch", csv, "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["batch"] is None and len(plan["jobs"]) == 2
    one, two = plan["jobs"]
    assert set(one) == {
        "row", "image", "audio", "prompt", "duration", "quality", "seed", "split", "parts",
        "estimate_usd",
    }  # fmt: skip
    assert (one["row"], one["duration"], one["split"], one["parts"]) == (2, 5, False, 1)
    assert isinstance(one["seed"], int) and Path(one["image"]).is_absolute()
    assert (two["row"], two["duration"], two["split"], two["seed"]) == (3, None, True, 77)
    assert two["parts"] >= 3
    assert plan["total_usd"] == round(one["estimate_usd"] + two["estimate_usd"], 2)
    assert sim.log() == []
    text = cli("batch", csv, "--dry-run")
    assert text.returncode == 0 and "Dry run: nothing was sent." in text.stderr
    assert "row   2" in text.stdout


def test_duplicates_are_refused_unless_forced_and_max_cost_is_on_the_total(cli, sheet, sim):
    csv = write(
        sheet / "dup.csv",
        "image,audio,prompt,seed",
        "portrait-astronaut.png,voice-3s.wav,same,5",
        "portrait-astronaut.png,voice-3s.wav,same,5",
    )
    proc = cli("batch", csv)
    assert proc.returncode == 2 and "row 3" in proc.stderr
    forced = cli("batch", csv, "--force", "--dry-run", "--json")
    assert forced.returncode == 0 and len(json.loads(forced.stdout)["jobs"]) == 2
    costly = cli("batch", csv, "--force", "--max-cost", "1", "--json")
    assert costly.returncode == 2, costly.stderr
    assert json.loads(costly.stdout)["error"]["code"] == "max_cost"
    assert sim.log() == []


def test_twenty_rows_complete_with_one_accepted_submit_each(cli, sheet, sim, home):
    write_settings(home, sim, concurrency=4)
    rows = [f"portrait-astronaut.png,voice-3s.wav,take {i},,mid,{100 + i}" for i in range(20)]
    csv = write(sheet / "twenty.csv", "image,audio,prompt,duration,quality,seed", *rows)
    proc = cli("batch", csv, "--wait", "--json", "--yes", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = json.loads(proc.stdout)
    assert len(jobs) == 20 and all(j["state"] == "completed" for j in jobs)
    assert len({j["output_path"] for j in jobs}) == 20
    accepted = sim.stats()["accepted_submits"]
    assert accepted == 20
    assert sorted(s["seed"] for s in sim.submits()) == [100 + i for i in range(20)]


def test_an_account_error_stops_the_rest_which_stay_pending(cli, sheet, sim, home):
    write_settings(home, sim, concurrency=1)
    sim.config(credits=0.0)
    rows = [f"portrait-astronaut.png,voice-3s.wav,row {i},,mid,{i + 1}" for i in range(4)]
    csv = write(sheet / "broke.csv", "image,audio,prompt,duration,quality,seed", *rows)
    proc = cli("batch", csv, "--json", "--yes", timeout=120)
    assert proc.returncode == 3, proc.stderr
    jobs = json.loads(proc.stdout)
    states = [j["state"] for j in jobs]
    assert states[0] == "failed" and jobs[0]["error"]["code"] == "insufficient_credits"
    assert states[1:] == ["pending"] * 3, states
    assert len(sim.submits()) <= 1
    assert "resume" in proc.stderr
    sim.config(credits=50.0)
    resumed = cli("resume", "--json", timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(j["state"] for j in json.loads(resumed.stdout)) != []
