"""The simulator's options: command line, `/_sim/config` and their defaults."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field

DEFAULT_KEY = "SG_simulator0000demo"
HISTORY_BODIES = ("object", "repr", "json_string")

# Published price range per (quality, duration).
PRICES = {
    "high": {5: 1.41, 10: 2.81, 15: 4.22},
    "mid": {5: 0.86, 10: 1.72, 15: 2.58},
}


@dataclass
class SimOptions:
    """Everything that shapes the simulator's behaviour; all durations are unscaled seconds."""

    host: str = "127.0.0.1"
    port: int = 0
    video_port: int = 0
    time_factor: float = 1.0
    job_seconds: float = 330.0
    fail_seconds: float = 4.0
    retention_seconds: float = 3600.0
    rate_window_seconds: float = 60.0
    keys: list[str] = field(default_factory=lambda: [DEFAULT_KEY])
    credits: float = 50.0
    free_credits: float = 0.0
    spend_limit: float = 0.0
    rate_limit: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    latency: float = 0.0
    throttle_bps: int = 0
    truncate_rate: float = 0.0
    burst_429: int = 0
    redirect_videos: bool = False
    video_bytes: int = 0
    upload_shape: str = "file_urls"
    fps: int = 10
    seed: int | None = None
    exit_with_parent: bool = False
    # output files outlive the status/result retention (the CDN keeps them ~7 days)
    output_retention_seconds: float = 7 * 24 * 3600.0
    history_lag: float = 0.0  # before a new request shows in the history list
    history_get_lag: float = 0.0  # before the by-id lookup knows it
    history_dashless_ids: bool = False  # list ids as 32 hex digits
    history_body: str = "object"  # request_body as: object | repr | json_string
    history_off: int = 0  # 0: served; else every history request gets this status
    drop_after_accept: int = 0  # the next N accepted submits lose their answer
    drop_after_accept_rate: float = 0.0  # probability that an accepted submit loses it

    def scaled(self, seconds: float) -> float:
        """A duration of the real service, in this simulator's time."""
        return seconds * self.time_factor

    def updated(self, changes: dict) -> SimOptions:
        """A copy with `changes` applied; unknown names or bad values raise ValueError."""
        known = {f.name: f for f in dataclasses.fields(self)}
        values = {}
        for name, value in changes.items():
            name = name.replace("-", "_")
            if name == "key":
                name = "keys"
            if name not in known or name in ("host", "port", "video_port"):
                raise ValueError(f"unknown or fixed option: {name}")
            values[name] = _coerce(name, getattr(self, name), value)
        return dataclasses.replace(self, **values)


def _coerce(name: str, current, value):
    if name == "keys":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            raise ValueError("keys must be a list of strings")
        return list(value)
    if name == "seed":
        return None if value is None else int(value)
    if name == "upload_shape":
        if value not in ("file_urls", "urls"):
            raise ValueError("upload_shape must be 'file_urls' or 'urls'")
        return value
    if name == "history_body":
        if value not in HISTORY_BODIES:
            raise ValueError(f"history_body must be one of {', '.join(HISTORY_BODIES)}")
        return value
    if name == "history_off":
        value = int(value)
        if value and not 400 <= value <= 599:
            raise ValueError("history_off must be 0 or an HTTP error status (400-599)")
        return value
    if isinstance(current, bool):
        return bool(value)
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    return value


def parse_args(argv: list[str]) -> SimOptions:
    """Build options from `s2v-studio simulate ...` arguments."""
    d = SimOptions()
    p = argparse.ArgumentParser(prog="s2v-studio simulate", description="A Segmind simulator.")
    p.add_argument("--host", default=d.host)
    p.add_argument("--port", type=int, default=d.port)
    p.add_argument("--video-port", type=int, default=d.video_port)
    p.add_argument("--time-factor", type=float, default=d.time_factor)
    p.add_argument("--job-seconds", type=float, default=d.job_seconds)
    p.add_argument("--fail-seconds", type=float, default=d.fail_seconds)
    p.add_argument("--retention-seconds", type=float, default=d.retention_seconds)
    p.add_argument("--rate-window-seconds", type=float, default=d.rate_window_seconds)
    p.add_argument("--key", action="append", dest="keys", help="an accepted API key (repeatable)")
    p.add_argument("--credits", type=float, default=d.credits)
    p.add_argument("--free-credits", type=float, default=d.free_credits)
    p.add_argument("--spend-limit", type=float, default=d.spend_limit)
    p.add_argument("--rate-limit", type=int, default=d.rate_limit)
    p.add_argument("--error-rate", type=float, default=d.error_rate)
    p.add_argument("--drop-rate", type=float, default=d.drop_rate)
    p.add_argument("--latency", type=float, default=d.latency)
    p.add_argument("--throttle-bps", type=int, default=d.throttle_bps)
    p.add_argument("--truncate-rate", type=float, default=d.truncate_rate)
    p.add_argument("--burst-429", type=int, default=d.burst_429)
    p.add_argument("--redirect-videos", action="store_true")
    p.add_argument("--video-bytes", type=int, default=d.video_bytes)
    p.add_argument("--upload-shape", choices=["file_urls", "urls"], default=d.upload_shape)
    p.add_argument("--fps", type=int, default=d.fps)
    p.add_argument("--seed", type=int, default=None, help="seed for random faults")
    p.add_argument("--exit-with-parent", action="store_true", help="quit when the parent dies")
    p.add_argument("--output-retention-seconds", type=float, default=d.output_retention_seconds)
    p.add_argument("--history-lag", type=float, default=d.history_lag)
    p.add_argument("--history-get-lag", type=float, default=d.history_get_lag)
    p.add_argument("--history-dashless-ids", action="store_true")
    p.add_argument("--history-body", choices=HISTORY_BODIES, default=d.history_body)
    p.add_argument("--history-off", type=int, default=d.history_off, help="0 or an HTTP status")
    p.add_argument("--drop-after-accept", type=int, default=d.drop_after_accept)
    p.add_argument("--drop-after-accept-rate", type=float, default=d.drop_after_accept_rate)
    ns = p.parse_args(argv)
    values = vars(ns)
    values["keys"] = values["keys"] or [DEFAULT_KEY]
    try:
        _coerce("history_off", 0, values["history_off"])
    except ValueError as e:
        p.error(str(e))
    return SimOptions(**values)
