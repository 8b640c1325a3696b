"""Run the benchmark families, each in its own process, and write docs/benchmarks.md.

.venv/bin/python -m tests.benchmarks            # everything; writes docs/benchmarks.md
.venv/bin/python -m tests.benchmarks --quick    # a fast smoke (report in the work folder)
.venv/bin/python -m tests.benchmarks --only startup --only soak
.venv/bin/python -m tests.benchmarks --only takes_sync --out takes.md   # one family
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.common import ROOT, Family
from tests.benchmarks.report import render

FAMILIES = [
    "startup",
    "responsiveness",
    "transfers",
    "budget",
    "batch",
    "soak",
    "torture",
    "security",
    "media",
    "takes_sync",
]


def run_family(name: str, root: Path, quick: bool) -> Family:
    result = root / "results" / f"{name}.json"
    cmd = [sys.executable, "-m", f"tests.benchmarks.{name}", "--work", str(root / "work" / name)]
    cmd += ["--json", str(result)] + (["--quick"] if quick else [])
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    started = time.monotonic()
    print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, timeout=900, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return Family(name, name, error="timed out after 900 s")
    if not result.exists():
        return Family(name, name, error=f"exit {proc.returncode}\n{proc.stderr[-3000:]}")
    fam = Family.from_json(json.loads(result.read_text()))
    verdicts = [r.met for r in fam.rows]
    print(
        f"    {time.monotonic() - started:.0f} s: {verdicts.count(True)} met, "
        f"{verdicts.count(False)} missed{', FAILED' if fam.error else ''}",
        file=sys.stderr,
        flush=True,
    )
    return fam


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="fewer repeats: a smoke run")
    p.add_argument("--only", action="append", choices=FAMILIES, help="run only this family")
    p.add_argument("--out", type=Path, help="report path (default: docs/benchmarks.md for a "
                   "full run, else benchmarks.md in the work folder)")  # fmt: skip
    p.add_argument("--work", type=Path, help="keep work files here (default: a temp folder)")
    args = p.parse_args(argv)
    names = [n for n in FAMILIES if not args.only or n in args.only]
    root = args.work or Path(tempfile.mkdtemp(prefix="s2v-bench-"))
    (root / "results").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        families = [run_family(n, root, args.quick) for n in names]
        full = not args.quick and not args.only
        out = args.out or (ROOT / "docs" / "benchmarks.md" if full else root / "benchmarks.md")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render(families, time.monotonic() - started, args.quick))
        print(f"report: {out}", file=sys.stderr)
    finally:
        if args.work is None:
            shutil.rmtree(root, ignore_errors=True)
    failed = [f.name for f in families if f.error]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
