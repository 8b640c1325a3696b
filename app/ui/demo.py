"""The offline demo: the simulator in a child process, its own store and key, sample inputs.

Nothing real is touched: the demo engine keeps its jobs apart (Engine(demo=True)), uses
the simulator's key (never the creator's), and every result is labelled simulated.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path

from app.jobs.engine import Engine
from app.jobs.model import JobState
from app.settings import Paths, Settings, Timings
from app.ui.icons import resources_dir

log = logging.getLogger(__name__)

# 330 s of the real service in ~25 s: slow enough to watch a job move through its states.
DEMO_TIME_FACTOR = 0.075


def demo_inputs() -> tuple[Path, Path]:
    """The sample portrait and voice clip shipped in resources/demo."""
    folder = resources_dir() / "demo"
    return folder / "portrait.jpg", folder / "voice.wav"


class DemoSession:
    """Starts the simulator, builds the demo engine, stops the simulator at the end."""

    def __init__(self, settings: Settings, time_factor: float = DEMO_TIME_FACTOR) -> None:
        self.base = settings
        self.time_factor = time_factor
        self.sim = None
        self.engine: Engine | None = None

    async def start(self, paths: Paths) -> Engine:
        """Start the simulator (off the UI thread: it takes a second) and the demo engine."""
        from app.sim.process import SimulatorProcess

        self.sim = await asyncio.to_thread(SimulatorProcess.start, time_factor=self.time_factor)
        settings = dataclasses.replace(
            self.base,
            api_base=self.sim.api_base,
            upload_url=self.sim.upload_url,
            budget_preset="custom",
            budget_per_minute=0,
            spend_threshold=0.0,
            timings=Timings(scale=self.time_factor),
            window={},
        )
        key = self.sim.key
        # demo=True: the engine ignores SEGMIND_API_BASE/UPLOAD_URL, so the simulator's
        # key never follows them to another host
        self.engine = Engine(paths, settings, lambda: key, demo=True)
        self._close_stale_jobs()
        return self.engine

    def _close_stale_jobs(self) -> None:
        """Demo jobs left unfinished belonged to a simulator that has since stopped."""
        store = self.engine.store
        for job in store.unfinished():
            store.move(
                job,
                JobState.cancelled,
                "demo simulator gone",
                error_code="cancelled",
                error_message="The demo simulator that ran this job has stopped.",
            )

    @property
    def key(self) -> str | None:
        return self.sim.key if self.sim else None

    def stop(self) -> None:
        if self.sim is not None:
            self.sim.stop()
            self.sim = None


def prefill(window) -> None:
    """Put the sample portrait and voice clip in the window's slots."""
    portrait, voice = demo_inputs()
    if portrait.exists():
        window.image_slot.take(str(portrait))
    if voice.exists():
        window.audio_slot.take(str(voice))
    window.params.prompt.setPlainText(
        "A friendly presenter greets the audience and smiles between sentences."
    )
