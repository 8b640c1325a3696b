"""The command line's account commands: `settings`, `check JOB`, `spend`.

Registered by app/cli.py (`add_commands`, `run`); same conventions: `--json` on stdout
only, messages on stderr, exit codes of the contract, never a prompt.
"""

from __future__ import annotations

import json

from app.api import history
from app.api.errors import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_SERVICE, ErrorKind, SegmindError
from app.settings import Settings, app_paths, flat, read_file, update_file
from app.settings_names import SettingError, names, parse

COMMANDS = ("settings", "check", "spend")

_OUTCOMES = {
    "adopted": "Segmind's history has this job's request: adopted as {rid}.",
    "downloading": "Segmind's history still has this job's video: downloading it.",
    "cost": "Its cost as Segmind billed it: ${cost:.2f}.",
    "unchanged": "Nothing to settle: the job is {state}.",
}


def add_commands(sub, common) -> None:
    """The account commands' parsers (on app/cli.py's subparsers)."""
    st = sub.add_parser("settings", help="show the settings; 'settings set NAME VALUE' sets one")
    st.add_argument("--json", action="store_true", help="the settings file's object as JSON")
    change = st.add_subparsers(dest="settings_action")
    setter = change.add_parser("set", help="set one setting by its name in the settings file")
    setter.add_argument("name", help="e.g. budget_preset, concurrency, prices.high.10")
    setter.add_argument("value")
    setter.add_argument("--json", action="store_true", help="print the new settings as JSON")
    ck = sub.add_parser("check", help="settle a job from Segmind's request history")
    ck.add_argument("job")
    common(ck)
    sp = sub.add_parser("spend", help="a month's spend from Segmind's request history")
    sp.add_argument("--month", help="YYYY-MM (UTC); default this month")
    sp.add_argument("--json", action="store_true")


def say(*parts) -> None:
    from app.cli import say as cli_say

    cli_say(*parts)


async def run(args) -> int:
    """Run one of COMMANDS."""
    if args.command == "settings":
        return settings_command(args)
    if args.command == "spend":
        return await spend_command(args)
    return await check_command(args)


def settings_command(args) -> int:
    paths = app_paths()
    if getattr(args, "settings_action", None) == "set":
        try:
            change = parse(args.name, args.value)
        except SettingError as err:
            say(f"error: {err}")
            return EXIT_INPUT
        try:
            settings = update_file(paths, change)
        except OSError as err:
            say(f"error: the settings could not be saved in {paths.settings_file} ({err}).")
            return EXIT_INTERNAL
        for name, value in change.items():
            say(f"{name} = {json.dumps(value)}")
        if "budget_per_minute" in change:
            say('budget_preset = "custom"')
    else:
        settings = Settings.load(paths)
    data = settings.to_dict()
    if args.json:
        print(json.dumps(data), flush=True)
    elif getattr(args, "settings_action", None) != "set":
        values = flat(data)
        for name in names():
            print(f"{name} = {json.dumps(values.get(name))}", flush=True)
        if not read_file(paths):
            say(f"(defaults: {paths.settings_file} does not exist yet)")
    return EXIT_OK


def _engine():
    from app.cli import _engine as make

    return make()


async def spend_command(args) -> int:
    if args.month:
        try:
            history.month_days(args.month)
        except ValueError:
            say(f"error: --month {args.month!r} is not a month; give it as YYYY-MM, e.g. 2026-11.")
            return EXIT_INPUT
    engine = _engine()
    try:
        spend = await engine.history_spend(args.month)
    except SegmindError as err:
        say(f"error: {err.for_cli()}")
        if args.json:
            print(json.dumps({"error": err.to_dict()}), flush=True)
        account = err.kind in (ErrorKind.invalid_key, ErrorKind.not_permitted)
        return err.exit_code if account else EXIT_SERVICE
    finally:
        await engine.aclose()
    if args.json:
        print(json.dumps(spend.to_dict()), flush=True)
    else:
        print(
            f"{spend.month}: ${spend.total_usd:.2f} in {spend.requests} request(s) of this "
            f"model on this key; ${spend.made_here_usd:.2f} in {spend.made_here_requests} "
            "made by this studio.",
            flush=True,
        )
    return EXIT_OK


async def check_command(args) -> int:
    from app.cli import Progress, _accepted_note, _emit, job_exit_code

    engine = _engine()
    engine.events.subscribe(Progress())
    try:
        await engine.start(resume=False)
        job, outcome = await engine.check_with_segmind(args.job)
        if outcome in _OUTCOMES:
            say(
                _OUTCOMES[outcome].format(
                    rid=job.request_id, cost=job.cost or 0.0, state=job.state.value
                )
            )
        if outcome in ("adopted", "downloading"):
            job = await engine.wait(job.id, until_accepted=not args.wait)
            if args.wait:
                say(f"Saved {job.output_path}" if job.output_path else job.error_message or "")
            else:
                _accepted_note(job)
        _emit(args, [engine.store.fetch(job.id)], single=True, engine=engine)
        return job_exit_code(job, args.wait)
    finally:
        await engine.aclose()
