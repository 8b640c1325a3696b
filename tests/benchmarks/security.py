"""Security: the API key searched for everywhere the benchmarks left traces.

Its own scenario first: a job through the command line with the key in the
environment, on a simulator whose result links redirect across origins (a client
that kept the key on redirects would hand it to the video origin), an in-process
engine writing the app's log, and a crash report of an exception that carries the
key. Then every file under the run's folder (all S2V_HOMEs of every family: stores,
settings, logs, crash reports, output videos and sidecars) is searched for the key
plain, URL-encoded and base64-encoded (all three alignments), and the simulators'
logs for video-origin requests that carried a key (key_present).
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import sys
import urllib.parse
from pathlib import Path

from tests.benchmarks.common import (
    BENCH_KEY,
    DATA,
    Context,
    Family,
    family_main,
    make_engine,
    sim_key_leaks,
    start_sim,
    write_settings,
)
from tests.benchmarks.torture import cli

SCALE = 0.005


def patterns(key: str) -> dict[str, bytes]:
    """The forms a leaked key could take in a file."""
    out = {"plain": key.encode(), "url-encoded": urllib.parse.quote(key, safe="").encode()}
    for shift in range(3):
        enc = base64.b64encode(b"\0" * shift + key.encode()).decode()
        start = -(-shift * 4 // 3)  # characters touched by the padding bytes
        core = enc[start + 1 : len(enc) - 4]  # what does not depend on the neighbours
        out[f"base64 (offset {shift})"] = core.encode()
    return out


def scan(root: Path, key: str) -> tuple[int, int, dict[str, list[str]]]:
    """(files searched, bytes searched, {form: [files containing it]})."""
    forms = patterns(key)
    found: dict[str, list[str]] = {}
    files = size = 0
    overlap = max(len(p) for p in forms.values())
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        files += 1
        tail = b""
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                size += len(chunk)
                data = tail + chunk
                for name, pat in forms.items():
                    if pat in data and str(path) not in found.get(name, []):
                        found.setdefault(name, []).append(str(path))
                tail = data[-overlap:]
    return files, size, found


def scenario(ctx: Context) -> int:
    """A job by command line and one in-process with logs and a crash report."""
    from app.api.errors import SegmindError
    from app.jobs.engine import JobRequest
    from app.logs import setup_logging
    from app.ui.crash import build_report, save_report

    sim = start_sim(time_factor=SCALE, redirect_videos=True)
    try:
        folder = ctx.work / "media"
        folder.mkdir(parents=True, exist_ok=True)
        image, audio = folder / "portrait.png", folder / "voice-3s.wav"
        shutil.copy(DATA / "portrait-astronaut.png", image)
        shutil.copy(DATA / "voice-3s.wav", audio)
        home = ctx.home("cli")
        write_settings(home, sim, SCALE)
        proc = cli(home, "submit", image, audio, "--prompt", "security", "--wait", "--json")
        if proc.returncode != 0:
            raise RuntimeError(f"the command line job failed: {proc.stderr[-800:]}")
        home2 = ctx.home("engine")
        write_settings(home2, sim, SCALE)

        async def go():
            engine = make_engine(home2)
            setup_logging(engine.paths, keys=[BENCH_KEY])
            await engine.start()
            try:
                job = await engine.submit(JobRequest(str(image), str(audio), prompt="security 2"))
                await engine.wait(job.id)
                try:  # a wrong key: the error path writes to the log too
                    await engine.check_key(BENCH_KEY[:-1] + "0")
                except SegmindError:
                    pass
            finally:
                await engine.aclose()

        asyncio.run(go())
        try:
            secret = BENCH_KEY
            raise RuntimeError(f"request failed with headers {{'x-api-key': '{secret}'}}")
        except RuntimeError as exc:
            report = build_report(type(exc), exc, exc.__traceback__, keys=[BENCH_KEY])
            save_report(report, home2 / "logs")
        return sim_key_leaks(sim)
    finally:
        sim.stop()


def self_check(folder: Path) -> tuple[int, int]:
    """The scanner finds every form of the key embedded in other text: (found, planted)."""
    folder.mkdir(parents=True, exist_ok=True)
    forms = 0
    for i, prefix in enumerate((b"", b"a", b"ab")):
        wrapped = base64.b64encode(prefix + BENCH_KEY.encode() + b"tail")
        (folder / f"b64-{i}.txt").write_bytes(b"header " + wrapped + b" footer")
        forms += 1
    (folder / "url.txt").write_text("k=" + urllib.parse.quote(BENCH_KEY, safe="") + "&x=1")
    (folder / "plain.txt").write_text(f"x-api-key: {BENCH_KEY}")
    forms += 2
    _, _, found = scan(folder, BENCH_KEY)
    hit_files = {f for v in found.values() for f in v}
    return len(hit_files), forms


def run(ctx: Context) -> Family:
    fam = Family("security", "The API key: files and requests")
    found_planted, planted = self_check(ctx.work.parent.parent / "canary")
    fam.notes.append(
        f"Scanner self-check: {found_planted} of {planted} planted files found (plain, "
        "URL-encoded, base64 at three alignments inside other text), outside the searched tree."
    )
    own_leaks = scenario(ctx)
    run_root = ctx.work.parent
    files, size, found = scan(run_root, BENCH_KEY)
    hits = sum(len(v) for v in found.values())
    where = "; ".join(f"{k}: {', '.join(v[:3])}" for k, v in found.items())
    fam.add(
        f"key in files ({files:,} files, {size / 1e6:,.0f} MB searched)",
        hits,
        "files",
        "plain, URL-encoded, base64 x3",
        None,
        None,
        "0",
        hits == 0,
        where,
    )
    requests = own_leaks
    per_family = {"security": own_leaks}
    for result in (run_root.parent / "results").glob("*.json"):
        extra = json.loads(result.read_text()).get("extra", {})
        if "video_key_requests" in extra:
            per_family[result.stem] = extra["video_key_requests"]
            requests += extra["video_key_requests"]
    fam.add(
        "video-origin requests carrying a key",
        requests,
        "requests",
        "simulator logs (key_present)",
        None,
        None,
        "0",
        requests == 0,
        ", ".join(f"{k} {v}" for k, v in sorted(per_family.items())),
    )
    fam.notes.append(
        f"Searched: everything under {run_root.name}/ (every family's S2V_HOMEs: job stores, "
        "settings, logs (cli.log, s2v-studio.log), crash reports, output videos and sidecars, "
        "caches). Security's own jobs ran with result links that redirect to another origin."
    )
    return fam


if __name__ == "__main__":
    sys.exit(family_main(run, "security"))
