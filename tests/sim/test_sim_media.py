"""The result video is a real H.264 + AAC MP4 that QtMultimedia plays: duration, frames, sound."""

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


def test_the_result_is_h264_and_aac_of_the_requested_duration(result_file):
    av = pytest.importorskip("av")
    with av.open(str(result_file)) as c:
        video, audio = c.streams.video[0], c.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == ("h264", "aac")
        assert float(video.duration * video.time_base) == pytest.approx(5.0, abs=0.15)
        assert float(audio.duration * audio.time_base) == pytest.approx(5.0, abs=0.15)
        assert c.duration / 1e6 == pytest.approx(5.0, abs=0.15)


def test_a_decoded_frame_is_the_painted_frame(qapp, result_file):
    """The band converted per frame joins the still top without a seam (compression aside)."""
    av = pytest.importorskip("av")
    from PySide6.QtGui import QImage

    from app.sim.media import FramePainter, load_picture

    painter = FramePainter(load_picture(PORTRAIT.read_bytes()), 5)
    with av.open(str(result_file)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i == 23:
                rgb = frame.to_rgb()
                break
    want = painter.frame(2.3).convertToFormat(QImage.Format.Format_RGB888)
    stride, width = rgb.planes[0].line_size, rgb.width * 3
    got = bytes(rgb.planes[0])
    for top, bottom in ((0, painter.strip_top), (painter.strip_top, rgb.height)):
        diff = total = 0
        for y in range(top, bottom, 3):
            row, ref = got[y * stride : y * stride + width], bytes(want.constScanLine(y))[:width]
            diff += sum(abs(a - b) for a, b in zip(row, ref, strict=True))
            total += width
        assert diff / total < 8, f"rows {top}-{bottom} differ by {diff / total:.1f} on average"
