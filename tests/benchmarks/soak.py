"""Soak: 50,000+ Qt-to-Python callbacks on a qasync loop in one process.

PySide6 6.12.0 on Python 3.11 lowers None's reference count on every Qt-to-Python
call that returns nothing, and the process dies (`none_dealloc`) after some
thousands of them. The soak runs in a child process (an abort must not take the
runner with it) mixing the callbacks an app makes: QTimer.singleShot, a Python
slot on a Qt signal, asyncio call_soon and asyncio.sleep(0) on the qasync loop.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.benchmarks.common import ROOT, Context, Family, child_env, family_main

CHILD = r"""
import asyncio, json, sys, time
import qasync
from PySide6 import __version__ as pyside
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

TARGET = int(sys.argv[1])
app = QApplication([])
counts = {"timer": 0, "signal": 0, "call_soon": 0, "sleep0": 0}

class Ping(QObject):
    ping = Signal(int)

ping = Ping()
def on_ping(n):
    counts["signal"] += 1
ping.ping.connect(on_ping)

def on_timer():
    counts["timer"] += 1
    ping.ping.emit(counts["timer"])

def on_soon():
    counts["call_soon"] += 1

async def main():
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    while sum(counts.values()) < TARGET:
        for _ in range(50):
            QTimer.singleShot(0, on_timer)
            loop.call_soon(on_soon)
        await asyncio.sleep(0)
        counts["sleep0"] += 1
    await asyncio.sleep(0.05)
    return time.perf_counter() - start

with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
    seconds = runner.run(main())
print(json.dumps({"counts": counts, "seconds": seconds, "pyside": pyside,
                  "python": sys.version.split()[0]}), flush=True)
"""


def run(ctx: Context) -> Family:
    fam = Family("soak", "Soak: Qt-to-Python callbacks on the qasync loop")
    target = 50_000 if ctx.quick else 200_000
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(target)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.monotonic() - start
    survived = proc.returncode == 0
    info = json.loads(proc.stdout.strip().splitlines()[-1]) if survived else {}
    total = sum(info.get("counts", {}).values())
    fam.add(
        "callbacks survived in one process",
        total if survived else f"died (exit {proc.returncode})",
        "",
        "target",
        target,
        None,
        "survives >= 50,000",
        survived and total >= 50_000,
        ", ".join(f"{k} {v:,}" for k, v in info.get("counts", {}).items()),
    )
    if survived:
        fam.notes.append(
            f"PySide6 {info['pyside']} on Python {info['python']}: {total:,} callbacks in "
            f"{info['seconds']:.1f} s (process {wall:.1f} s)."
        )
    else:
        fam.notes.append("stderr tail: " + proc.stderr[-800:])
    return fam


if __name__ == "__main__":
    sys.exit(family_main(run, "soak"))
