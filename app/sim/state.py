"""The simulator's memory: jobs and their timing, credits per key, rate windows, the log."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

from app.sim.options import PRICES, SimOptions

FAIL_MESSAGE = "Audio processing failed: no speech detected"
BLOCK_MESSAGE = "Content blocked: the image was flagged by the safety filter"
QUEUED_SHARE = 0.1  # the first part of a job's time is spent queued


@dataclass
class VideoOrder:
    """An encoding the job waits for; filled in by the encoder thread."""

    key: str
    path: str | None = None
    sha256: str | None = None
    size: int = 0
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Job:
    """One accepted submit, with its timeline in monotonic seconds."""

    request_id: str
    key: str
    prompt: str
    seed: int
    duration: int
    quality: str
    price: float
    image_url: str
    audio_url: str
    submitted: float
    submitted_wall: float
    queued_until: float
    done_at: float
    expires_at: float
    outcome: str  # "ok", "fail", "block"
    body: dict = field(default_factory=dict)  # the submit's JSON as sent
    video: VideoOrder | None = None
    finished: float | None = None
    billed: bool = False
    remaining_after: float | None = None
    answered: bool = True  # False when the submit's answer was dropped after accepting

    def wall(self, monotonic: float) -> float:
        """A monotonic instant of this job as epoch seconds."""
        return self.submitted_wall + (monotonic - self.submitted)

    def status(self, now: float) -> str:
        if self.outcome != "ok":
            return "FAILED" if now >= self.done_at else "PROCESSING"
        if now < self.queued_until:
            return "QUEUED"
        if now < self.done_at:
            return "PROCESSING"
        if self.video is not None and not self.video.done.is_set():
            return "PROCESSING"
        if self.video is not None and self.video.error:
            return "FAILED"
        return "COMPLETED"

    def error(self) -> str | None:
        if self.outcome == "fail":
            return FAIL_MESSAGE
        if self.outcome == "block":
            return BLOCK_MESSAGE
        if self.video is not None and self.video.error:
            return f"Video generation failed: {self.video.error}"
        return None


@dataclass
class RateWindow:
    start: float = 0.0
    start_wall: float = 0.0
    count: int = 0


class SimState:
    """All mutable state behind one lock; every method is safe from any HTTP thread."""

    def __init__(self, options: SimOptions):
        self.initial = options
        self.lock = threading.RLock()
        self._reset(options)

    def _reset(self, options: SimOptions) -> None:
        self.options = options
        self.jobs: dict[str, Job] = {}
        self.submits: list[dict] = []
        self.log: list[dict] = []
        self.balance = {k: options.credits for k in options.keys}
        self.spent = {k: 0.0 for k in options.keys}
        self.windows: dict[str, RateWindow] = {}
        self.burst_left = options.burst_429
        self.drops_left = options.drop_after_accept
        self.seeded: list[dict] = []  # history rows added through /_sim/history

    def reset(self) -> None:
        """Forget everything and restore the start options."""
        with self.lock:
            self._reset(self.initial)

    def configure(self, changes: dict) -> SimOptions:
        """Apply option changes at once (keys and credits of new keys included)."""
        with self.lock:
            new = self.options.updated(changes)
            for k in new.keys:
                if k not in self.balance or "credits" in changes:
                    self.balance[k] = new.credits
                    self.spent.setdefault(k, 0.0)
            if "burst_429" in changes or "burst-429" in changes:
                self.burst_left = new.burst_429
            if "drop_after_accept" in changes or "drop-after-accept" in changes:
                self.drops_left = new.drop_after_accept
            if "rate_limit" in changes or "rate_window_seconds" in changes:
                self.windows.clear()
            self.options = new
            return new

    # --- keys, rate, credits -------------------------------------------------

    def key_ok(self, key: str | None) -> bool:
        with self.lock:
            return key is not None and key in self.options.keys

    def take_burst_429(self) -> bool:
        """True while the configured burst of injected 429s lasts."""
        with self.lock:
            if self.burst_left > 0:
                self.burst_left -= 1
                return True
            return False

    def rate_check(self, key: str) -> float | None:
        """Count one request; None if allowed, else the wall time the window resets."""
        with self.lock:
            limit = self.options.rate_limit
            if limit <= 0:
                return None
            now, window = time.monotonic(), self.options.scaled(self.options.rate_window_seconds)
            w = self.windows.setdefault(key, RateWindow(now, time.time()))
            if now >= w.start + window:
                w.start, w.start_wall, w.count = now, time.time(), 0
            if w.count >= limit:
                return w.start_wall + window
            w.count += 1
            return None

    def credits(self, key: str) -> tuple[float, float]:
        with self.lock:
            self.advance()
            return round(self.balance.get(key, 0.0), 2), self.options.free_credits

    def refusal_for_price(self, key: str, price: float) -> str | None:
        """The 406 message if this key cannot pay `price`, else None."""
        with self.lock:
            self.advance()
            balance = self.balance.get(key, 0.0)
            limit = self.options.spend_limit
            if limit > 0 and self.spent.get(key, 0.0) + price > limit + 1e-9:
                return (
                    f"Team spend limit reached. Limit: ${limit:.2f}, "
                    f"spent: ${self.spent.get(key, 0.0):.2f}, required: ${price:.2f}"
                )
            if balance + 1e-9 < price:
                return f"Insufficient credits. Balance: ${balance:.2f}, required: ${price:.2f}"
            return None

    # --- jobs ----------------------------------------------------------------

    def take_drop_after_accept(self) -> bool:
        """True while the configured count of lost submit answers lasts."""
        with self.lock:
            if self.drops_left > 0:
                self.drops_left -= 1
                return True
            return False

    def add_job(self, key: str, fields: dict, outcome: str, body: dict | None = None) -> Job:
        """Accept a submit: make the job and record it (`body`: the JSON as sent)."""
        with self.lock:
            o = self.options
            now = time.monotonic()
            duration, quality = fields["duration"], fields["quality"]
            if outcome == "ok":
                total = o.scaled(o.job_seconds) * (2 if "[sim:slow]" in fields["prompt"] else 1)
            else:
                total = o.scaled(o.fail_seconds)
            job = Job(
                request_id=str(uuid.uuid4()),
                key=key,
                prompt=fields["prompt"],
                seed=fields["seed"],
                duration=duration,
                quality=quality,
                price=PRICES[quality][duration],
                image_url=fields["input_image"],
                audio_url=fields["input_audio"],
                submitted=now,
                submitted_wall=time.time(),
                queued_until=now + total * QUEUED_SHARE,
                done_at=now + total,
                expires_at=now + o.scaled(o.retention_seconds),
                outcome=outcome,
                body=dict(body if body is not None else fields),
            )
            self.jobs[job.request_id] = job
            self.submits.append(
                {
                    "request_id": job.request_id,
                    "prompt": job.prompt,
                    "seed": job.seed,
                    "duration": duration,
                    "quality": quality,
                    "t": job.submitted_wall,
                    "body": job.body,
                    "key_index": o.keys.index(key) if key in o.keys else -1,
                    "answered": True,
                }
            )
            return job

    def mark_unanswered(self, request_id: str) -> None:
        """The submit was accepted but its answer will not reach the client."""
        with self.lock:
            job = self.jobs.get(request_id)
            if job is not None:
                job.answered = False
            for entry in self.submits:
                if entry["request_id"] == request_id:
                    entry["answered"] = False

    def job(self, request_id: str) -> Job | None:
        """A live job (None when unknown or past its retention time)."""
        with self.lock:
            self.advance()
            job = self.jobs.get(request_id)
            if job is None or time.monotonic() >= job.expires_at:
                return None
            return job

    def expire(self, request_id: str) -> bool:
        """Past the retention at once: status and result forget it, the history does not."""
        with self.lock:
            job = self.jobs.get(request_id)
            if job is None:
                return False
            job.expires_at = min(job.expires_at, time.monotonic())
            return True

    def output_gone(self, request_id: str) -> bool:
        """True once a job's output file is past the output retention."""
        with self.lock:
            job = self.jobs.get(request_id)
            if job is None:
                return False
            keep = self.options.scaled(self.options.output_retention_seconds)
            return time.monotonic() >= job.submitted + keep

    def advance(self) -> None:
        """Finish and bill every job whose time has come (billing happens at completion)."""
        with self.lock:
            now = time.monotonic()
            for job in self.jobs.values():
                if job.finished is not None:
                    continue
                state = job.status(now)
                if state in ("COMPLETED", "FAILED"):
                    job.finished = now
                    if state == "COMPLETED":
                        self.balance[job.key] = self.balance.get(job.key, 0.0) - job.price
                        self.spent[job.key] = self.spent.get(job.key, 0.0) + job.price
                        job.billed = True
                    job.remaining_after = round(self.balance.get(job.key, 0.0), 2)

    # --- log -----------------------------------------------------------------

    def record(self, entry: dict) -> None:
        with self.lock:
            self.log.append(entry)
            if len(self.log) > 50_000:
                del self.log[:10_000]

    def log_copy(self) -> list[dict]:
        with self.lock:
            return list(self.log)

    def submits_copy(self) -> list[dict]:
        with self.lock:
            return list(self.submits)
