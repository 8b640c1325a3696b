"""The README's two commands are the ones CI and a fresh machine run."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text)[:2]


def test_readme_opens_with_install_and_test_commands():
    install, test = _commands()
    assert install.startswith("bash tools/system-deps.sh run && ")
    assert install.endswith(".venv/bin/s2v-studio")
    assert test.startswith("bash tools/system-deps.sh test && ")
    assert "pytest" in test
    for command in (install, test):
        assert not re.search(r"(^|[;&|( ])sudo ", command), "a root shell has no sudo"


def test_ci_runs_exactly_the_readme_test_command():
    _, test = _commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci


def test_system_deps_script_knows_its_sets():
    script = ROOT / "tools" / "system-deps.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    bad = subprocess.run(["bash", str(script), "nonsense"], capture_output=True, text=True)
    assert bad.returncode == 2 and "usage" in bad.stderr
    # --check never installs: it lists what is missing (nothing, where the suite runs)
    check = subprocess.run(["bash", str(script), "test", "--check"], capture_output=True, text=True)
    assert check.returncode in (0, 1), check.stderr
    assert "installing" not in check.stderr
    assert check.returncode == 0 or check.stdout.startswith("missing: ")
