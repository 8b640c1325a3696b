"""Transfers: the app's downloader and uploader against curl moving the same bytes.

Download: a 100 MB result video (simulator --video-bytes) on a link the simulator
paces at 20 MB/s, and unthrottled on loopback. Upload: the largest inputs the app
accepts (a ~48 MB portrait and a 15 s WAV), as the exact JSON bodies the app sends,
unthrottled (the simulator paces only its video origin). CPU seconds come from
getrusage: this process for the app, the curl child (os.wait4) for curl. Memory is
this process's VmRSS peak minus its level before the transfer.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.common import (
    BENCH_KEY,
    Context,
    Family,
    RssPeak,
    cpu_seconds_self,
    family_main,
    median,
    sim_key_leaks,
    start_sim,
)
from tests.benchmarks.inputs import largest_inputs

VIDEO_BYTES = 100_000_000
THROTTLE = 20_000_000
MB = 1_000_000


def curl(args: list[str]) -> tuple[float, float, int]:
    """Run curl; (wall seconds, CPU seconds, peak RSS bytes) of the child."""
    start = time.perf_counter()
    proc = subprocess.Popen(["curl", "-sS", "--fail", *args], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"curl {' '.join(args[:3])}... exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def app_measure(coro_factory) -> tuple[float, float, int]:
    """Run one transfer on a fresh asyncio loop; (wall, CPU seconds, RSS growth)."""
    with RssPeak() as mem:
        cpu0, start = cpu_seconds_self(), time.perf_counter()
        asyncio.run(coro_factory())
        wall, cpu = time.perf_counter() - start, cpu_seconds_self() - cpu0
    return wall, cpu, mem.growth


def video_url(sim) -> str:
    """A finished job's 100 MB video on the simulator's video origin."""
    import httpx

    from tests.simulator import DATA, data_url

    with httpx.Client(base_url=sim.api_base, headers={"x-api-key": sim.key}, timeout=60) as c:
        body = {
            "input_image": data_url(DATA / "portrait-astronaut.png"),
            "input_audio": data_url(DATA / "voice-5s.wav"),
            "prompt": "transfer benchmark",
            "duration": 5,
        }
        sub = c.post("/v2/higgsfield-speech2video", json=body).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = c.get(sub["response_url"]).json()
            if r.get("status") == "COMPLETED":
                return r["output"]
            time.sleep(0.1)
    raise RuntimeError("the simulator did not finish the transfer job")


def download_pair(sim, url: str, work: Path, reps: int) -> dict:
    from app.api.download import Downloader

    out: dict[str, list] = {"app": [], "curl": []}
    for i in range(reps):
        dest = work / f"app-{i}.mp4"

        async def go(dest=dest):
            async with Downloader(timeout=60) as d:
                await d.download(url, dest)

        wall, cpu, grew = app_measure(go)
        assert dest.stat().st_size == VIDEO_BYTES, dest.stat().st_size
        dest.unlink()
        out["app"].append((wall, cpu, grew))
        cdest = work / f"curl-{i}.mp4"
        out["curl"].append(curl(["-o", str(cdest), url]))
        assert cdest.stat().st_size == VIDEO_BYTES
        cdest.unlink()
    return out


def upload_pair(sim, files: list[Path], work: Path, reps: int) -> tuple[dict, int]:
    from app.api.client import SegmindClient
    from app.api.uploads import UploadBody, mime_for

    bodies = []
    for f in files:  # the exact bytes the app sends, for curl
        body = UploadBody(f, mime_for(f), None)
        path = work / f"{f.name}.body.json"

        async def dump(body=body, path=path):
            with path.open("wb") as out:
                async for piece in body.stream():
                    out.write(piece)

        asyncio.run(dump())
        assert path.stat().st_size == body.length
        bodies.append(path)
    total = sum(p.stat().st_size for p in bodies)
    out: dict[str, list] = {"app": [], "curl": []}
    for _ in range(reps):

        async def go():
            async with SegmindClient(
                BENCH_KEY, api_base=sim.api_base, upload_url=sim.upload_url, request_timeout=120
            ) as client:
                for f in files:
                    await client.upload(f)

        out["app"].append(app_measure(go))
        wall = cpu = rss = 0.0
        for path in bodies:
            w, c, r = curl(
                [
                    "-o",
                    "/dev/null",
                    "-H",
                    f"x-api-key: {BENCH_KEY}",
                    "-H",
                    "content-type: application/json",
                    "--data-binary",
                    f"@{path}",
                    sim.upload_url,
                ]
            )
            wall, cpu, rss = wall + w, cpu + c, max(rss, r)
        out["curl"].append((wall, cpu, rss))
    return out, total


def add_rows(fam: Family, label: str, runs: dict, nbytes: int, target: float | None) -> None:
    app_wall, curl_wall = median(r[0] for r in runs["app"]), median(r[0] for r in runs["curl"])
    app_rate, curl_rate = nbytes / app_wall / MB, nbytes / curl_wall / MB
    speed = app_rate / curl_rate
    fam.add(
        f"{label}: throughput",
        round(app_rate, 1),
        "MB/s",
        "curl, same bytes",
        round(curl_rate, 1),
        round(speed, 2),
        f">= {target}x curl" if target else "report",
        speed >= target if target else None,
        f"app {app_wall:.2f} s, curl {curl_wall:.2f} s (medians of {len(runs['app'])})",
    )
    per100 = 1e8 / nbytes
    app_cpu = median(r[1] for r in runs["app"]) * per100
    curl_cpu = median(r[1] for r in runs["curl"]) * per100
    fam.add(
        f"{label}: CPU per 100 MB",
        round(app_cpu, 3),
        "CPU s",
        "curl (child rusage)",
        round(curl_cpu, 3),
        round(app_cpu / curl_cpu, 1) if curl_cpu else None,
        "report",
        None,
    )
    grew = max(r[2] for r in runs["app"]) / MB
    fam.add(
        f"{label}: peak memory growth",
        round(grew, 1),
        "MB",
        "curl peak RSS (whole process)",
        round(max(r[2] for r in runs["curl"]) / MB, 1),
        None,
        "< 50 MB",
        grew < 50,
        "worst of the runs",
    )


def run(ctx: Context) -> Family:
    fam = Family("transfers", "Transfers against curl")
    reps = 1 if ctx.quick else 3
    sim = start_sim(time_factor=0.005, video_bytes=VIDEO_BYTES)
    try:
        url = video_url(sim)
        work = ctx.work / "files"
        work.mkdir(parents=True, exist_ok=True)
        sim.config(throttle_bps=THROTTLE)
        add_rows(
            fam,
            "download 100 MB at 20 MB/s",
            download_pair(sim, url, work, reps),
            VIDEO_BYTES,
            0.95,
        )
        sim.config(throttle_bps=0)
        add_rows(
            fam, "download 100 MB, loopback", download_pair(sim, url, work, reps), VIDEO_BYTES, None
        )
        files = largest_inputs(ctx.work / "inputs")
        runs, total = upload_pair(sim, files, work, reps)
        add_rows(fam, "upload largest inputs, loopback", runs, total, None)
        sizes = ", ".join(f"{f.name} {f.stat().st_size / MB:.1f} MB" for f in files)
        fam.notes.append(
            f"Upload: {sizes}; {total / MB:.1f} MB of JSON bodies (base64), two requests. "
            "The simulator paces only its video origin, so uploads are compared on loopback."
        )
        fam.extra["video_key_requests"] = sim_key_leaks(sim)
    finally:
        sim.stop()
    return fam


if __name__ == "__main__":
    sys.exit(family_main(run, "transfers"))
