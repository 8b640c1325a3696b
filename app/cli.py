"""The headless command line, over the same engine and store as the window.

`--json` prints JSON on stdout only; progress and messages go to stderr. It never
prompts. Exit codes: see app/api/errors.py (the command-line contract).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from app import __version__, cli_account, cli_batch
from app.api.errors import (
    EXIT_CTRL_C,
    EXIT_INTERNAL,
    EXIT_OK,
    ErrorKind,
    SegmindError,
    exit_code_for,
)
from app.jobs.engine import Engine, JobRequest
from app.jobs.events import JobChanged, JobError, JobProgress, JobWaiting, JobWarning
from app.jobs.long_video import describe_plan
from app.jobs.model import DEFAULT_PROMPT, DURATIONS, FINISHED, QUALITIES, Job, JobState
from app.logs import setup_logging
from app.secrets import KeyStore
from app.settings import Settings, app_paths


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="s2v-studio",
        description="Speech2Video Studio: lip-synced talking videos via Segmind. "
        "With no command, opens the window.",
    )
    p.add_argument("--version", action="version", version=f"s2v-studio {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, wait=True, spends=False):
        sp.add_argument("--json", action="store_true", help="JSON on stdout, messages on stderr")
        if wait:
            sp.add_argument("--wait", action="store_true", help="wait for the video")
        if spends:
            sp.add_argument(
                "--yes", action="store_true", help="go past the monthly spend threshold"
            )

    s = sub.add_parser("submit", help="submit a portrait and a voice clip")
    s.add_argument("image", help="portrait: local path or https URL")
    s.add_argument("audio", help="voice clip: local path or https URL (WAV, MP3, M4A, OGG, FLAC)")
    s.add_argument("--prompt", default=DEFAULT_PROMPT)
    s.add_argument("--duration", type=int, choices=DURATIONS)
    s.add_argument("--quality", choices=QUALITIES, default="high")
    s.add_argument("--seed", type=int)
    s.add_argument("--enhance-prompt", action="store_true")
    s.add_argument("--output-dir")
    s.add_argument("--trim", action="store_true", help="cut audio longer than the duration")
    s.add_argument(
        "--trim-start",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="with --trim: where in the clip the video's audio starts",
    )
    s.add_argument("--force", action="store_true", help="submit even if identical to a done job")
    s.add_argument(
        "--split",
        action="store_true",
        help="audio over 15 s (up to 10 min) becomes one long video made of parts",
    )
    s.add_argument(
        "--max-cost",
        type=float,
        metavar="USD",
        help="refuse (nothing sent) if the estimated cost is above this",
    )
    s.add_argument(
        "--name-template", metavar="T", help="the video's file name, e.g. '{image}-{seed}'"
    )
    common(s, spends=True)

    common(sub.add_parser("jobs", help="list jobs"), wait=False)
    w = sub.add_parser("wait", help="wait for a job (local id or request id)")
    w.add_argument("job")
    common(w, wait=False)
    res = sub.add_parser("resume", help="pick up every unfinished job")
    res.add_argument("--output-dir", help="save videos blocked on an unusable folder here")
    common(res)
    r = sub.add_parser("retry", help="submit a failed, expired, interrupted or cancelled job again")
    r.add_argument("job")
    common(r, spends=True)
    rr = sub.add_parser("rerun", help="a new job from an old one, with another seed")
    rr.add_argument("job")
    rr.add_argument("--seed", type=int)
    rr.add_argument("--force", action="store_true")
    common(rr, spends=True)
    c = sub.add_parser("cancel", help="stop a job (a submitted one may still be billed)")
    c.add_argument("job")
    common(c, wait=False)
    cli_batch.add_command(sub, common)
    cli_account.add_commands(sub, common)
    return p


def say(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def job_exit_code(job: Job, waited: bool) -> int:
    if job.state == JobState.completed:
        return EXIT_OK
    if job.blocked:
        return exit_code_for(ErrorKind.output_folder)
    if job.state not in FINISHED:
        return EXIT_OK if (job.request_id or not waited) else EXIT_INTERNAL
    return exit_code_for(job.error_code or ErrorKind.job_failed)


class Progress:
    """Prints engine events on stderr, one line per change."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine
        self.names: dict[str, str] = {}
        self.states: dict[str, str] = {}
        self.marks: dict[str, int] = {}
        self.waits: set[tuple[str, str]] = set()

    def __call__(self, event) -> None:
        if isinstance(event, JobChanged):
            job = event.job
            if self.states.get(job.id) != job.state.value:
                self.states[job.id] = job.state.value
                extra = f" (request {job.request_id})" if job.request_id else ""
                say(f"{self.name(job.id)}: {job.state.value}{extra}")
        elif isinstance(event, JobProgress) and event.total:
            pct = int(100 * event.done / event.total) // 25 * 25
            key = f"{event.job_id}:{event.phase}"
            if pct > self.marks.get(key, -1):
                self.marks[key] = pct
                say(f"{self.name(event.job_id)}: {event.phase} {pct}%")
        elif isinstance(event, JobWaiting) and (event.job_id, event.reason) not in self.waits:
            self.waits.add((event.job_id, event.reason))
            say(f"{self.name(event.job_id)}: waiting ({_WAITS.get(event.reason, event.reason)})")
        elif isinstance(event, JobWarning):
            say(f"warning: {event.message}")
        elif isinstance(event, JobError):
            who = self.name(event.job_id) if event.job_id else "account"
            say(f"{who}: {event.error.for_cli()}")

    def name(self, job_id: str) -> str:
        """How a job is named on stderr: a long video's part as "job PARENT part N"."""
        if job_id not in self.names:
            job = self.engine.store.get(job_id) if self.engine is not None else None
            if job is not None and job.parent_id is not None:
                self.names[job_id] = f"job {job.parent_id} part {(job.part_index or 0) + 1}"
            else:
                self.names[job_id] = f"job {job_id}"
        return self.names[job_id]


_WAITS = {
    "job_slot": "other jobs first: the concurrency setting",
    "request_slot": "the plan's requests per minute",
    "other_process": "another process is still saving its video",
    "segmind_history": "checking with Segmind: the submit's answer was lost",
    "account": "another job of the batch met an account problem; fix it, then resume",
}


def _emit(args, jobs: list[Job], single: bool, engine: Engine) -> None:
    if args.json:
        data = [engine.contract(j) for j in jobs]
        print(json.dumps(data[0] if single else data), flush=True)
        return
    for job in jobs:
        line = f"{job.id}  {job.state.value:<12} {job.duration}s {job.quality} seed {job.seed}"
        if job.output_path:
            line += f"  {job.output_path}"
        elif job.error_message:
            line += f"  {job.error_message}"
        print(line, flush=True)


def _engine() -> Engine:
    paths = app_paths().ensure()
    setup_logging(paths, "cli.log")
    return Engine(paths, Settings.load(paths), KeyStore().key)


def _accepted_note(job: Job) -> None:
    if job.blocked:
        say(
            f"Job {job.id} is finished at Segmind but its video could not be saved in its "
            "output folder. Fix the folder, or run "
            "'s2v-studio resume --wait --output-dir FOLDER'."
        )
    elif job.request_id and not job.state.finished:
        say(
            f"Job {job.id} was accepted (request {job.request_id}). The window or "
            "'s2v-studio resume --wait' will fetch the video; Segmind keeps it for one hour."
        )


async def _run(args) -> int:
    engine = _engine()
    engine.events.subscribe(Progress(engine))
    try:
        return await _command(engine, args)
    finally:
        await engine.aclose()


async def _command(engine: Engine, args) -> int:
    cmd = args.command
    if cmd == "jobs":
        _emit(args, engine.jobs(), single=False, engine=engine)
        return EXIT_OK
    if cmd == "cancel":
        job = engine.cancel(args.job)
        if job.requested:
            say(f"Job {job.id} is driven by another process; asked it to cancel...")
            job = await engine.settle(job.id, engine.settings.timings.lease_seconds + 10) or job
        if job.requested:
            say(f"Job {job.id}: the cancel is recorded; the process driving it will carry it out.")
        else:
            say(job.error_message or f"Job {job.id} is {job.state.value}.")
        _emit(args, [engine.store.fetch(job.id)], single=True, engine=engine)
        return EXIT_OK
    if cmd == "batch":
        return await cli_batch.run(engine, args, say, job_exit_code)
    await engine.start(resume=False)
    if cmd == "resume":
        if args.output_dir:
            engine.resume_blocked(str(Path(args.output_dir).absolute()))
        ids = [j.id for j in engine.store.unfinished()]
        # together, under the concurrency setting (the engine's job slots)
        jobs = await asyncio.gather(*(engine.wait(i, until_accepted=not args.wait) for i in ids))
        for job in jobs:
            _accepted_note(job)
        _emit(args, jobs, single=False, engine=engine)
        return max([job_exit_code(j, args.wait) for j in jobs], default=EXIT_OK)
    if cmd == "submit":
        problem = cli_batch.template_problem(args.name_template)
        if problem is not None:
            raise problem
        req = JobRequest(
            image=args.image,
            audio=args.audio,
            prompt=args.prompt,
            duration=args.duration,
            quality=args.quality,
            seed=args.seed,
            enhance_prompt=args.enhance_prompt,
            trim=args.trim,
            trim_start=args.trim_start,
            output_dir=args.output_dir,
            split=args.split,
            name_template=args.name_template,
        )
        job = await engine.submit(
            req,
            force=args.force,
            drive=False,
            guard_spend=not args.yes,
            max_cost=args.max_cost,
            on_plan=lambda plan: say(describe_plan(plan)),
        )
    elif cmd == "retry":
        job = engine.retry(args.job, guard_spend=not args.yes)
        if job.requested:  # another process holds it: it carries the retry out
            job = await engine.settle(job.id, engine.settings.timings.lease_seconds + 10) or job
    elif cmd == "rerun":
        job = engine.rerun(args.job, seed=args.seed, force=args.force, guard_spend=not args.yes)
    else:  # wait
        job = engine.lookup(args.job)
    waiting = cmd == "wait" or args.wait
    job = await engine.wait(job.id, until_accepted=not waiting)
    if not waiting or job.blocked:
        _accepted_note(job)
    elif job.state == JobState.completed:
        say(f"Saved {job.output_path}")
    _emit(args, [job], single=True, engine=engine)
    return job_exit_code(job, waiting)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "trim_start", 0.0) and not args.trim:
        parser.error("--trim-start needs --trim")
    if getattr(args, "split", False) and (args.trim or args.duration is not None):
        parser.error("--split takes the whole clip: leave out --duration and --trim")
    try:
        account = args.command in cli_account.COMMANDS
        return asyncio.run(cli_account.run(args) if account else _run(args))
    except SegmindError as err:
        say(f"error: {err.for_cli()}")
        if getattr(args, "json", False) and args.command != "jobs":
            print(
                json.dumps(
                    {
                        "id": None,
                        "request_id": None,
                        "state": "failed",
                        "output_path": None,
                        "output_url": None,
                        "error": err.to_dict(),
                    }
                ),
                flush=True,
            )
        return err.exit_code
    except KeyboardInterrupt:
        say(
            "Interrupted. Submitted jobs go on at Segmind; 's2v-studio resume --wait' "
            "fetches their videos (within the hour Segmind keeps them)."
        )
        return EXIT_CTRL_C
