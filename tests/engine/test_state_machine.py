"""Hypothesis drives the engine against the simulator with random events.

Events: submit, let time pass, crash (the engine is abandoned mid-flight, as after
kill -9, and a new one resumes the store), injected faults, cancel, retry.
Invariants are written from what the creator must be able to rely on, not from the
transition table: no job is lost, never more accepted submits than attempts, and a
completed job has a file identical to what the service served.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.api.errors import SegmindError
from app.jobs.engine import Engine, JobRequest
from app.jobs.model import FINISHED, JobState
from app.settings import Settings, app_paths
from tests.engine.conftest import DATA, write_settings

FAULTS = [
    ("submit", "drop_after"),
    ("submit", "502"),
    ("status", "500"),
    ("result", "drop"),
    ("upload", "504"),
    ("video", "truncate"),
    ("status", "429"),
]


class EngineMachine(RuleBasedStateMachine):
    sim = None  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.sim.reset()
        self.home = Path(tempfile.mkdtemp(prefix="s2v-sm-"))
        write_settings(self.home, self.sim)
        self.media = self.home / "in"
        self.media.mkdir()
        for name in ("portrait-astronaut.png", "voice-3s.wav"):
            shutil.copy(DATA / name, self.media / name)
        self.created: list[str] = []
        self.prompts: dict[str, str] = {}
        self.abandoned: list[asyncio.AbstractEventLoop] = []
        self._new_engine()

    def _new_engine(self) -> None:
        self.loop = asyncio.new_event_loop()
        paths = app_paths(self.home)
        self.engine = Engine(paths, Settings.load(paths), lambda: self.sim.key)
        self.loop.run_until_complete(self.engine.start(resume=True))

    def _run(self, seconds: float) -> None:
        self.loop.run_until_complete(asyncio.sleep(seconds))

    @rule(seed=st.integers(1, 1_000_000), marker=st.sampled_from(["", "", "", " [sim:fail]"]))
    def submit(self, seed, marker):
        prompt = f"machine job {len(self.created)}{marker}"
        req = JobRequest(
            image=str(self.media / "portrait-astronaut.png"),
            audio=str(self.media / "voice-3s.wav"),
            prompt=prompt,
            seed=seed,
        )
        try:
            job = self.loop.run_until_complete(self.engine.submit(req, force=True))
        except SegmindError as err:  # only local refusals may come out of submit
            raise AssertionError(f"submit refused a good input: {err}") from err
        self.created.append(job.id)
        self.prompts[job.id] = prompt

    @rule(seconds=st.sampled_from([0.05, 0.2, 0.6]))
    def time_passes(self, seconds):
        self._run(seconds)

    @rule()
    def crash(self):
        """The process dies: its loop never runs again; a new engine resumes the store."""
        self.abandoned.append(self.loop)
        store = self.engine.store
        store._db.execute("UPDATE jobs SET lease_until=0")  # the dead owner's leases lapse
        self._new_engine()

    @rule(fault=st.sampled_from(FAULTS))
    def inject(self, fault):
        self.sim.fault(*fault)

    @precondition(lambda self: self.created)
    @rule(data=st.data())
    def cancel(self, data):
        job_id = data.draw(st.sampled_from(self.created))
        self.engine.cancel(job_id)

    @precondition(lambda self: self.created)
    @rule(data=st.data())
    def retry(self, data):
        job_id = data.draw(st.sampled_from(self.created))
        job = self.engine.get(job_id)
        if job.state in (
            JobState.failed,
            JobState.expired,
            JobState.interrupted,
            JobState.cancelled,
        ):
            self.engine.retry(job_id)

    # invariants --------------------------------------------------------------
    @invariant()
    def nothing_is_lost(self):
        stored = {j.id for j in self.engine.store.all()}
        assert set(self.created) <= stored

    @invariant()
    def never_more_accepted_submits_than_attempts(self):
        accepted = Counter(s["prompt"] for s in self.sim.submits())
        for job in self.engine.store.all():
            assert accepted[job.prompt] <= job.attempt, (job.id, job.state, accepted[job.prompt])

    @invariant()
    def completed_jobs_have_the_served_file(self):
        for job in self.engine.store.all([JobState.completed]):
            served = self.sim.job(job.request_id)
            assert Path(job.output_path).exists()
            assert (
                hashlib.sha256(Path(job.output_path).read_bytes()).hexdigest() == served["sha256"]
            )

    def teardown(self):
        try:
            # let every job reach an end, then check the invariants once more
            for _ in range(100):
                if all(j.state in FINISHED for j in self.engine.store.all()):
                    break
                self._run(0.1)
            self.nothing_is_lost()
            self.never_more_accepted_submits_than_attempts()
            self.completed_jobs_have_the_served_file()
            unfinished = [j for j in self.engine.store.all() if j.state not in FINISHED]
            assert not unfinished, [(j.id, j.state) for j in unfinished]
        finally:
            self.loop.run_until_complete(self.engine.aclose())
            self.loop.close()
            for loop in self.abandoned:
                for task in asyncio.all_tasks(loop):
                    task.cancel()
                loop.close()
            shutil.rmtree(self.home, ignore_errors=True)


@pytest.mark.slow
def test_engine_state_machine(sim):
    from hypothesis.stateful import run_state_machine_as_test

    EngineMachine.sim = sim
    run_state_machine_as_test(
        EngineMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=14,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
