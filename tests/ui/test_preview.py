"""The preview player decodes real videos (frames counted on the video sink, offscreen)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from app.jobs.model import Job, JobState
from app.ui.preview import SIMULATED_BADGE, PreviewPlayer

DATA = Path(__file__).resolve().parents[1] / "data"
H264 = DATA / "result-h264-5s.mp4"


def make_job(video: Path, **changes) -> Job:
    job = Job(
        image=str(DATA / "portrait-astronaut.png"),
        audio=str(DATA / "voice-5s.wav"),
        prompt="A calm astronaut says hello",
        duration=5,
        seed=7,
        state=JobState.completed,
        request_id="req-123",
        cost=1.41,
        output_path=str(video),
    )
    return job.copy(**changes)


def count_frames(qtbot, player: PreviewPlayer, rate: float = 4.0) -> tuple[int, int]:
    """Play to the end and count the frames that reach the video sink; returns (frames, ms)."""
    frames = []
    sink = player.video_sink()
    sink.videoFrameChanged.connect(lambda f: frames.append(f.isValid()))
    mm_player = player.player
    qtbot.waitUntil(lambda: player.seek.isEnabled(), timeout=5000)
    mm_player.setPlaybackRate(rate)  # decode every frame, just faster than real time
    player.play()
    qtbot.waitUntil(
        lambda: mm_player.mediaStatus() == mm_player.MediaStatus.EndOfMedia, timeout=15000
    )
    return sum(frames), mm_player.duration()


@pytest.fixture
def preview(qtbot):
    p = PreviewPlayer()
    qtbot.addWidget(p)
    p.resize(800, 400)
    p.show()
    if not p.multimedia_available():
        pytest.fail("QtMultimedia must load on this machine (libpulse0 installed)")
    yield p
    p.clear()


def test_h264_result_decodes_about_five_seconds(qtbot, preview):
    preview.show_job(make_job(H264))
    frames, ms = count_frames(qtbot, preview)
    assert frames >= 50
    assert 4500 <= ms <= 5500
    assert preview.length_label.text() == "0:05"
    assert preview.seek.maximum() == ms  # range set once loaded


def test_details_show_inputs_parameters_and_demo_badge(qtbot, preview):
    preview.show_job(make_job(H264))
    text = preview.details.params.text()
    for part in ("A calm astronaut says hello", "5 s", "high", "7", "req-123", "$1.41"):
        assert part in text
    assert preview.details.audio.text() == "Voice: voice-5s.wav"
    assert not preview.details.thumbnail.pixmap().isNull()
    assert preview.details.badge.isHidden()
    preview.show_job(make_job(H264, demo=True))
    assert not preview.details.badge.isHidden()
    assert preview.details.badge.text() == SIMULATED_BADGE


def test_clear_releases_the_file_so_it_can_be_moved(qtbot, preview, tmp_path):
    video = tmp_path / "out.mp4"
    shutil.copy(H264, video)
    preview.show_job(make_job(video))
    qtbot.waitUntil(lambda: preview.seek.isEnabled(), timeout=5000)
    preview.play()
    qtbot.waitUntil(lambda: preview.player.position() > 0, timeout=5000)
    preview.clear()
    assert preview.player.source() == QUrl()
    assert not preview.seek.isEnabled()
    assert preview.current_job() is None and preview.current_path() is None
    moved = video.rename(tmp_path / "moved.mp4")
    moved.unlink()
    fds = Path(f"/proc/{os.getpid()}/fd")
    if fds.exists():  # Linux: no descriptor still points at the file
        assert not any(
            str(tmp_path) in os.readlink(fd)
            for fd in fds.iterdir()
            if fd.is_symlink() and _readable(fd)
        )


def _readable(fd: Path) -> bool:
    try:
        os.readlink(fd)
    except OSError:
        return False
    return True


def test_space_toggles_play_and_loop_and_volume(qtbot, preview):
    preview.show_job(make_job(H264))
    qtbot.waitUntil(lambda: preview.seek.isEnabled(), timeout=5000)
    playing = preview.player.PlaybackState.PlayingState
    preview.setFocus()
    qtbot.keyClick(preview, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: preview.player.playbackState() == playing, timeout=3000)
    qtbot.keyClick(preview, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: preview.player.playbackState() != playing, timeout=3000)
    preview.loop.setChecked(True)
    assert preview.player.loops() == -1
    preview.volume.setValue(30)
    assert abs(preview.audio_output.volume() - 0.3) < 0.01


def test_full_screen_enters_with_f_and_leaves_with_escape(qtbot, preview):
    preview.show_job(make_job(H264))
    qtbot.waitUntil(lambda: preview.fullscreen_button.isEnabled(), timeout=5000)
    preview.fullscreen_button.click()
    assert preview.is_full_screen()
    qtbot.keyClick(preview.video, Qt.Key.Key_Escape)
    assert not preview.is_full_screen()
    qtbot.keyClick(preview.video, Qt.Key.Key_F)
    assert preview.is_full_screen()
    qtbot.keyClick(preview.video, Qt.Key.Key_F)
    assert not preview.is_full_screen()


class _UrlCatcher(QObject):
    """Catches file:// URLs instead of launching a real system player (none runs here)."""

    def __init__(self):
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_open_in_system_player_hands_over_the_file(qtbot, preview):
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        preview.show_job(make_job(H264))
        preview.open_external.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in catcher.urls] == [str(H264)]


def test_job_without_video_shows_details_only(qtbot, preview):
    preview.show_job(make_job(H264, output_path=None, state=JobState.processing))
    assert preview.message.text() == "No video yet."
    assert not preview.open_external.isEnabled()
    assert not preview.play_button.isEnabled()


def test_clear_after_the_widget_was_destroyed_is_harmless(qtbot):
    import shiboken6

    p = PreviewPlayer()
    shiboken6.delete(p)  # as when its window is deleted first
    p.clear()
