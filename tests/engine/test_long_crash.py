"""Kill `submit --split --wait` (SIGKILL) at points of a 4-part long video, then resume.

Invariants: one entry in the list; the long video completes with a joined file that
decodes and is as long as the voice; no part is submitted twice, except a part killed
between its POST and its stored request id, which ends interrupted (never resent by
itself) and is sent again only by `retry`.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from app.media.probe import probe_video
from app.settings import DEFAULT_PRICES
from tests.engine.conftest import write_settings

VOICE = "voice-32s.wav"
# (crash point, passes skipped): which part or moment the kill hits
KILLS = [
    ("after-request-id", 0),  # part 1 accepted and stored; the others wait for its window
    ("after-submit-sent", 2),  # part 3's POST sent, its answer not stored: interrupted
    ("mid-join", 0),  # every clip downloaded, the joined file half written
    ("after-join", 0),  # the joined file in place, the long video not yet completed
]


@pytest.fixture
def four_parts(home, sim):
    """Prices under which the 32 s clip is planned as 4 parts (the plan follows them)."""
    prices = json.loads(json.dumps(DEFAULT_PRICES))
    prices["high"]["15"] = 9.0
    write_settings(home, sim, prices=prices)


@pytest.mark.slow
@pytest.mark.parametrize(("point", "after"), KILLS)
def test_kill_a_long_video_then_resume(point, after, four_parts, cli, media, sim, home):
    killed = cli(
        "submit",
        media / "portrait-astronaut.png",
        media / VOICE,
        "--split",
        "--prompt",
        f"long crash {point}",
        "--wait",
        "--json",
        S2V_CRASH_AT=point,
        S2V_CRASH_AFTER=after,
    )
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-1500:])
    listed = json.loads(cli("jobs", "--json").stdout)
    assert len(listed) == 1 and len(listed[0]["parts"]) == 4
    before = len(sim.submits())
    resumed = cli("resume", "--wait", "--json")
    job = json.loads(resumed.stdout)[0]
    if point == "after-submit-sent":
        assert resumed.returncode == 4 and job["state"] == "interrupted", resumed.stderr[-1500:]
        lost = [p for p in job["parts"] if p["state"] == "interrupted"]
        assert len(lost) == 1 and lost[0]["request_id"] is None
        assert len(sim.submits()) == 4  # the other three went on; nothing was resent
        retried = cli("retry", job["id"], "--wait", "--json")
        assert retried.returncode == 0, retried.stderr[-1500:]
        job = json.loads(retried.stdout)
        assert len(sim.submits()) == 5  # only the interrupted part, sent again on purpose
    else:
        assert resumed.returncode == 0, resumed.stderr[-1500:]
        assert len(sim.submits()) == 4 and before <= 4  # one accepted submit per part
    assert job["state"] == "completed"
    assert [p["state"] for p in job["parts"]] == ["completed"] * 4
    out = Path(job["output_path"])
    assert abs(probe_video(out).seconds - 31.898) <= 0.1
    assert not list(out.parent.glob(".*.tmp"))  # a killed join left no temporary file
    assert not list((home / "cache" / "parts").glob("*/*.mp4"))
    assert json.loads(cli("jobs", "--json").stdout)[0]["state"] == "completed"
