"""Where a job's video goes: the output folder, and a file name chosen once.

A part's clip waits in the cache for its long video's join. Any other video is named
by app/jobs/naming.py (the CSV's `name`, else the job's template, else the setting's),
given a counter when the path is taken (a file, its `.part`, or another job's stored
path), and kept: the chosen path is stored with the job before its download starts.
Mixed into Engine.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from app.api.errors import ErrorKind, SegmindError
from app.jobs import naming
from app.jobs.model import Job
from app.jobs.sidecar import sidecar_path
from app.jobs.store import JobStore
from app.settings import Paths, Settings, check_output_folder


class OutputFiles:
    store: JobStore
    settings: Settings
    paths: Paths
    demo: bool
    _tasks: dict[str, asyncio.Task]
    if TYPE_CHECKING:

        def drive(self, job_id: str, until_accepted: bool = False, delay: float = 0.0,
                  leased: bool = False) -> asyncio.Task | None: ...  # fmt: skip

    def output_folder(self) -> Path:
        """Where videos go unless a job names its own folder."""
        base = self.settings.output_folder(self.paths)
        return base / "Demo (simulated)" if self.demo else base

    def output_path(self, job: Job) -> Path:
        if job.parent_id:  # a part's clip waits in the cache for the join (per attempt)
            name = f"part{(job.part_index or 0) + 1}-{job.id}-{job.attempt}.mp4"
            return self.paths.cache / "parts" / job.parent_id / name
        if job.save_as:  # chosen before its download started: a resumed one keeps it
            return Path(job.save_as)
        base = Path(job.output_dir) if job.output_dir else self.output_folder()
        return naming.choose_path(base, self._stem(job), lambda p: self._path_taken(p, job))

    def _stem(self, job: Job) -> str:
        if job.output_name:
            return naming.safe_stem(job.output_name.removesuffix(".mp4").removesuffix(".MP4"))
        batch = self.store.batch(job.batch_id) if job.batch_id else None
        template = job.name_template or self.settings.name_template
        return naming.render(template, job, batch.name if batch else None, now=job.created_at)

    def _path_taken(self, path: Path, job: Job) -> bool:
        part = path.with_name(path.name + ".part")
        return path.exists() or part.exists() or self.store.path_taken(path, job.id)

    def _folder_ok(self, job: Job) -> bool:
        return check_output_folder(self.output_path(job).parent) is None

    def _delete_files(self, job: Job) -> None:
        doomed = []
        if job.output_path:
            doomed += [Path(job.output_path), sidecar_path(Path(job.output_path))]
        # the prepared audio may be the creator's own WAV: only our converted copies go
        for made in [job, *self.store.parts(job.id)]:
            if made.prepared_audio and Path(made.prepared_audio).is_relative_to(self.paths.cache):
                doomed.append(Path(made.prepared_audio))
        for f in doomed:
            with contextlib.suppress(FileNotFoundError):
                f.unlink()

    def resume_blocked(self, output_dir: str | None = None) -> list[Job]:
        """Try blocked downloads again now: after the output folder setting changed (the
        window), or into `output_dir` (the command line). A job whose own folder is
        still unusable follows the setting from now on."""
        resumed = []
        lease = self.settings.timings.lease_seconds
        for job in self.store.unfinished():
            if not job.blocked or job.id in self._tasks or not self.store.acquire(job.id, lease):
                continue
            own = job.output_dir
            if output_dir is not None or (own and check_output_folder(own) is not None):
                job.output_dir = output_dir
            folder = Path(job.output_dir) if job.output_dir else self.output_folder()
            if job.save_as and Path(job.save_as).parent != folder:
                job.save_as = None  # a name in the folder that failed: choose again
            self.store.save(job, "output folder changed")
            if self.drive(job.id, leased=True) is not None:
                resumed.append(job)
        return resumed

    async def check_folder(self, job: Job) -> None:
        """invalid_input when the job's output folder cannot take its video."""
        folder = Path(job.output_dir) if job.output_dir else self.output_folder()
        problem = await asyncio.to_thread(check_output_folder, folder)
        if problem:
            raise SegmindError(
                ErrorKind.invalid_input,
                problem,
                next_step="Choose another output folder in Settings.",
                cli_step="Give another folder with --output-dir (or change it in Settings).",
                action="choose_folder",
            )
