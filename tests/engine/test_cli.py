"""`s2v-studio` commands in child processes against `s2v-studio simulate` (the contract)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.video import decode_stats

ROOT = Path(__file__).resolve().parents[2]


def one(proc) -> dict:
    assert proc.stdout.strip(), proc.stderr
    return json.loads(proc.stdout)


def test_version():
    out = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0 and out.stdout.startswith("s2v-studio ")


def test_submit_wait_json_produces_a_decodable_video(cli, media, sim, home, tmp_path):
    out_dir = tmp_path / "videos out"
    proc = cli(
        "submit",
        media / "portrait-astronaut.png",
        media / "voice-5s.wav",
        "--prompt",
        "hello",
        "--wait",
        "--json",
        "--output-dir",
        out_dir,
    )
    assert proc.returncode == 0, proc.stderr
    job = one(proc)
    assert set(job) == {"id", "request_id", "state", "output_path", "output_url", "error"}
    assert job["state"] == "completed" and job["error"] is None
    video = Path(job["output_path"])
    assert video.parent == out_dir and video.exists()
    stats = decode_stats(video)
    assert stats["n"] >= 50, stats  # 10 s at the simulator's frame rate
    assert 9000 <= stats["duration_ms"] <= 11000  # 5.2 s of audio -> a 10 s video
    assert "completed" in proc.stderr  # progress goes to stderr, JSON alone on stdout

    listed = cli("jobs", "--json")
    assert listed.returncode == 0 and [j["id"] for j in json.loads(listed.stdout)] == [job["id"]]
    waited = cli("wait", job["request_id"], "--json")
    assert waited.returncode == 0 and one(waited)["state"] == "completed"


def test_submit_without_wait_returns_once_accepted_then_resume(cli, media, sim):
    proc = cli(
        "submit",
        media / "portrait-astronaut.png",
        media / "voice-3s.wav",
        "--prompt",
        "hi",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    job = one(proc)
    assert job["request_id"] and job["state"] in ("queued", "processing")
    assert "resume" in proc.stderr
    resumed = cli("resume", "--wait", "--json")
    assert resumed.returncode == 0, resumed.stderr
    jobs = json.loads(resumed.stdout)
    assert [(j["id"], j["state"]) for j in jobs] == [(job["id"], "completed")]
    assert len(sim.submits()) == 1


def test_exit_codes_bad_key_failed_job_invalid_duration(cli, media, sim):
    img, wav = media / "portrait-astronaut.png", media / "voice-3s.wav"
    bad_key = cli("submit", img, wav, "--prompt", "x", "--wait", "--json", key="SG_wrong_key_123")
    assert bad_key.returncode == 3, bad_key.stderr
    assert one(bad_key)["error"]["code"] == "invalid_key"
    assert "SG_wrong_key_123" not in bad_key.stdout + bad_key.stderr

    failed = cli("submit", img, wav, "--prompt", "x [sim:fail]", "--wait", "--json")
    assert failed.returncode == 4, failed.stderr
    assert one(failed)["error"]["code"] == "job_failed"

    bad_duration = cli("submit", img, wav, "--prompt", "x", "--duration", "7", "--json")
    assert bad_duration.returncode == 2
    assert "invalid choice" in bad_duration.stderr
    assert len(sim.submits()) == 1  # only the [sim:fail] job reached the service


def test_too_long_audio_is_refused_then_trimmed(cli, media, sim):
    img, long_wav = media / "portrait-astronaut.png", media / "voice-32s.wav"
    refused = cli("submit", img, long_wav, "--prompt", "x", "--json")
    assert refused.returncode == 2
    assert "31.9 s long, longer than the longest video (15 s)" in refused.stderr
    assert "--trim" in refused.stderr
    assert sim.submits() == []
    trimmed = cli("submit", img, long_wav, "--prompt", "x", "--trim", "--wait", "--json")
    assert trimmed.returncode == 0, trimmed.stderr
    assert sim.submits()[0]["duration"] == 15


def test_cancel_retry_rerun_commands(cli, media, sim):
    img, wav = media / "portrait-astronaut.png", media / "voice-3s.wav"
    failed = one(cli("submit", img, wav, "--prompt", "x [sim:block]", "--wait", "--json"))
    assert failed["error"]["code"] == "content_blocked"
    cancel = cli("cancel", failed["id"])
    assert cancel.returncode == 0
    done = one(cli("submit", img, wav, "--prompt", "ok", "--seed", "5", "--wait", "--json"))
    rerun = cli("rerun", done["id"], "--seed", "6", "--wait", "--json")
    assert rerun.returncode == 0 and one(rerun)["state"] == "completed"
    dup = cli("rerun", done["id"], "--seed", "5", "--json")
    assert dup.returncode == 2 and "pay twice" in dup.stderr
    missing = cli("retry", "nope-not-a-job")
    assert missing.returncode == 2


def test_no_prompt_when_stdin_is_not_a_terminal_and_no_key(cli, media, home):
    env_key = ""
    proc = cli(
        "submit",
        media / "portrait-astronaut.png",
        media / "voice-3s.wav",
        "--prompt",
        "x",
        "--json",
        key=env_key,
        timeout=60,
        DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent",
    )
    assert proc.returncode == 3
    assert "API key" in proc.stderr
    assert os.listdir(home)  # S2V_HOME used; nothing hung waiting for input


def test_unreachable_https_input_is_invalid_input(cli, media, sim):
    proc = cli(
        "submit",
        "https://127.0.0.1:9/portrait.png",
        media / "voice-3s.wav",
        "--prompt",
        "x",
        "--json",
    )
    assert proc.returncode == 2, proc.stderr
    assert "127.0.0.1:9" in proc.stderr
    assert sim.submits() == []


def test_https_input_is_passed_through_without_upload(cli, media, sim):
    import httpx

    with open(media / "portrait-astronaut.png", "rb") as f:
        up = httpx.post(
            sim.upload_url,
            headers={"x-api-key": sim.key},
            json={
                "data_urls": [
                    "data:image/png;base64," + __import__("base64").b64encode(f.read()).decode()
                ]
            },
        )
    url = (up.json().get("file_urls") or up.json()["urls"])[0]
    proc = cli("submit", url, media / "voice-3s.wav", "--prompt", "x", "--wait", "--json")
    assert proc.returncode == 0, proc.stderr
    job = one(proc)
    assert sim.job(job["request_id"])["image_url"] == url  # not uploaded again
    uploads = [e for e in sim.log() if e["path"].endswith("/upload-asset")]
    assert len(uploads) == 2  # ours above, and the voice clip: never the portrait


def test_resume_wait_drives_unfinished_jobs_together(cli, media, sim):
    sim.config(job_seconds=600)  # 3 s each at the test time scale
    ids = []
    for seed in (1, 2):
        proc = cli("submit", media / "portrait-astronaut.png", media / "voice-3s.wav",
                   "--seed", seed, "--json")  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        ids.append(one(proc)["request_id"])
    resumed = cli("resume", "--wait", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert [j["state"] for j in json.loads(resumed.stdout)] == ["completed", "completed"]
    polls = {rid: [e["t"] for e in sim.log() if rid in e["path"]] for rid in ids}
    first, second = polls[ids[0]], polls[ids[1]]
    assert min(second) < max(first) and min(first) < max(second)  # polled side by side


def test_trim_start_needs_trim_and_enters_the_fingerprint(cli, media, sim):
    img, long_voice = media / "portrait-astronaut.png", media / "voice-32s.wav"
    alone = cli("submit", img, long_voice, "--trim-start", "2")
    assert alone.returncode == 2 and "--trim-start needs --trim" in alone.stderr
    from app.jobs.model import Job
    from app.jobs.prepare import fingerprint

    base = Job(image="a.png", audio="b.wav", image_hash="1", audio_hash="2", duration=15)
    untrimmed = fingerprint(base)
    assert fingerprint(base.copy(trim_start=3.0)) == untrimmed  # not trimming: ignored
    assert fingerprint(base.copy(trim=True)) == fingerprint(base.copy(trim=True, trim_start=0.0))
    assert fingerprint(base.copy(trim=True, trim_start=3.0)) != fingerprint(base.copy(trim=True))


def test_trim_start_reaches_the_job_and_its_sidecar(make_engine, media, tmp_path):
    import asyncio

    from app.jobs.engine import JobRequest
    from app.jobs.sidecar import write_sidecar

    engine = make_engine()
    req = JobRequest(
        image=str(media / "portrait-astronaut.png"),
        audio=str(media / "voice-32s.wav"),
        duration=15,
        trim=True,
        trim_start=2.5,
    )
    job = asyncio.run(engine.check(req))
    assert job.trim and job.trim_start == 2.5
    video = tmp_path / "v.mp4"
    video.write_bytes(b"")
    info = json.loads(write_sidecar(job, video).read_text())
    assert info["inputs"]["audio"]["trim_start"] == 2.5
