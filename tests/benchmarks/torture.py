"""Torture: SIGKILL at every crash point and at random moments, faults, bad inputs, fuzzing.

Kills: `s2v-studio submit --wait` is SIGKILLed (at a named point via S2V_CRASH_AT,
or after a random delay), then `resume --wait` runs. Counted: jobs lost (the
service accepted a submit but the store has no finished job for it, or the job
ends neither completed nor interrupted), duplicate submits (the service accepted
more than one submit for a job that nobody retried), corrupted outputs (a completed
video whose bytes differ from what the simulator served, a `.part` left over, or a
sidecar that is not JSON). A job killed between the POST and the stored request_id
is settled from the simulator's request history (adopted: completed, no duplicate);
one that ends interrupted counts as not lost only without a request id.
Faults: the simulator fails or drops the given share of API requests (and cuts
downloads short) while the engine drives jobs. Bad inputs: tests/jobs/bad_inputs.py.
Fuzz: hypothesis sends malformed answers to the client over real HTTP.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.benchmarks.common import (
    BENCH_KEY,
    DATA,
    ROOT,
    Context,
    Family,
    child_env,
    family_main,
    make_engine,
    sim_key_leaks,
    start_sim,
    write_settings,
)

SCALE = 0.005
HUNG: list[str] = []


def cli(home: Path, *args, timeout: float = 120, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        env=child_env(home, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def judge(sim, home: Path, prompt: str, sha=None) -> dict:
    """Resume, then classify what happened to the job submitted with `prompt`."""
    try:
        cli(home, "resume", "--wait", "--json", timeout=60)
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-300:]
        HUNG.append(f"{prompt}: resume --wait still running after 60 s: {tail!r}")
    listed = json.loads(cli(home, "jobs", "--json").stdout or "[]")
    accepted = [s for s in sim.submits() if s["prompt"] == prompt]
    out = {"lost": 0, "dup": 0, "corrupt": 0, "state": None}
    if not listed:
        out["lost"] = int(bool(accepted))  # killed before storing: fine only if nothing was paid
        out["state"] = "never stored" if not accepted else "LOST"
        return out
    job = listed[0]
    out["state"] = job["state"]
    out["dup"] = max(0, len(accepted) - 1)
    if job["state"] == "completed":
        path = Path(job["output_path"])
        served = sim.job(job["request_id"]) or {}
        import hashlib

        ok = path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == served.get("sha256")
        try:
            json.loads(path.with_suffix(".json").read_text())
        except (OSError, ValueError):
            ok = False
        if list(path.parent.glob("*.part")):
            ok = False
        out["corrupt"] = int(not ok)
    elif job["state"] != "interrupted":
        out["lost"] = 1
    elif job.get("request_id") is not None:
        out["lost"] = 1  # interrupted although its request id was known
    return out


def kill_round(sim, ctx: Context, media: tuple[Path, Path], name: str, point=None, delay=None):
    home = ctx.home(name)
    write_settings(home, sim, SCALE, timings={"retry_base": 0.2, "lease_seconds": 3.0})
    prompt = f"torture {name}"
    args = [sys.executable, "-m", "app", "submit", *map(str, media), "--prompt", prompt]
    env = child_env(home, **({"S2V_CRASH_AT": point} if point else {}))
    proc = subprocess.Popen(
        [*args, "--wait", "--json"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    if delay is not None:
        try:
            proc.wait(delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    proc.wait(120)
    killed = proc.returncode == -signal.SIGKILL
    result = judge(sim, home, prompt)
    result["killed"] = killed
    return result


def kills(ctx: Context, sim, media, fam: Family, randoms: int) -> None:
    from app.jobs.crashpoints import POINTS

    named = []
    for point in POINTS:
        sim.config(throttle_bps=200_000 if point == "mid-download" else 0)
        named.append((point, kill_round(sim, ctx, media, f"point-{point}", point=point)))
    sim.config(throttle_bps=0)
    rng = random.Random(20261125)
    delays = [rng.uniform(0.4, 3.0) for _ in range(randoms)]
    with ThreadPoolExecutor(3) as pool:
        rand = list(
            pool.map(lambda a: kill_round(sim, ctx, media, f"random-{a[0]}", delay=a[1]),
                     enumerate(delays))
        )  # fmt: skip
    for label, results in (("named crash points", [r for _, r in named]), ("random moments", rand)):
        lost = sum(r["lost"] for r in results)
        dup = sum(r["dup"] for r in results)
        bad = sum(r["corrupt"] for r in results)
        states: dict[str, int] = {}
        for r in results:
            key = r["state"] if r["killed"] else f"{r['state']} (finished before the kill)"
            states[key] = states.get(key, 0) + 1
        note = ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
        fam.add(f"SIGKILL at {len(results)} {label}: jobs lost", lost, "", "target", 0, None,
                "0", lost == 0, note)  # fmt: skip
        fam.add(f"SIGKILL at {len(results)} {label}: duplicate submits", dup, "", "target", 0,
                None, "0", dup == 0)  # fmt: skip
        fam.add(f"SIGKILL at {len(results)} {label}: corrupted outputs", bad, "", "target", 0,
                None, "0", bad == 0)  # fmt: skip
    if HUNG:
        fam.notes.append("Hung resumes (job judged as the store left it): " + " | ".join(HUNG))
    fam.notes.append(
        "Named points: "
        + "; ".join(f"{p}: {r['state']}" for p, r in named)
        + f". Random delays 0.4-3.0 s after launch (a job takes {330 * SCALE:.2f} s at the "
        "simulator's time factor), three rounds at a time."
    )


def faults(ctx: Context, sim, media, fam: Family, jobs: int) -> None:
    from app.jobs.engine import JobRequest

    for rate in (0.1, 0.2, 0.3):
        sim.reset()
        sim.config(error_rate=rate / 2, drop_rate=rate / 2, truncate_rate=rate, seed=int(rate * 10))
        home = ctx.home(f"faults-{int(rate * 100)}")
        write_settings(home, sim, SCALE, timings={"retry_base": 0.2})
        states: list[str] = []

        async def go(home=home, states=states, rate=rate):
            engine = make_engine(home)
            await engine.start()
            try:
                made = [
                    await engine.submit(
                        JobRequest(str(media[0]), str(media[1]), prompt=f"fault {rate} {i}",
                                   seed=1000 + i)
                    )
                    for i in range(jobs)
                ]  # fmt: skip
                done = await asyncio.wait_for(
                    asyncio.gather(*(engine.wait(j.id) for j in made)), 300
                )
                states.extend(j.state.value for j in done)
            finally:
                await engine.aclose()

        asyncio.run(go())
        log = sim.log()
        faulted = sum(1 for e in log if e.get("injected") or e.get("dropped"))
        per_prompt: dict[str, int] = {}
        for s in sim.submits():
            per_prompt[s["prompt"]] = per_prompt.get(s["prompt"], 0) + 1
        dup = sum(max(0, n - 1) for n in per_prompt.values())
        completed = states.count("completed")
        others = ", ".join(f"{s} {states.count(s)}" for s in sorted(set(states) - {"completed"}))
        fam.add(
            f"faults {int(rate * 100)}%: jobs completed",
            f"{completed}/{jobs}",
            "",
            "duplicate submits",
            dup,
            None,
            "0 duplicates, none lost",
            dup == 0 and set(states) <= {"completed", "interrupted"},
            f"{faulted} faulted requests absorbed (retries spent) of {len(log)}"
            + (f"; {others}" if others else ""),
        )
    sim.reset()
    fam.notes.append(
        "Faults: error_rate = drop_rate = rate/2 on API requests (500/502/504 or a dropped "
        "connection), truncate_rate = rate on video downloads; seeded dice."
    )


def bad_inputs(ctx: Context, sim, fam: Family) -> None:
    from app.api.errors import SegmindError
    from app.jobs.engine import JobRequest
    from tests.jobs.bad_inputs import make_bad_inputs

    cases = [c for c in make_bad_inputs(ctx.work / "bad") if not c.skip]
    home = ctx.home("bad-inputs")
    write_settings(home, sim, SCALE)
    sim.reset()
    crashes, refused, accepted, unclear = [], 0, [], []

    async def go():
        nonlocal refused
        engine = make_engine(home)
        await engine.start(resume=False)
        try:
            for c in cases:
                try:
                    job = await engine.submit(
                        JobRequest(c.image, c.audio, duration=c.duration), drive=False
                    )
                    accepted.append(c.name)
                    engine.cancel(job.id)
                except SegmindError as err:
                    refused += 1
                    if c.expect.lower() not in str(err).lower():
                        unclear.append(c.name)
                except Exception as exc:  # noqa: BLE001 - this is what is counted
                    crashes.append(f"{c.name}: {type(exc).__name__}")
        finally:
            await engine.aclose()

    asyncio.run(go())
    fam.add(
        f"bad inputs tried: {len(cases)}: crashes",
        len(crashes),
        "",
        "refused with a message",
        refused,
        None,
        "0 crashes",
        not crashes,
        "; ".join(crashes + [f"accepted: {a}" for a in accepted]) or "none accepted, none paid",
    )
    if unclear:
        fam.notes.append("Refusals without the expected words: " + ", ".join(unclear))
    fam.extra["bad_submits"] = len(sim.submits())


def fuzz(ctx: Context, sim, fam: Family, examples: int) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from app.api.client import SegmindClient
    from app.api.errors import SegmindError

    sys.path.insert(0, str(ROOT / "tests" / "api"))
    from tests.api.test_fuzz import BODIES, CALLS, HEADERS, STATUSES

    seen = {"n": 0, "crash": 0, "ok": 0, "error": 0}
    crashes: list[str] = []
    loop = asyncio.new_event_loop()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(target=st.sampled_from(sorted(CALLS)), status=STATUSES, body=BODIES, headers=HEADERS)
    def one(target, status, body, headers):
        seen["n"] += 1
        sim.fault(target, "respond", status=status, body=body, headers=headers)

        async def go():
            async with SegmindClient(
                BENCH_KEY, api_base=sim.api_base, upload_url=sim.upload_url,
                retry_base=0.01, retry_cap=0.05, retry_deadline=0, request_timeout=5,
            ) as client:  # fmt: skip
                return await asyncio.wait_for(CALLS[target](client), 10)

        try:
            loop.run_until_complete(go())
            seen["ok"] += 1
        except SegmindError:
            seen["error"] += 1
        except Exception as exc:  # noqa: BLE001 - a crash: anything but a SegmindError
            seen["crash"] += 1
            crashes.append(f"{target} {status}: {type(exc).__name__}")
        finally:
            sim.reset()

    cwd = Path.cwd()
    try:
        import os

        os.chdir(ROOT)  # CALLS uploads tests/data/voice-3s.wav by a relative path
        one()
    finally:
        os.chdir(cwd)
        loop.close()
    fam.add(
        f"malformed answers fuzzed: {seen['n']:,}: crashes",
        seen["crash"],
        "",
        "clear SegmindError / accepted",
        f"{seen['error']} / {seen['ok']}",
        None,
        "0",
        seen["crash"] == 0,
        "; ".join(crashes[:5]),
    )


def run(ctx: Context) -> Family:
    fam = Family("torture", "Robustness: kills, faults, bad inputs, fuzzing")
    sim = start_sim(time_factor=SCALE)
    try:
        folder = ctx.work / "media"
        folder.mkdir(parents=True, exist_ok=True)
        media = (folder / "portrait.png", folder / "voice-3s.wav")
        shutil.copy(DATA / "portrait-astronaut.png", media[0])
        shutil.copy(DATA / "voice-3s.wav", media[1])
        t0 = time.monotonic()
        kills(ctx, sim, media, fam, 12 if ctx.quick else 50)
        t1 = time.monotonic()
        faults(ctx, sim, media, fam, 3 if ctx.quick else 6)
        t2 = time.monotonic()
        bad_inputs(ctx, sim, fam)
        t3 = time.monotonic()
        fuzz(ctx, sim, fam, 200 if ctx.quick else 1000)
        t4 = time.monotonic()
        fam.notes.append(
            f"Time: kills {t1 - t0:.0f} s, faults {t2 - t1:.0f} s, bad inputs {t3 - t2:.0f} s, "
            f"fuzz {t4 - t3:.0f} s."
        )
        fam.extra["video_key_requests"] = sim_key_leaks(sim)
    finally:
        sim.stop()
    return fam


if __name__ == "__main__":
    sys.exit(family_main(run, "torture"))
