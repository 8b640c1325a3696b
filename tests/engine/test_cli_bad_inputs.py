"""Every case of the bad-input corpus through `s2v-studio submit`: exit 2, a clear
message, no crash and no request to the service (the command runs in this process,
through its real entry point, against the simulator)."""

from __future__ import annotations

import pytest

from app.cli import main
from tests.jobs.bad_inputs import make_bad_inputs

EXTRA_URLS = [
    ("file-url", "file:///etc/passwd", "file:"),
    ("javascript-url", "javascript:alert(1)", "javascript:"),
    ("plain-http", "http://example.com/a.png", "http"),
    ("ftp-url", "ftp://example.com/a.png", "ftp:"),
]


def test_corpus_is_large_enough(tmp_path):
    assert len(make_bad_inputs(tmp_path)) + len(EXTRA_URLS) >= 30


def _cases(folder):
    cases = [
        (c.name, c.image, c.audio, c.expect, c.duration, c.skip) for c in make_bad_inputs(folder)
    ]
    from tests.jobs.bad_inputs import GOOD_AUDIO

    cases += [(n, url, str(GOOD_AUDIO), expect, None, None) for n, url, expect in EXTRA_URLS]
    return cases


def test_every_bad_input_exits_2_without_a_request(home, sim, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SEGMIND_API_KEY", sim.key)
    failures = []
    for name, image, audio, expect, duration, skip in _cases(tmp_path / "bad"):
        if skip:
            continue
        args = ["submit", image, audio, "--prompt", "bad input", "--json"]
        if duration:
            args += ["--duration", str(duration)]
        code = main(args)
        err = capsys.readouterr().err
        if code != 2 or expect.lower() not in err.lower():
            failures.append((name, code, err[-300:]))
    assert not failures, failures
    service = [e for e in sim.log() if not e["path"].startswith("/_sim")]
    assert service == []  # not one request reached the service
    assert sim.submits() == []


@pytest.mark.parametrize("clip", ["voice-3s.mp3", "voice-3s.m4a", "voice-3s.ogg", "voice-3s.flac"])
def test_compressed_audio_is_converted_and_submitted_as_wav(clip, home, sim, monkeypatch, capsys):
    from tests.engine.conftest import DATA

    monkeypatch.setenv("SEGMIND_API_KEY", sim.key)
    code = main(
        [
            "submit",
            str(DATA / "portrait-astronaut.png"),
            str(DATA / clip),
            "--prompt",
            "converted",
            "--json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    (submitted,) = sim.submits()
    assert submitted["duration"] == 5
