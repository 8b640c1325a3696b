"""The layers point one way: ui -> jobs -> {media, api}. Checked in clean interpreters."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import app

ROOT = Path(app.__file__).parent


def modules(package: str) -> list[str]:
    pkg_dir = ROOT / package.split(".", 1)[1].replace(".", "/")
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(pkg_dir)])]


def imported_after(mods: list[str]) -> set[str]:
    code = (
        "import sys, json\n"
        f"for m in {mods!r}: __import__(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT.parent, check=True
    )
    import json

    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_api_layer_imports_no_qt():
    loaded = imported_after(modules("app.api"))
    assert not {m for m in loaded if m.startswith(("PySide6", "qasync", "shiboken6"))}


def test_media_layer_imports_no_qt():
    loaded = imported_after(modules("app.media"))
    assert "av" in loaded
    assert not {m for m in loaded if m.startswith(("PySide6", "qasync", "shiboken6"))}
    assert not {m for m in loaded if m.startswith(("app.jobs", "app.api", "app.ui", "app.sim"))}


def test_jobs_layer_imports_no_widgets_or_qasync():
    loaded = imported_after(modules("app.jobs") + ["app.cli", "app.settings", "app.secrets"])
    assert "PySide6.QtWidgets" not in loaded
    assert "qasync" not in loaded


@pytest.mark.parametrize("layer", ["api", "media", "jobs"])
def test_no_upward_imports_in_source(layer):
    forbidden = {
        "api": ("app.jobs", "app.ui", "app.sim", "app.media", "PySide6", "qasync"),
        "media": ("app.jobs", "app.ui", "app.sim", "app.api", "PySide6", "shiboken6", "qasync"),
        "jobs": ("app.ui", "app.sim", "PySide6.QtWidgets", "qasync"),
    }[layer]
    for path in (ROOT / layer).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            bad = [n for n in names if n.startswith(forbidden)]
            assert not bad, f"{path.relative_to(ROOT.parent)} imports {bad}"
