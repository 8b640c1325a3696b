"""The last stage of a job: download the finished video into the output folder.

One process at a time downloads a job's video (an OS lock per job, kept even by a
stopped process). A download that fails for the network is retried with backoff
until Segmind is expected to delete the file, with one warning per outage. A folder
that cannot be written blocks the job instead: one visible error, the output URL
kept, and the job waits (state unchanged) until the folder is fixed or changed.
"""

from __future__ import annotations

import asyncio
import logging
import time

from app.api.errors import ErrorKind, SegmindError
from app.jobs import media
from app.jobs.context import Stop, exclusive
from app.jobs.crashpoints import crash_point
from app.jobs.events import JobError, JobProgress, JobWaiting, JobWarning
from app.jobs.model import JobState
from app.jobs.settle import history_cost, output_from_history
from app.jobs.sidecar import write_sidecar
from app.settings import check_output_folder

log = logging.getLogger(__name__)


def _day(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "it expires"


def folder_error(folder, problem: str, until: float | None) -> SegmindError:
    """The error of a job whose video cannot be saved in `folder`."""
    name = str(folder)
    problem = (
        problem.replace(f"The folder {name}", "it").replace(f"The disk of {name}", "its disk")
    ).replace(name, "it")
    stays = f"the video stays on Segmind until {_day(until)}."
    return SegmindError(
        ErrorKind.output_folder,
        f"Could not save the video to {folder}: {problem}",
        next_step=f"Choose another folder in Settings; {stays}",
        cli_step="Fix the folder, or run 's2v-studio resume --wait --output-dir FOLDER'; " + stays,
        action="choose_folder",
    )


async def save_video(runner) -> None:
    """Download the job's video, write its sidecar, complete the job."""
    ctx, job, t = runner.ctx, runner.job, runner.t
    dest = ctx.output_path(job)
    problem = await asyncio.to_thread(check_output_folder, dest.parent)
    if problem:
        _block(runner, dest.parent, problem)
        return
    if not job.parent_id and job.save_as != str(dest):
        job.save_as = str(dest)  # stored before the download: a resumed one keeps its name
        runner.save(f"saving as {dest.name}")
    last = [0.0]

    def progress(done, total=None):
        if runner.stopping:
            raise Stop  # ends this download at once
        if done and time.monotonic() - last[0] > 0.1:
            last[0] = time.monotonic()
            if time.monotonic() - ctx.lease_confirmed() > t.lease_seconds / 2:
                runner.refresh()  # the lease may have lapsed while this process was stopped
            runner.emit(JobProgress(job.id, "download", done, total))
            crash_point("mid-download")

    def other_downloads() -> None:
        runner.emit(JobWaiting(job.id, "other_process", None))
        log.info("job %s: another process is still saving this video; waiting", job.id)

    lock = ctx.locks_dir / f"{job.id}.lock"
    async with exclusive(lock, runner.sleep, other_downloads):
        attempt, warned, asked_history = 0, False, False
        while True:
            runner.refresh()
            try:
                await runner.unless_stopped(
                    ctx.downloader().download(runner.job.output_url, dest, progress=progress)
                )
                break
            except OSError as err:
                _block(runner, dest.parent, f"{err.strerror or err}.")
                return
            except SegmindError as err:
                until = runner.job.output_until
                if err.kind in (
                    ErrorKind.expired,
                    ErrorKind.not_found,
                    ErrorKind.not_permitted,
                ) or (until and time.time() > until):
                    if not asked_history:  # the history's generation_url outlives the hour
                        asked_history = True
                        found = await output_from_history(runner, runner.job.output_url)
                        if found == "downloading":
                            continue
                        if found == "failed":
                            return
                    runner.fail(
                        SegmindError(
                            ErrorKind.expired,
                            "The finished video is no longer available at its URL.",
                        ),
                        JobState.expired,
                    )
                    return
                if not warned:  # one warning per outage, not an error per retry
                    warned = True
                    log.warning("job %s: download failed: %s", job.id, err.message)
                    runner.emit(
                        JobWarning(
                            job.id,
                            f"{err.message} Retrying until the video is saved "
                            f"(Segmind keeps it until {_day(until)}).",
                        )
                    )
                await runner.sleep(min(t.s("retry_cap"), t.s("retry_base") * 2 ** min(attempt, 16)))
                attempt += 1
        if runner.job.cost is None:  # the result said no cost: the history's figure
            try:
                runner.job.cost = await history_cost(ctx, runner.job)
            except SegmindError as err:
                log.info("job %s: no cost from the history: %s", job.id, err.message)
        digest = await asyncio.to_thread(media.file_sha256, dest)
        runner.job.output_path, runner.job.output_hash = str(dest), digest
        batch = ctx.store.batch(job.batch_id) if job.batch_id else None
        await asyncio.to_thread(write_sidecar, runner.job, dest, None, batch)
        runner.move(
            JobState.completed,
            "video saved",
            output_path=str(dest),
            output_hash=digest,
            error_code=None,
            error_message=None,
        )
    lock.unlink(missing_ok=True)


def _block(runner, folder, problem: str) -> None:
    job = runner.job
    err = folder_error(folder, problem, job.output_until)
    first = not job.blocked
    job.error_code, job.error_message = err.kind.value, str(err)
    runner.save("output folder unusable")
    if first:  # once per block, however often the folder is checked again
        log.warning("job %s: %s", job.id, err.message)
        runner.emit(JobError(job.id, err))
