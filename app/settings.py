"""Where files live, and the settings the creator (or a test) can change.

With S2V_HOME set every file the app writes goes under it; otherwise the platform's
standard places (QStandardPaths). Settings are one JSON file, written atomically;
the API key is never in it.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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

    def ensure(self) -> Paths:
        for p in (self.data, self.config, self.logs, self.cache):
            p.mkdir(parents=True, exist_ok=True)
        return self


def app_paths(home: str | os.PathLike | None = None) -> Paths:
    home = home if home is not None else os.environ.get("S2V_HOME")
    if home:
        h = Path(home).expanduser().absolute()
        return Paths(h / "data", h / "config", h / "logs", h / "cache", h / "videos")
    from PySide6.QtCore import QStandardPaths as SP

    def loc(kind, fallback: str) -> Path:
        found = SP.writableLocation(kind)
        return Path(found) if found else Path.home() / fallback

    data = loc(SP.StandardLocation.GenericDataLocation, ".local/share") / "s2v-studio"
    config = loc(SP.StandardLocation.GenericConfigLocation, ".config") / "s2v-studio"
    cache = loc(SP.StandardLocation.GenericCacheLocation, ".cache") / "s2v-studio"
    videos = loc(SP.StandardLocation.MoviesLocation, "Videos") / "Speech2Video Studio"
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
        try:
            raw = json.loads(paths.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        return cls.from_dict(raw if isinstance(raw, dict) else {})

    @classmethod
    def from_dict(cls, raw: dict) -> Settings:
        names = {f.name for f in dataclasses.fields(cls)} - {"timings"}
        timing_names = {f.name for f in dataclasses.fields(Timings)}
        timings = Timings(
            **{k: float(v) for k, v in (raw.get("timings") or {}).items() if k in timing_names}
        )
        return cls(**{k: v for k, v in raw.items() if k in names}, timings=timings)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def save(self, paths: Paths) -> None:
        paths.config.mkdir(parents=True, exist_ok=True)
        write_atomic(paths.settings_file, json.dumps(self.to_dict(), indent=2).encode())


MIN_FREE_BYTES = 50_000_000  # a 15 s video is a few MB; less than this is a full disk


def check_output_folder(path: str | os.PathLike) -> str | None:
    """Why videos cannot be saved in `path` (missing and not creatable, not a folder,
    read-only, full disk), or None when they can. Writes and removes a probe file, and
    removes any folder it had to create to prove it can be."""
    folder = Path(path).expanduser().absolute()
    missing = []
    top = folder
    while not top.exists() and top != top.parent:
        missing.append(top)
        top = top.parent
    if not top.is_dir():
        return f"{top} is not a folder."
    made: list[Path] = []
    try:
        for p in reversed(missing):
            try:
                p.mkdir()
            except OSError as err:
                return f"The folder {folder} cannot be created ({_reason(err)})."
            made.append(p)
        try:
            fd, probe = tempfile.mkstemp(dir=folder, prefix=".s2v-write-check-")
            try:
                os.write(fd, b"s2v")
                os.fsync(fd)
            finally:
                os.close(fd)
                os.unlink(probe)
            free = shutil.disk_usage(folder).free
        except OSError as err:
            return f"The folder {folder} cannot be written to ({_reason(err)})."
    finally:
        for p in reversed(made):
            try:
                p.rmdir()
            except OSError:
                pass
    if free < MIN_FREE_BYTES:
        return f"The disk of {folder} is full ({free / 1e6:.1f} MB free)."
    return None


def _reason(err: OSError) -> str:
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    if err.errno == errno.EROFS:
        return "the disk is read-only"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return (err.strerror or str(err)).lower()


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
