"""Fault injection: one-shot faults queued through `/_sim/faults` and random ones by options."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

TARGETS = ("submit", "status", "result", "credits", "upload", "history", "video")
MODES = ("500", "502", "504", "429", "drop", "drop_after", "truncate", "respond")
RESET_STYLES = ("iso", "epoch", "none", "garbage")

GATEWAY_HTML = {
    500: "<html><head><title>500 Internal Server Error</title></head><body>"
    "<center><h1>500 Internal Server Error</h1></center></body></html>",
    502: "<html><head><title>502 Bad Gateway</title></head><body>"
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
    504: "<html><head><title>504 Gateway Time-out</title></head><body>"
    "<center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>",
}


@dataclass
class Fault:
    """One fault to apply to the next request of its target."""

    target: str
    mode: str
    reset: str = "iso"
    reset_seconds: float = 1.0  # unscaled; how far ahead an injected 429 resets
    status: int = 200
    body: str = ""
    headers: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict) -> tuple[Fault, int]:
        """Validate an admin request; returns the fault and how many times to queue it."""
        target, mode = data.get("target"), str(data.get("mode", ""))
        if target not in TARGETS:
            raise ValueError(f"target must be one of {', '.join(TARGETS)}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        reset = data.get("reset", "iso")
        if reset not in RESET_STYLES:
            raise ValueError(f"reset must be one of {', '.join(RESET_STYLES)}")
        headers = data.get("headers") or {}
        if not isinstance(headers, dict):
            raise ValueError("headers must be an object")
        fault = cls(
            target=target,
            mode=mode,
            reset=reset,
            reset_seconds=float(data.get("reset_seconds", 1.0)),
            status=int(data.get("status", 200)),
            body=str(data.get("body", "")),
            headers={str(k): str(v) for k, v in headers.items()},
        )
        return fault, max(1, int(data.get("count", 1)))


class FaultBook:
    """Queued one-shot faults per target plus the random-fault dice."""

    def __init__(self, seed: int | None = None):
        self._lock = threading.Lock()
        self._queued: dict[str, list[Fault]] = {t: [] for t in TARGETS}
        self._rng = random.Random(seed)

    def add(self, fault: Fault, count: int = 1) -> None:
        with self._lock:
            self._queued[fault.target].extend([fault] * count)

    def clear(self, seed: int | None = None) -> None:
        with self._lock:
            for queue in self._queued.values():
                queue.clear()
            self._rng = random.Random(seed)

    def pending(self) -> dict[str, int]:
        with self._lock:
            return {t: len(q) for t, q in self._queued.items() if q}

    def take(self, target: str) -> Fault | None:
        """The next queued fault for `target`, consumed."""
        with self._lock:
            queue = self._queued.get(target)
            return queue.pop(0) if queue else None

    def chance(self, probability: float) -> bool:
        """One throw of the dice (repeatable with the seed)."""
        if probability <= 0:
            return False
        with self._lock:
            return self._rng.random() < probability

    def roll(self, target: str, error_rate: float, drop_rate: float, truncate_rate: float):
        """A random fault for one request, or None (the option rates are probabilities)."""
        with self._lock:
            if target == "video":
                if truncate_rate and self._rng.random() < truncate_rate:
                    return Fault(target, "truncate")
                return None
            if drop_rate and self._rng.random() < drop_rate:
                return Fault(target, "drop")
            if error_rate and self._rng.random() < error_rate:
                return Fault(target, self._rng.choice(("500", "502", "504")))
            return None
