"""Every bad input is refused with SegmindError(invalid_input) naming the file and problem."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app.api.errors import ErrorKind, SegmindError
from app.jobs import media
from tests.jobs.bad_inputs import BadInput, make_bad_inputs


def _case_names() -> list[str]:
    folder = Path(tempfile.mkdtemp(prefix="s2v-bad-names-"))
    try:
        return [case.name for case in make_bad_inputs(folder)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


NAMES = _case_names()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, BadInput]:
    return {case.name: case for case in make_bad_inputs(tmp_path_factory.mktemp("bad"))}


def check_side(case: BadInput, side: str, out: Path) -> SegmindError | None:
    """Run one input through what the engine runs; the refusal, or None if it passed.

    Any exception other than SegmindError propagates and fails the test.
    """
    text = case.image if side == "image" else case.audio
    try:
        kind, where = media.check_input_location(text)
        if kind == "url":
            return None  # https: probed later by the engine
        if side == "image":
            media.inspect_image(where)
        else:
            info = media.inspect_audio(where)
            duration = case.duration or media.choose_duration(info.seconds) or 15
            media.prepare_audio(info, out, duration, trim=False)
    except SegmindError as e:
        return e
    return None


def shown_name(text: str) -> str:
    return text[:60] if ":" in text and not text.startswith("/") else Path(text).name


_CHECK = """
import json, sys
from app.api.errors import SegmindError
from app.jobs import media
side, path = sys.argv[1], sys.argv[2]
try:
    media.inspect_image(path) if side == "image" else media.inspect_audio(path)
    print(json.dumps([None, "accepted"]))
except SegmindError as e:
    print(json.dumps([e.kind.value, e.message]))
"""


def refused_without_dac_override(case) -> tuple[str | None, str]:
    caps = "-dac_override,-dac_read_search"
    out = subprocess.run(
        [
            "setpriv",
            f"--bounding-set={caps}",
            f"--inh-caps={caps}",
            "--",
            sys.executable,
            "-c",
            _CHECK,
            case.side,
            case.bad,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    lines = [x for x in out.stdout.splitlines() if x.startswith("[")]
    assert lines, out.stderr
    return tuple(json.loads(lines[-1]))


def test_corpus_is_big_enough_and_names_are_unique():
    assert len(NAMES) >= 30
    assert len(set(NAMES)) == len(NAMES)
    assert {n.split("-")[0] for n in NAMES} == {"image", "audio"}


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_is_refused(name, corpus, tmp_path):
    case = corpus[name]
    if case.skip:
        # Root reads any file: check the unreadable one as root without the capabilities
        # that bypass file permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            pytest.skip(case.skip)
        kind, message = refused_without_dac_override(case)
        assert kind == ErrorKind.invalid_input.value
        assert case.expect in message and shown_name(case.bad) in message
        return
    good = "audio" if case.side == "image" else "image"
    assert check_side(case, good, tmp_path) is None, f"the good {good} was refused"
    error = check_side(case, case.side, tmp_path)
    assert error is not None, f"{case.bad} was accepted"
    assert error.kind == ErrorKind.invalid_input
    assert case.expect in error.message
    assert shown_name(case.bad) in error.message
    assert error.exit_code == 2


def test_refusals_are_the_same_from_a_worker_thread(corpus, tmp_path):
    """The engine calls the checks through asyncio.to_thread: same answers there."""
    cases = [c for c in corpus.values() if not c.skip]

    def all_messages() -> list[str]:
        return [str(check_side(c, c.side, tmp_path)) for c in cases]

    async def in_threads() -> list[str]:
        return await asyncio.to_thread(all_messages)

    assert asyncio.run(in_threads()) == all_messages()


def test_nothing_is_written_for_refused_audio(corpus, tmp_path):
    out = tmp_path / "prepared"
    for case in corpus.values():
        if case.side == "audio" and not case.skip:
            check_side(case, "audio", out)
    assert not out.exists() or not any(out.iterdir())
