"""One entry point: the window with no arguments (or --demo), a command otherwise."""

from __future__ import annotations

import sys

COMMANDS = {
    "submit",
    "batch",
    "jobs",
    "wait",
    "resume",
    "retry",
    "rerun",
    "cancel",
    "settings",
    "check",
    "spend",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = argv[0] if argv else ""
    if first == "simulate":
        from app.sim.server import main as simulate

        return simulate(argv[1:])
    if first == "self-test":
        from app.selftest import main as self_test

        return self_test(argv[1:])
    if first in COMMANDS or first in ("--version", "-V", "--help", "-h"):
        from app.cli import main as cli

        return cli(argv)
    from app.ui.main import main as window

    return window(argv)


if __name__ == "__main__":
    sys.exit(main())
