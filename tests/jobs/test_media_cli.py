"""The command line's media checks in a child process: no Qt application, no Qt noise."""

from __future__ import annotations

import json
import shutil

from tests.engine.conftest import cli_env, run_cli, write_settings
from tests.jobs.bad_inputs import DATA


def test_submit_with_local_files_prints_no_qt_warning(sim, s2v_home, tmp_path):
    """QImageReader ran in a worker, then a QCoreApplication was made on the main thread
    for QAudioDecoder: Qt printed "QApplication was not created in the main() thread"."""
    write_settings(s2v_home, sim)
    image, voice = tmp_path / "portrait.png", tmp_path / "voice.mp3"
    shutil.copy(DATA / "portrait-astronaut.png", image)
    shutil.copy(DATA / "voice-3s.mp3", voice)  # not WAV: decoded and converted
    proc = run_cli("submit", image, voice, "--prompt", "hi", "--json", env=cli_env(s2v_home, sim))
    assert proc.returncode == 0, proc.stderr
    job = json.loads(proc.stdout)
    assert job["state"] in ("queued", "processing")
    assert "QApplication" not in proc.stderr
    assert "WARNING" not in proc.stderr
    assert "Qt" not in proc.stderr, proc.stderr
    assert len([e for e in sim.log() if e["path"].endswith("/upload-asset")]) == 2
    prepared = list((s2v_home / "cache" / "prepared").glob("voice-*-full.wav"))
    assert len(prepared) == 1  # the MP3 was converted to the WAV that was sent
