"""Where files live, and the settings the creator (or a test) can change.

With S2V_HOME set every file the app writes goes under it; otherwise the platform's
standard places (QStandardPaths). Settings are one JSON file, written atomically;
the API key is never in it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.jobs.naming import DEFAULT_TEMPLATE, check_template
from app.output_folder import MIN_FREE_BYTES, check_output_folder  # noqa: F401 (its old home)

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.segmind.com"
DEFAULT_UPLOAD_URL = "https://workflows-api.segmind.com/upload-asset"
DEFAULT_HISTORY_URL = "https://api.spotprod.segmind.com/inference-request/request-history"

# Segmind's published plans: requests per minute.
BUDGET_PRESETS = {"free": 5, "pro": 50}

# Published price range; per (quality, duration). Configurable in settings.
DEFAULT_PRICES = {
    "high": {"5": 1.41, "10": 2.81, "15": 4.22},
    "mid": {"5": 0.86, "10": 1.72, "15": 2.58},
}


@dataclass(frozen=True)
class Paths:
    """The folders the app writes to."""

    data: Path
    config: Path
    logs: Path
    cache: Path
    videos: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    def database(self, demo: bool = False) -> Path:
        return self.data / ("demo.sqlite3" if demo else "jobs.sqlite3")

    def requests(self, demo: bool = False) -> Path:
        """The recent keyed requests of every process here (the shared request budget)."""
        return self.data / ("demo-requests.sqlite3" if demo else "requests.sqlite3")

    def ensure(self) -> Paths:
        for p in (self.data, self.config, self.logs, self.cache):
            p.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(home: str | os.PathLike | None = None) -> Paths:
    home = home if home is not None else os.environ.get("S2V_HOME")
    if home:
        h = Path(home).expanduser().absolute()
        return Paths(h / "data", h / "config", h / "logs", h / "cache", h / "videos")
    from PySide6.QtCore import QStandardPaths

    def loc(kind, fallback: str) -> Path:
        found = QStandardPaths.writableLocation(kind)
        return Path(found) if found else Path.home() / fallback

    data = loc(QStandardPaths.StandardLocation.GenericDataLocation, ".local/share") / "s2v-studio"
    config = loc(QStandardPaths.StandardLocation.GenericConfigLocation, ".config") / "s2v-studio"
    cache = loc(QStandardPaths.StandardLocation.GenericCacheLocation, ".cache") / "s2v-studio"
    videos = loc(QStandardPaths.StandardLocation.MoviesLocation, "Videos") / "Speech2Video Studio"
    return Paths(data, config, data / "logs", cache, videos)


@dataclass
class Timings:
    """Every duration the engine waits on. Defaults fit the real service.

    `scale` multiplies all of them, so a test can run a six-minute job in seconds.
    """

    scale: float = 1.0
    typical_job_seconds: float = 330.0  # real service: 306-361 s
    poll_early_interval: float = 2.0  # rejections come back within seconds
    poll_early_window: float = 30.0
    poll_sparse_interval: float = 30.0
    poll_near_interval: float = 5.0  # when completion is likely
    poll_near_lead: float = 60.0  # start polling often this long before the typical end
    retention_seconds: float = 3600.0  # the service forgets a request after an hour
    expiry_warning_seconds: float = 3000.0  # warn at 50 min without the video
    retry_base: float = 1.0
    retry_cap: float = 60.0
    retry_deadline: float = 600.0  # give up a retried GET after this long
    request_timeout: float = 60.0
    lease_seconds: float = 15.0  # a lease not renewed this long belongs to nobody
    heartbeat_seconds: float = 5.0
    output_kept_seconds: float = 7 * 86400.0  # Segmind keeps a finished video ~7 days
    settle_window_seconds: float = 600.0  # how long a lost submit answer is looked for
    folder_recheck_seconds: float = 20.0  # how often a blocked download tries its folder

    def s(self, name: str) -> float:
        """A timing in seconds, scaled."""
        return getattr(self, name) * self.scale


@dataclass
class Settings:
    """The creator's settings (never the API key)."""

    api_base: str = DEFAULT_API_BASE
    upload_url: str = DEFAULT_UPLOAD_URL
    history_url: str | None = None  # None: Segmind's own, only with Segmind's own API base
    output_dir: str | None = None  # None: Paths.videos
    concurrency: int = 3
    budget_preset: str = "free"  # "free" | "pro" | "custom"
    budget_per_minute: int = 5
    notifications: bool = True
    spend_threshold: float = 20.0  # confirm a submit that would pass this monthly total
    keep_in_tray: bool = True
    privacy_notice_seen: bool = False
    color_scheme: str = "system"  # the window's "system" | "light" | "dark"
    name_template: str = DEFAULT_TEMPLATE  # the videos' file names (app/jobs/naming.py)
    prices: dict = field(default_factory=lambda: json.loads(json.dumps(DEFAULT_PRICES)))
    window: dict = field(default_factory=dict)  # geometry and splitter sizes (ui)
    timings: Timings = field(default_factory=Timings)

    @property
    def requests_per_minute(self) -> int:
        return BUDGET_PRESETS.get(self.budget_preset, self.budget_per_minute)

    def price(self, quality: str, duration: int) -> float | None:
        return self.prices.get(quality, {}).get(str(duration))

    def with_env(self) -> Settings:
        """Environment overrides of the contract: SEGMIND_API_BASE, SEGMIND_UPLOAD_URL,
        SEGMIND_HISTORY_URL. Segmind's own history is the default only while the API base
        is Segmind's own too; otherwise history_url stays None (no history lookup)."""
        api_base = os.environ.get("SEGMIND_API_BASE") or self.api_base
        history = os.environ.get("SEGMIND_HISTORY_URL") or self.history_url
        if not history and api_base.strip().rstrip("/") == DEFAULT_API_BASE:
            history = DEFAULT_HISTORY_URL
        return dataclasses.replace(
            self,
            api_base=api_base,
            upload_url=os.environ.get("SEGMIND_UPLOAD_URL") or self.upload_url,
            history_url=history or None,
        )

    def output_folder(self, paths: Paths) -> Path:
        return Path(self.output_dir) if self.output_dir else paths.videos

    # persistence -----------------------------------------------------------
    @classmethod
    def load(cls, paths: Paths) -> Settings:
        return cls.from_dict(read_file(paths))

    @classmethod
    def from_dict(cls, raw: dict) -> Settings:
        names = {f.name for f in dataclasses.fields(cls)} - {"timings"}
        timing_names = {f.name for f in dataclasses.fields(Timings)}
        timings = Timings(
            **{k: float(v) for k, v in (raw.get("timings") or {}).items() if k in timing_names}
        )
        kept = {k: v for k, v in raw.items() if k in names}
        if isinstance(kept.get("prices"), dict):  # a file naming a few prices keeps the others
            prices = json.loads(json.dumps(DEFAULT_PRICES))
            for quality, by in kept["prices"].items():
                if isinstance(by, dict):
                    prices.setdefault(quality, {}).update(by)
            kept["prices"] = prices
        problem = check_template(kept.get("name_template", DEFAULT_TEMPLATE))
        if problem:  # a hand-edited file never stops the app: today's names instead
            log.warning("settings: name_template %r not used: %s", kept["name_template"], problem)
            kept["name_template"] = DEFAULT_TEMPLATE
        return cls(**kept, timings=timings)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def save(self, paths: Paths) -> None:
        """Rewrite the whole file (first run, tests); a running face uses `update_file`."""
        paths.config.mkdir(parents=True, exist_ok=True)
        with _file_lock(paths):
            write_atomic(paths.settings_file, json.dumps(self.to_dict(), indent=2).encode())


# --- sharing the file between the window and the command line -------------------


def read_file(paths: Paths) -> dict:
    """The settings file's object as stored ({} when missing or unreadable)."""
    try:
        raw = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _merge(into: dict, changes: dict) -> dict:
    for name, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(name), dict):
            _merge(into[name], value)
        else:
            into[name] = value
    return into


def _nested(changes: dict) -> dict:
    """{"prices.high.5": 1.5} -> {"prices": {"high": {"5": 1.5}}} (plain keys kept)."""
    out: dict = {}
    for name, value in changes.items():
        *parents, last = str(name).split(".")
        at = out
        for part in parents:
            at = at.setdefault(part, {})
        at[last] = value
    return out


def update_file(paths: Paths, changes: dict) -> Settings:
    """Merge `changes` into the settings file key by key, under a lock, atomically, and
    return the settings now in it. Keys are the file's own (nested dicts, or dotted names
    like "timings.scale"); every key not named stays as the file has it, so the window
    saving its geometry never undoes a `settings set` made meanwhile. Setting
    budget_per_minute alone makes budget_preset "custom"."""
    nested = _nested(changes)
    if "budget_per_minute" in nested and "budget_preset" not in nested:
        nested["budget_preset"] = "custom"
    paths.config.mkdir(parents=True, exist_ok=True)
    with _file_lock(paths):
        merged = _merge(read_file(paths), json.loads(json.dumps(nested)))
        fresh = Settings.from_dict(merged)  # raises on a value that cannot be loaded
        write_atomic(paths.settings_file, json.dumps(merged, indent=2).encode())
    return fresh


def flat(raw: dict, prefix: str = "") -> dict:
    """Dotted names of every leaf value: {"timings": {"scale": 1}} -> {"timings.scale": 1}."""
    out = {}
    for name, value in raw.items():
        if isinstance(value, dict) and name != "window":
            out.update(flat(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = value
    return out


class SettingsWatcher:
    """Notices when another process (`s2v-studio settings set`) changed the settings file.

    `subscribe(fn)`: fn(settings, names) with the file's new settings and the dotted names
    that changed; `check()` looks once (from any timer), `run()` looks every `interval`
    seconds on the running asyncio loop. A write that changes no value calls nobody.
    """

    def __init__(self, paths: Paths, interval: float = 1.0) -> None:
        self.paths = paths
        self.interval = interval
        self._listeners: list[Callable[[Settings, set[str]], None]] = []
        self._stamp = self._file_stamp()
        self._values = flat(read_file(paths))

    def subscribe(self, listener: Callable[[Settings, set[str]], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _file_stamp(self):
        try:
            st = os.stat(self.paths.settings_file)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def check(self) -> set[str]:
        """The names whose value changed since the last look (listeners told)."""
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return set()
        self._stamp = stamp
        raw = read_file(self.paths)
        values = flat(raw)
        names = {
            n for n in values.keys() | self._values.keys() if values.get(n) != self._values.get(n)
        }
        self._values = values
        if names:
            fresh = Settings.from_dict(raw)
            for listener in list(self._listeners):
                listener(fresh, names)
        return names

    async def run(self) -> None:
        while True:
            import asyncio  # here: the window paints before asyncio is loaded

            await asyncio.sleep(self.interval)
            try:
                self.check()
            except Exception:
                log.exception("settings file check failed")


def apply_changes(target: Settings, fresh: Settings, names: set[str]) -> None:
    """Copy the changed settings into `target` in place (engines and windows share it;
    runners hold its Timings object)."""
    for name in names:
        top, _, rest = name.partition(".")
        if top == "timings" and rest in {f.name for f in dataclasses.fields(Timings)}:
            setattr(target.timings, rest, getattr(fresh.timings, rest))
        elif top in {f.name for f in dataclasses.fields(Settings)} and top != "timings":
            setattr(target, top, getattr(fresh, top))


@contextlib.contextmanager
def _file_lock(paths: Paths):
    """One writer of the settings file at a time, across processes: an OS lock on the
    config folder itself (no lock file beside the settings), a lock file on Windows."""
    paths.config.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        fd = os.open(paths.config / ".settings.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            yield
        finally:
            os.close(fd)
        return
    import fcntl

    fd = os.open(paths.config, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
