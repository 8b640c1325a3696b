"""The result video is a real MP4 that QtMultimedia plays: right duration, frames, soundtrack."""

from __future__ import annotations

import httpx
import pytest
from PySide6.QtCore import QUrl
from PySide6.QtMultimedia import QAudioDecoder, QAudioFormat, QMediaPlayer, QVideoSink

from tests.simulator import DATA, PORTRAIT, api_client, submit, upload, wait_until_done


@pytest.fixture
def result_file(sim, tmp_path):
    """Download the result of a 5 s job made from the test portrait and the 3 s voice."""
    sim.config(job_seconds=20)
    with api_client(sim) as c:
        image, audio = upload(c, sim, PORTRAIT, DATA / "voice-3s.wav")
        job = submit(c, sim, input_image=image, input_audio=audio, duration=5).json()
        assert wait_until_done(c, job["status_url"]).status_code == 200
        url = c.get(job["response_url"]).json()["output"]
    path = tmp_path / "result.mp4"
    path.write_bytes(httpx.get(url).content)
    return path


def test_qt_plays_the_result_with_its_duration_and_frames(qtbot, result_file):
    player = QMediaPlayer()
    sink = QVideoSink()
    player.setVideoSink(sink)
    frames = []
    sink.videoFrameChanged.connect(lambda f: f.isValid() and frames.append(f.size()))
    player.setSource(QUrl.fromLocalFile(str(result_file)))
    qtbot.waitUntil(
        lambda: player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia, timeout=5000
    )
    assert player.duration() == pytest.approx(5000, abs=250)
    assert player.hasVideo() and player.hasAudio()
    player.setPlaybackRate(8.0)
    player.play()
    qtbot.waitUntil(
        lambda: player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia, timeout=10000
    )
    player.stop()
    assert len(frames) >= 5  # the sink may skip frames at 8x, but it sees the picture
    assert frames[0].width() == 512 and frames[0].height() == 512


def test_the_soundtrack_is_padded_to_the_requested_duration(qtbot, result_file):
    fmt = QAudioFormat()
    fmt.setSampleRate(16000)
    fmt.setChannelCount(1)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    decoder = QAudioDecoder()
    decoder.setAudioFormat(fmt)
    decoder.setSource(QUrl.fromLocalFile(str(result_file)))
    samples = []
    finished = []
    errors = []

    def take():
        while decoder.bufferAvailable():
            samples.append(decoder.read().frameCount())

    decoder.bufferReady.connect(take)
    decoder.finished.connect(lambda: finished.append(True))
    decoder.error.connect(lambda e: errors.append(decoder.errorString()))
    decoder.start()
    qtbot.waitUntil(lambda: bool(finished or errors), timeout=10000)
    assert not errors
    assert sum(samples) / 16000 == pytest.approx(5.0, abs=0.15)
