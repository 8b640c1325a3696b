"""`SimulatorProcess`: run the simulator as a child process and drive its admin endpoints.

Used by the tests, the window's demo mode, the self-test and the benchmarks. No Qt, no pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field

import httpx

START_TIMEOUT_S = 30.0


class SimulatorError(RuntimeError):
    """The simulator did not start or an admin call failed."""


def simulator_command(args: list[str]) -> list[str]:
    """The command line that starts `simulate` in this interpreter or this frozen app."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "simulate", *args]
    return [sys.executable, "-m", "app", "simulate", *args]


def option_args(**options) -> list[str]:
    """`time_factor=0.01, keys=[...], redirect_videos=True` -> command-line arguments."""
    args: list[str] = []
    for name, value in options.items():
        if name in ("keys", "key"):
            for key in [value] if isinstance(value, str) else value:
                args += ["--key", key]
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            if value:
                args.append(flag)
        elif value is not None:
            args += [flag, str(value)]
    return args


@dataclass
class SimulatorProcess:
    """A running simulator. `SimulatorProcess.start(time_factor=0.005)`; `stop()` when done."""

    process: subprocess.Popen
    api_base: str
    upload_url: str
    history_url: str
    video_origin: str
    admin: str
    keys: list[str]
    stderr_lines: list[str] = field(default_factory=list)
    _client: httpx.Client | None = None

    @classmethod
    def start(cls, *extra_args: str, timeout: float = START_TIMEOUT_S, env=None, **options):
        """Start `simulate` with options (as keyword arguments or raw arguments)."""
        args = [*option_args(**options), *extra_args]
        if "--exit-with-parent" not in args:
            args.append("--exit-with-parent")
        child_env = dict(os.environ if env is None else env)
        child_env.setdefault("QT_QPA_PLATFORM", "offscreen")
        proc = subprocess.Popen(
            simulator_command(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env,
        )
        lines: list[str] = []
        collector = threading.Thread(target=_collect, args=(proc.stderr, lines), daemon=True)
        collector.start()
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not first or not first[0].strip():
            _end(proc)
            collector.join(2.0)
            tail = "".join(lines[-20:])
            raise SimulatorError(f"the simulator did not start within {timeout:.0f} s\n{tail}")
        info = json.loads(first[0])
        return cls(
            process=proc,
            api_base=info["api_base"],
            upload_url=info["upload_url"],
            history_url=info["history_url"],
            video_origin=info["video_origin"],
            admin=info["admin"],
            keys=list(info["keys"]),
            stderr_lines=lines,
        )

    @property
    def key(self) -> str:
        """The first accepted key."""
        return self.keys[0]

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> int:
        """Terminate, wait, kill if needed; returns the exit code."""
        if self._client is not None:
            self._client.close()
            self._client = None
        return _end(self.process, timeout)

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- admin helpers -------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.admin, timeout=30.0)
        return self._client

    def _call(self, method: str, path: str, body: dict | None = None):
        r = self.http.request(method, path, json=body)
        if r.status_code >= 400 and not path.startswith("/jobs/"):
            raise SimulatorError(f"{method} /_sim{path} -> {r.status_code}: {r.text}")
        return r.json() if r.status_code < 400 else None

    def config(self, **options) -> dict:
        """Change options at once (`rate_limit=5, error_rate=0.2, ...`); returns all options."""
        return self._call("POST", "/config", options)

    def fault(self, target: str, mode: str, count: int = 1, **kw) -> dict:
        """Queue `count` one-shot faults (`fault("submit", "drop_after")`)."""
        return self._call("POST", "/faults", {"target": target, "mode": mode, "count": count, **kw})

    def log(self) -> list[dict]:
        return self._call("GET", "/log")

    def submits(self) -> list[dict]:
        return self._call("GET", "/submits")

    def job(self, request_id: str) -> dict | None:
        """The simulator's internal view of a job (None if unknown)."""
        return self._call("GET", f"/jobs/{request_id}")

    def options(self) -> dict:
        return self._call("GET", "/options")

    def stats(self) -> dict:
        """Encode timings, `accepted_submits`, `submits_by_body`, `keyed_by_host`/`_target`."""
        return self._call("GET", "/stats")

    def seed_history(self, **row) -> list[str]:
        """Add history rows (`days_ago=40, status="FAILED", count=250, ...`); their ids."""
        return self._call("POST", "/history", row)["request_ids"]

    def reset(self) -> None:
        self._call("POST", "/reset")

    def expire(self, request_id: str) -> bool:
        r = self.http.post(f"/expire/{request_id}")
        return r.status_code == 200


def _collect(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)
        if len(lines) > 500:
            del lines[:100]


def _end(proc: subprocess.Popen, timeout: float = 10.0) -> int:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    for stream in (proc.stdout,):
        if stream:
            stream.close()
    return proc.returncode
