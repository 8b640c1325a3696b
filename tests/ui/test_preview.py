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
    text = " ".join(label.text() for label in preview.details.values.values())
    for part in ("A calm astronaut says hello", "5 s", "high", "7", "req-123", "$1.41"):
        assert part in text
    assert "Voice: voice-5s.wav" in preview.details.audio.text()
    qtbot.waitUntil(lambda: not preview.details.thumbnail.pixmap().isNull(), timeout=5000)
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


def test_system_player_failure_says_so_with_the_path(qtbot, preview):
    """Offscreen, no program opens files: the pane says so and offers the path to copy."""
    from PySide6.QtGui import QGuiApplication

    preview.show_job(make_job(H264))
    preview.open_external.click()
    note = preview._path_message
    assert note.isVisible() and "Nothing on this computer opened the video" in note.text.text()
    assert note.path.text() == str(H264)
    note.copy_button.click()
    assert QGuiApplication.clipboard().text() == str(H264)
    note.close()


def test_open_in_system_player_hands_over_the_file(qtbot, preview):
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        preview.show_job(make_job(H264))
        preview.open_external.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in catcher.urls] == [str(H264)]


def test_job_without_video_shows_its_portrait_and_why(qtbot, preview):
    preview.show_job(make_job(H264, output_path=None, state=JobState.processing))
    assert preview.video.caption == "No video yet: processing."
    qtbot.waitUntil(lambda: preview.video.still() is not None, timeout=5000)  # the portrait
    assert not preview.open_external.isEnabled()
    assert not preview.play_button.isEnabled()


def _not_black(image) -> bool:
    """Many distinct, non-black colours in the middle of the picture."""
    w, h = image.width(), image.height()
    seen = {
        image.pixelColor(x, y).name()
        for x in range(w // 4, 3 * w // 4, 7)
        for y in (h // 3, h // 2)
    }
    return len(seen) > 5 and seen != {"#000000"}


def test_first_frame_shows_before_play_and_after_the_end(qtbot, preview):
    """The pane is never a black box: the video's first frame before play, frames while
    playing, and the first frame again once the video has ended."""
    preview.show_job(make_job(H264))
    qtbot.waitUntil(lambda: preview.video.still() is not None, timeout=5000)
    assert not preview.video.showing_frames()
    assert _not_black(preview.video.grab().toImage())  # the widget itself, offscreen
    frames, _ms = count_frames(qtbot, preview, rate=8.0)
    assert frames >= 50
    qtbot.waitUntil(lambda: not preview.video.showing_frames(), timeout=3000)
    assert _not_black(preview.video.grab().toImage())


def test_playing_draws_the_frames(qtbot, preview):
    preview.show_job(make_job(H264))
    qtbot.waitUntil(lambda: preview.seek.isEnabled(), timeout=5000)
    preview.play()
    qtbot.waitUntil(preview.video.showing_frames, timeout=5000)
    assert _not_black(preview.video.grab().toImage())
    preview.pause()


def test_failed_job_keeps_its_reason_in_the_details(qtbot, preview):
    job = make_job(
        H264,
        output_path=None,
        state=JobState.failed,
        cost=None,
        error_code="job_failed",
        error_message="Audio processing failed: no speech detected. Use a clip with speech.",
    )
    history = [(1_700_000_000.0, "created", "pending"), (1_700_000_005.0, "pending->failed", None)]
    preview.details.history = lambda job_id: history
    preview.show_job(job)
    reason = preview.details.reason
    assert reason.isVisibleTo(preview) and "no speech detected" in reason.text()
    assert reason.wordWrap()
    text = preview.details.history_text.text()
    assert "Created" in text and "Failed" in text
    preview.clear()
    preview.show_job(job)  # shown again later: still there
    assert "no speech detected" in preview.details.reason.text()


def test_clear_after_the_widget_was_destroyed_is_harmless(qtbot):
    import shiboken6

    p = PreviewPlayer()
    shiboken6.delete(p)  # as when its window is deleted first
    p.clear()


def test_shutdown_stops_the_player_and_takes_its_signals_away(qtbot, preview):
    preview.show_job(make_job(H264))
    qtbot.waitUntil(lambda: preview.play_button.isEnabled(), timeout=5000)
    preview.play()
    qtbot.wait(300)
    player = preview.player
    preview.shutdown()
    assert preview.player is None and player.source().isEmpty()
    assert player.playbackState() == player.PlaybackState.StoppedState
    assert preview.sink.receivers("2videoFrameChanged(QVideoFrame)") == 0
    preview.loop.setChecked(True)  # nothing left to drive: harmless
    preview.show_job(make_job(H264))
    preview.clear()
