"""app.api is HTTP only: importing all of it loads no Qt and no qasync."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_api_imports_no_qt():
    code = (
        "import sys, app.api.client, app.api.download, app.api.pacing, app.api.errors;"
        "qt = ('PySide6', 'qasync', 'shiboken6');"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in qt);"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == ""
