"""Shared pieces of the benchmark families: results, simulators, homes, memory and CPU meters.

Every family is a module with `run(ctx) -> Family`; `python -m tests.benchmarks.<name>`
runs one family in its own process and writes its JSON (see run.py). Figures are
medians of repeated runs, each beside the reference measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
# A key in Segmind's format (SG_ + hex). Searched for in every file and request afterwards.
BENCH_KEY = "SG_b3c4f9a17d2e6058"


@dataclass
class Row:
    """One figure beside its reference, with the target and whether it was met."""

    measure: str
    value: float | int | str | None
    unit: str = ""
    reference: str = ""
    ref_value: float | int | str | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Family:
    """The results of one benchmark family."""

    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    extra: dict = field(default_factory=dict)

    def add(self, *args, **kw) -> Row:
        row = Row(*args, **kw)
        self.rows.append(row)
        return row

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict) -> Family:
        rows = [Row(**r) for r in raw.pop("rows", [])]
        return cls(rows=rows, **raw)


@dataclass
class Context:
    """What a family gets from the runner: where to write, how thorough to be."""

    work: Path  # this family's folder (homes, media, outputs) under the run's folder
    quick: bool = False

    def home(self, name: str) -> Path:
        """A fresh S2V_HOME under this family's folder."""
        path = self.work / "homes" / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)
        return path


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def pct(values, q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def ratio(a, b) -> float | None:
    try:
        return a / b if b else None
    except TypeError:
        return None


# --- the simulator and the app's settings ----------------------------------------


def start_sim(**options):
    """A simulator in its own process, with the benchmark key."""
    from app.sim.process import SimulatorProcess

    options.setdefault("keys", [BENCH_KEY])
    options.setdefault("credits", 1_000_000.0)  # hundreds of jobs per run
    return SimulatorProcess.start(**options)


def write_settings(home: Path, sim, scale: float, **extra) -> Path:
    """config/settings.json pointing at the simulator, timings scaled like the simulator."""
    timings = {"scale": scale, **extra.pop("timings", {})}
    settings = {
        "api_base": sim.api_base,
        "upload_url": sim.upload_url,
        "history_url": sim.history_url,  # lost answers settle from it, as on Segmind
        "budget_preset": "custom",
        "budget_per_minute": 0,
        "privacy_notice_seen": True,
        "output_dir": str(home / "videos"),
        "timings": timings,
        **extra,
    }
    path = home / "config" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings))
    return path


def child_env(home: Path | None = None, key: str | None = BENCH_KEY, **extra) -> dict:
    """An environment for an app process: offscreen, its own S2V_HOME, the benchmark key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMIND_", "S2V_"))}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT)
    if home is not None:
        env["S2V_HOME"] = str(home)
    if key:
        env["SEGMIND_API_KEY"] = key
    env.update({k: str(v) for k, v in extra.items()})
    return env


def make_engine(home: Path, key: str = BENCH_KEY, **changes):
    """A real Engine on `home` (settings from its settings.json, `changes` applied)."""
    from app.jobs.engine import Engine
    from app.settings import Settings, app_paths

    paths = app_paths(home)
    settings = Settings.load(paths)
    for k, v in changes.items():
        setattr(settings, k, v)
    return Engine(paths, settings, lambda: key)


# --- meters ----------------------------------------------------------------------


def rss_bytes() -> int:
    """This process's resident set size now (VmRSS)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class RssPeak:
    """Samples VmRSS every 5 ms in a thread; `growth` is peak minus the level at start."""

    def __init__(self, every: float = 0.005) -> None:
        self.every = every
        self.base = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            self._stop.wait(self.every)

    def __enter__(self) -> RssPeak:
        self.base = self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.base


def cpu_seconds_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


@contextlib.contextmanager
def timed():
    """`with timed() as t: ...` then t() is the elapsed wall time."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def sim_key_leaks(sim) -> int:
    """Requests the video origin received that carried a key (simulator log)."""
    return sum(1 for e in sim.log() if e.get("origin") == "video" and e.get("key_present"))


# --- one family per process ---------------------------------------------------------


def family_main(run, name: str) -> int:
    """`python -m tests.benchmarks.<name> --work DIR --json FILE [--quick]`."""
    p = argparse.ArgumentParser(prog=f"tests.benchmarks.{name}")
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--json", type=Path, required=True)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args.work.mkdir(parents=True, exist_ok=True)
    ctx = Context(args.work, args.quick)
    started = time.monotonic()
    try:
        family = run(ctx)
    except Exception:  # noqa: BLE001 - a broken family is reported, not fatal to the run
        family = Family(name, name, error=traceback.format_exc())
    family.seconds = round(time.monotonic() - started, 1)
    args.json.write_text(json.dumps(family.to_json(), indent=2, default=str))
    print(f"{name}: done in {family.seconds:.0f} s", file=sys.stderr)
    return 0
