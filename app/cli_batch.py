"""The command line's `batch FILE.csv`: many videos from one CSV (app/jobs/batch_csv.py).

Every row is checked before anything is sent and all the problems are reported at
once (exit 2, nothing sent). `--dry-run` prints the plan. Otherwise the batch is
stored and every job sent; without `--wait` the command returns once each is accepted.
An account error on one row stops the sending of the rest (they stay pending: `resume`
sends them) and exits 3.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from app.api.errors import EXIT_OK, ErrorKind, SegmindError, exit_code_for
from app.jobs import batch_csv, naming
from app.jobs.batches import BatchProblems, Planned, batch_cost_refusal
from app.jobs.model import Job


def add_command(sub, common) -> None:
    b = sub.add_parser("batch", help="many videos from a CSV (image,audio,prompt[,...] per row)")
    b.add_argument("csv", metavar="FILE.csv")
    flag = "store_true"
    b.add_argument("--dry-run", action=flag, help="check every row, print the plan, send nothing")
    b.add_argument("--force", action=flag, help="send rows identical to a done job or each other")
    b.add_argument(
        "--max-cost", type=float, metavar="USD", help="refuse if the batch's total is above this"
    )
    b.add_argument("--output-dir")
    b.add_argument("--name-template", metavar="T", help="file names, e.g. '{batch}-{image}-{seed}'")
    common(b, spends=True)


def template_problem(template: str | None) -> SegmindError | None:
    problem = naming.check_template(template) if template else None
    if problem is None:
        return None
    return SegmindError(ErrorKind.invalid_input, f"--name-template: {problem}")


async def plan(engine, args) -> list[Planned]:
    """The CSV's rows checked; BatchProblems lists every problem of the file."""
    problem = template_problem(args.name_template)
    if problem is not None:
        raise problem
    requests, problems = await asyncio.to_thread(batch_csv.parse_csv, args.csv)
    output_dir = str(Path(args.output_dir).absolute()) if args.output_dir else None
    for request in requests:
        request.output_dir = output_dir
        request.name_template = args.name_template
    planned: list[Planned] = []
    if requests:
        try:
            planned = await engine.plan_rows(requests, force=args.force)
        except BatchProblems as err:
            problems += err.problems
    if problems:
        raise BatchProblems(problems)
    return planned


def dry_run(planned: list[Planned], args, engine, say) -> int:
    total = round(sum(p.estimate for p in planned), 2)
    rows = [
        {
            "row": p.row,
            "image": p.job.image,
            "audio": p.job.audio,
            "prompt": p.job.prompt,
            "duration": None if p.job.is_long else p.job.duration,
            "quality": p.job.quality,
            "seed": p.job.seed,
            "split": p.job.is_long,
            "parts": p.job.part_count or 1,
            "estimate_usd": round(p.estimate, 2),
        }
        for p in planned
    ]
    if args.json:
        print(json.dumps({"batch": None, "jobs": rows, "total_usd": total}), flush=True)
    else:
        for r in rows:
            length = f"long ({r['parts']} parts)" if r["split"] else f"{r['duration']}s"
            print(
                f"row {r['row']:>3}  {Path(r['image']).name} + {Path(r['audio']).name}  "
                f"{length} {r['quality']} seed {r['seed']}  ${r['estimate_usd']:.2f}",
                flush=True,
            )
        print(f"{len(rows)} jobs, about ${total:.2f} in all", flush=True)
    for refusal in (
        batch_cost_refusal(total, args.max_cost, len(rows)),
        None if args.yes else engine.spend_problem(total),
    ):
        if refusal is not None:
            say(f"note: without --dry-run this would be refused: {refusal.for_cli()}")
    say("Dry run: nothing was sent.")
    return EXIT_OK


async def run(engine, args, say, exit_code) -> int:
    """`batch`: plan (all problems at once), then store, send and (with --wait) finish."""
    planned = await plan(engine, args)
    if args.dry_run:
        return dry_run(planned, args, engine, say)
    await engine.start(resume=False)
    name = Path(args.csv).stem
    batch, jobs = engine.store_batch(
        planned, name, drive=False, guard_spend=not args.yes, max_cost=args.max_cost
    )
    say(f"Batch {batch.id} ({batch.name}): {len(jobs)} jobs stored; sending them.")
    done = await asyncio.gather(*(engine.wait(j.id, until_accepted=not args.wait) for j in jobs))
    code = max((exit_code(j, args.wait) for j in done), default=EXIT_OK)
    held = engine.account_hold.error
    if held is not None:
        waiting = sum(1 for j in done if j.state.value == "pending")
        say(
            f"error: {held.for_cli()} {waiting} job{'s' * (waiting != 1)} of the batch "
            "were not sent; 's2v-studio resume' sends them once the account is fixed."
        )
        code = max(code, exit_code_for(held.kind))
    _summary(done, args, engine, say)
    return code


def _summary(jobs: list[Job], args, engine, say) -> None:
    if args.json:
        print(json.dumps([engine.contract(j) for j in jobs]), flush=True)
        return
    for job in jobs:
        where = job.output_path or job.error_message or ""
        print(f"{job.id}  {job.state.value:<12} seed {job.seed}  {where}".rstrip(), flush=True)
    states: dict[str, int] = {}
    for job in jobs:
        states[job.state.value] = states.get(job.state.value, 0) + 1
    print(", ".join(f"{n} {s}" for s, n in sorted(states.items())), file=sys.stderr, flush=True)
