"""Long videos through the command line against the simulator (real HTTP, SQLite, decoding).

`submit --split` on a 32 s speech clip: the plan, one part per job, the portrait
uploaded once, part 1 first, the join under the original voice; retry of one failed
part; cancel; the contract's usage errors and --max-cost.
"""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import subprocess
import sys
import time
import wave
from pathlib import Path

import av
import httpx
import pytest

from app.media.audio import decode_pcm
from app.media.probe import probe_video
from tests.engine.conftest import DATA, ROOT, cli_env, write_settings
from tests.media import synth
from tests.media.test_join import correlation, envelope
from tests.video import decode_stats

VOICE = "voice-32s.wav"


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def audio_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def submits_of(sim) -> list[dict]:
    return [s["body"] for s in sim.stats()["submits_by_body"] for _ in range(s["count"])]


def uploads(sim) -> list[dict]:
    return [e for e in sim.log() if e.get("target") == "upload"]


def run_long(cli, media, *extra, **env):
    return cli(
        "submit",
        media / "portrait-astronaut.png",
        media / VOICE,
        "--split",
        "--json",
        *extra,
        **env,
    )


def test_submit_split_wait_makes_one_video_under_the_original_voice(cli, media, sim, home):
    proc = run_long(cli, media, "--wait", "--prompt", "long video", "--seed", "7")
    assert proc.returncode == 0, proc.stderr[-3000:]
    job = json.loads(proc.stdout)
    parts = job["parts"]
    n = len(parts)
    assert n >= 3 and job["state"] == "completed" and job["request_id"] is None
    assert "parts, about $" in proc.stderr  # the plan, on stderr before any request
    assert proc.stderr.index("part 1:") < proc.stderr.index("uploading")
    total = audio_seconds(media / VOICE)

    # parts: in order, contiguous (no pause over 5 s in this clip), smallest billed length
    assert parts[0]["start"] == 0 and abs(parts[-1]["end"] - total) < 0.002
    for a, b in zip(parts, parts[1:], strict=False):
        assert a["end"] == b["start"]
    for p in parts:
        length = p["end"] - p["start"]
        assert p["duration"] == min(d for d in (5, 10, 15) if length <= d), p
        assert p["state"] == "completed" and p["request_id"]

    # exactly one accepted submit per part, same portrait URL/prompt/quality/seed for all
    bodies = submits_of(sim)
    assert len(bodies) == n == sim.stats()["accepted_submits"]
    assert sorted(s["request_id"] for s in sim.submits()) == sorted(p["request_id"] for p in parts)
    assert len({b["input_image"] for b in bodies}) == 1
    assert len({(b["prompt"], b["quality"], b["seed"]) for b in bodies}) == 1
    assert len(uploads(sim)) == n + 1  # the portrait once, one WAV per part

    # each uploaded WAV is the part's exact window, at most 15 s; together the whole clip
    by_request = {p["request_id"]: p for p in parts}
    sent = 0.0
    for s in sim.submits():
        body, part = s["body"], by_request[s["request_id"]]
        seconds = wav_seconds(httpx.get(body["input_audio"], timeout=10).content)
        assert seconds <= 15.0 and seconds <= body["duration"]
        assert abs(seconds - (part["end"] - part["start"])) < 0.001
        sent += seconds
    assert abs(sent - total) < 0.005

    # the output: decodes (PyAV and QtMultimedia), as long as the voice, the voice is the original
    out = Path(job["output_path"])
    info = probe_video(out)
    assert abs(info.seconds - total) <= 0.1, (info.seconds, total)
    qt = decode_stats(out)
    assert "error" not in qt and qt["n"] > 0 and abs(qt["duration_ms"] / 1000 - total) <= 0.1
    assert correlation(envelope(out), envelope(media / VOICE)) > 0.97
    side = json.loads(out.with_suffix(".json").read_text())
    assert [p["request_id"] for p in side["parts"]] == [p["request_id"] for p in parts]
    assert all(p["cost"] for p in side["parts"]) and side["join"]["copied"] is True
    assert not list((home / "cache" / "parts").glob("*/*.mp4"))  # clips removed after the join
    assert not list(out.parent.glob(".*.tmp"))

    # one entry in the list, with its parts inside
    listed = json.loads(cli("jobs", "--json").stdout)
    assert [j["id"] for j in listed] == [job["id"]] and len(listed[0]["parts"]) == n
    # part ids work with wait
    waited = cli("wait", parts[1]["id"], "--json")
    assert waited.returncode == 0 and json.loads(waited.stdout)["state"] == "completed"
    # the month's spend is the parts' charges; the same video again would pay twice
    db = sqlite3.connect(home / "data" / "jobs.sqlite3")
    charged = dict(db.execute("SELECT job_id, amount FROM charges").fetchall())
    assert sorted(charged) == sorted(p["id"] for p in parts)
    again = run_long(cli, media, "--prompt", "long video", "--seed", "7")
    assert again.returncode == 2 and "already completed" in again.stderr
    assert sim.stats()["accepted_submits"] == n


@pytest.fixture
def talk_with_a_long_pause(media) -> Path:
    """14 s of speech, 6.5 s of silence, 3 s of speech: the silence is not sent."""
    voice = synth.concat(
        decode_pcm(DATA / "voice-14s.wav", 16000),
        synth.silence(6.5),
        decode_pcm(DATA / "voice-3s.wav", 16000),
    )
    return synth.write_pcm(media / "talk.wav", voice)


def test_retry_sends_only_the_failed_part_and_a_long_pause_is_held(
    cli, media, sim, talk_with_a_long_pause
):
    talk = talk_with_a_long_pause
    proc = cli(
        "submit", media / "portrait-astronaut.png", talk, "--split", "--json",
        "--prompt", "retry one part",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "is not sent (the picture holds)" in proc.stderr
    job = json.loads(proc.stdout)
    assert all(p["request_id"] for p in job["parts"])  # returns once every part is accepted
    n = len(job["parts"])
    failed = {"error": "Video generation failed", "status": "FAILED"}
    sim.fault("status", "respond", status=422, body=json.dumps(failed))
    waited = cli("wait", job["id"], "--json")
    assert waited.returncode == 4, waited.stderr[-2000:]
    after = json.loads(waited.stdout)
    assert after["state"] == "failed" and after["error"]["code"] == "job_failed"
    bad = [p for p in after["parts"] if p["state"] == "failed"]
    assert len(bad) == 1 and all(
        p["state"] == "completed" for p in after["parts"] if p is not bad[0]
    )
    retried = cli("retry", bad[0]["id"], "--wait", "--json")  # a part's id works too
    assert retried.returncode == 0, retried.stderr[-2000:]
    assert json.loads(retried.stdout)["state"] == "completed"
    [done] = json.loads(cli("jobs", "--json").stdout)
    assert done["state"] == "completed" and Path(done["output_path"]).exists()
    assert sim.stats()["accepted_submits"] == n + 1  # only the failed part again
    again = {p["id"]: p for p in done["parts"]}[bad[0]["id"]]
    assert again["request_id"] != bad[0]["request_id"]
    assert len(uploads(sim)) == n + 3  # the portrait and one WAV again for the retry

    # the pause over 5 s is in no part, and the picture holds over it
    total = audio_seconds(talk)
    parts = done["parts"]
    gaps = [b["start"] - a["end"] for a, b in zip(parts, parts[1:], strict=False)]
    assert max(gaps) > 5.0
    assert abs(sum(p["end"] - p["start"] for p in parts) + sum(gaps) - total) < 0.002
    out = Path(done["output_path"])
    assert abs(probe_video(out).seconds - total) <= 0.1
    i = gaps.index(max(gaps))
    start, end = parts[i]["end"], parts[i + 1]["start"]
    with av.open(str(out)) as c:
        frames = [(f.time, bytes(f.planes[0])) for f in c.decode(c.streams.video[0])]
    before = [f for t, f in frames if t <= start + 0.05][-1]
    inside = [f for t, f in frames if start + 0.05 < t < end - 0.2]
    assert all(f == before for f in inside)  # the last frame before the pause holds over it
    assert inside or min(t for t, _ in frames if t > start + 0.05) >= end - 0.2


def test_cancel_sends_no_more_parts_and_says_what_may_be_billed(cli, media, sim, home):
    timings = {"scale": 0.005, "retry_base": 0.2, "lease_seconds": 3.0}
    write_settings(home, sim, timings={**timings, "poll_early_window": 4000.0})  # 20 s here
    sim.config(job_seconds=4000)
    args = ["submit", media / "portrait-astronaut.png", media / VOICE, "--split", "--json"]
    owner = subprocess.Popen(
        [sys.executable, "-m", "app", *map(str, args)],
        env=cli_env(home, sim),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not sim.submits():  # part 1 is accepted; the others wait out its early window
            assert time.monotonic() < deadline and owner.poll() is None
            time.sleep(0.1)
        job = json.loads(cli("jobs", "--json").stdout)[0]
        cancelled = cli("cancel", job["id"], "--json")  # carried out by the submitting process
        out, err = owner.communicate(timeout=30)
    finally:
        owner.kill()
    assert cancelled.returncode == 0, cancelled.stderr
    after = json.loads(cancelled.stdout)
    assert after["state"] == "cancelled" and owner.returncode == 4, (out, err[-800:])
    message = after["error"]["message"]
    assert "2 of 3 parts were not yet submitted (nothing billed)" in message
    assert "1 had been submitted" in message and "may still run and be billed" in message
    assert [p["state"] for p in after["parts"]] == ["cancelled"] * 3
    assert sim.stats()["accepted_submits"] == 1
    assert json.loads(out)["state"] == "cancelled"


def test_usage_errors_and_max_cost_send_nothing(cli, media, sim, home):
    for extra in (["--duration", "15"], ["--trim"]):
        proc = run_long(cli, media, *extra)
        assert proc.returncode == 2 and "--split" in proc.stderr
    proc = run_long(cli, media, "--max-cost", "5")
    assert proc.returncode == 2, proc.stderr
    assert json.loads(proc.stdout)["error"]["code"] == "max_cost"
    single = cli(
        "submit", media / "portrait-astronaut.png", media / "voice-5s.wav", "--json",
        "--max-cost", "0.5",
    )  # fmt: skip
    assert single.returncode == 2 and json.loads(single.stdout)["error"]["code"] == "max_cost"
    plain = cli("submit", media / "portrait-astronaut.png", media / VOICE, "--json")
    assert plain.returncode == 2 and "--split" in json.loads(plain.stdout)["error"]["message"]
    assert "parts, about $" in json.loads(plain.stdout)["error"]["message"]
    assert not [e for e in sim.log() if e.get("key_present")]
    write_settings(home, sim, spend_threshold=5.0)
    over = run_long(cli, media)
    assert over.returncode == 2 and json.loads(over.stdout)["error"]["code"] == "spend_threshold"
    assert "$9.84" in over.stderr  # the whole long video counts, not one part
    write_settings(home, sim)
    sim.config(credits=5.0)
    poor = run_long(cli, media)
    assert poor.returncode == 3, poor.stderr[-1000:]
    assert json.loads(poor.stdout)["error"]["code"] == "insufficient_credits"
    assert [e["target"] for e in sim.log() if e.get("key_present")] == ["credits"]
    db = sqlite3.connect(home / "data" / "jobs.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0


def test_a_blocked_part_1_stops_the_video_and_rerun_shares_one_new_seed(cli, media, sim, home):
    timings = {"scale": 0.005, "retry_base": 0.2, "lease_seconds": 3.0}
    write_settings(home, sim, timings={**timings, "poll_early_window": 600.0})  # 3 s here
    proc = run_long(cli, media, "--wait", "--prompt", "[sim:block] fail fast", "--seed", "11")
    assert proc.returncode == 4, proc.stderr[-2000:]
    job = json.loads(proc.stdout)
    assert job["state"] == "failed" and job["error"]["code"] == "content_blocked"
    assert [p["state"] for p in job["parts"]] == ["failed"] + ["cancelled"] * 2
    assert sim.stats()["accepted_submits"] == 1  # one request, not one per part
    rerun = cli("rerun", job["id"], "--json")
    assert rerun.returncode == 4, rerun.stderr[-2000:]
    new = json.loads(rerun.stdout)
    assert new["id"] != job["id"] and len(json.loads(cli("jobs", "--json").stdout)) == 2
    assert [(p["start"], p["end"]) for p in new["parts"]] == [
        (p["start"], p["end"]) for p in job["parts"]
    ]
    seeds = [s["body"]["seed"] for s in sim.submits()]
    assert len(seeds) == 2 and seeds[0] == 11 and seeds[1] != 11


def test_the_windows_interface_plan_nudged_cuts_and_parts(make_engine, media):
    """What the window uses: plan_long_video, a nudged cut (JobRequest.cuts), parts()."""
    from app.jobs.engine import JobRequest
    from app.media.pauses import map_speech
    from app.media.plan import move_cut, nearest_cut

    engine = make_engine()

    async def go():
        await engine.start(resume=False)
        audio = str(media / VOICE)
        plan = await engine.plan_long_video(audio, "high")
        others = [c.at for c in plan.candidates if abs(c.at - plan.cuts[0]) > 1.0]
        to = nearest_cut(plan, min(others, key=lambda t: abs(t - plan.cuts[0])))
        nudged = move_cut(plan, map_speech(audio), 0, to)
        request = JobRequest(
            image=str(media / "portrait-astronaut.png"), audio=audio, split=True,
            cuts=nudged.cuts,
        )  # fmt: skip
        job = await engine.submit(request, drive=False)
        return plan, nudged, job

    plan, nudged, job = asyncio.run(go())
    parts = engine.parts(job.id)
    assert job.is_long and job.request_id is None and job.part_count == len(parts)
    assert [(p.part_start, p.part_end, p.duration) for p in parts] == [
        (q.start, q.end, q.duration) for q in nudged.parts
    ]
    assert nudged.cuts != plan.cuts and abs(job.estimate - nudged.total) < 0.005
    assert all(p.parent_id == job.id and p.seed == job.seed for p in parts)
    assert [j.id for j in engine.jobs()] == [job.id] and engine.get(parts[0].id).part_index == 0
