"""Media slots: real drag-and-drop events with valid and invalid files, paste, clear, replace."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from app.ui.audio_slot import AudioSlot
from app.ui.media_slot import ImageSlot, quick_check


def mime_for(*items) -> QMimeData:
    m = QMimeData()
    m.setUrls(
        [
            QUrl(str(i)) if str(i).startswith("https://") else QUrl.fromLocalFile(str(i))
            for i in items
        ]
    )
    return m


def drag_and_drop(widget, mime) -> tuple[bool, bool]:
    """Enter, move and drop as a file manager would; (accepted while dragging, dropped)."""
    pos = QPoint(10, 10)
    a, b, m = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, a, mime, b, m)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False, False
    QApplication.sendEvent(widget, QDragMoveEvent(pos, a, mime, b, m))
    drop = QDropEvent(QPointF(pos), a, mime, b, m)
    QApplication.sendEvent(widget, drop)
    return True, drop.isAccepted()


def slot(qtbot, cls):
    w = cls()
    qtbot.addWidget(w)
    w.show()
    return w


def test_drop_a_portrait(qtbot, qloop, media):
    s = slot(qtbot, ImageSlot)
    with qtbot.waitSignal(s.changed):
        assert drag_and_drop(s, mime_for(media / "portrait-astronaut.png")) == (True, True)
    qtbot.waitUntil(lambda: s.ready, timeout=5000)
    assert s.value == str(media / "portrait-astronaut.png")
    assert "512 × 512" in s.info_label.text() and not s.thumb.pixmap().isNull()
    assert s.browse_button.text() == "Replace…" and s.clear_button.isVisible()
    # replace with the JPEG, then clear
    drag_and_drop(s, mime_for(media / "portrait-astronaut.jpg"))
    qtbot.waitUntil(lambda: not s.loading, timeout=5000)
    assert s.value.endswith(".jpg")  # replaced (whatever the full check says of it)
    qtbot.mouseClick(s.clear_button, Qt.MouseButton.LeftButton)
    assert s.value is None and s.thumb.pixmap().isNull() and not s.clear_button.isVisible()


def test_wrong_files_are_refused_while_dragged(qtbot, qloop, media, tmp_path):
    s = slot(qtbot, ImageSlot)
    assert drag_and_drop(s, mime_for(media / "voice-3s.wav")) == (False, False)
    assert "voice-3s.wav is not an image" in s.info_label.text()
    fake = tmp_path / "holiday.png"
    fake.write_text("this is text, not a PNG")
    assert drag_and_drop(s, mime_for(fake)) == (False, False)
    assert "does not look like an image" in s.info_label.text()
    assert drag_and_drop(
        s, mime_for(media / "portrait-astronaut.png", media / "portrait-astronaut.jpg")
    ) == (False, False)
    assert "one portrait at a time" in s.info_label.text()
    assert drag_and_drop(s, mime_for(tmp_path)) == (False, False)
    assert "is a folder" in s.info_label.text()
    assert s.value is None


def test_drop_a_voice_clip_shows_waveform_and_length(qtbot, qloop, media):
    s = slot(qtbot, AudioSlot)
    assert drag_and_drop(s, mime_for(media / "voice-14s.wav")) == (True, True)
    qtbot.waitUntil(lambda: s.ready, timeout=5000)
    assert 13.5 < s.seconds < 14.5 and len(s.waveform.peaks) == AudioSlot.BUCKETS
    assert "0:1" in s.info_label.text() and "16 kHz" in s.info_label.text()
    assert s.play_button.isEnabled()  # QtMultimedia loads here (libpulse0 installed)


def test_voice_slot_refuses_images_and_fake_audio(qtbot, qloop, media, tmp_path):
    s = slot(qtbot, AudioSlot)
    assert drag_and_drop(s, mime_for(media / "portrait-astronaut.jpg")) == (False, False)
    assert "is not a sound file" in s.info_label.text()
    fake = tmp_path / "speech.wav"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert drag_and_drop(s, mime_for(fake)) == (False, False)
    assert "does not look like a sound file" in s.info_label.text()


def test_broken_file_passes_the_drag_check_but_not_the_full_check(qtbot, qloop, media, tmp_path):
    broken = tmp_path / "cut.png"
    broken.write_bytes((media / "portrait-astronaut.png").read_bytes()[:300])
    assert quick_check(str(broken), "image") is None  # magic bytes are fine
    s = slot(qtbot, ImageSlot)
    assert drag_and_drop(s, mime_for(broken)) == (True, True)
    qtbot.waitUntil(lambda: not s.loading, timeout=5000)
    assert s.error and not s.ready and "⚠" in s.info_label.text()


def test_https_link_by_drop_and_paste(qtbot, qloop):
    s = slot(qtbot, ImageSlot)
    assert drag_and_drop(s, mime_for("https://example.com/face.png")) == (True, True)
    assert s.value == "https://example.com/face.png" and s.ready
    assert "checks this file itself" in s.info_label.text()
    s.clear()
    QGuiApplication.clipboard().setText("http://example.com/face.png")
    s.setFocus()
    qtbot.keyClick(s, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert s.value is None and "https://" in s.info_label.text()
    s.url_edit.setText("https://example.com/voice.png")
    qtbot.keyClick(s.url_edit, Qt.Key.Key_Return)
    assert s.value == "https://example.com/voice.png"


def test_offered_formats_are_the_accepted_ones(qtbot, tmp_path):
    from app.media import formats

    image, audio = ImageSlot(), AudioSlot()
    for slot in (image, audio):
        qtbot.addWidget(slot)
    for ext in (".bmp", ".gif", ".tif", ".tiff"):
        assert f"*{ext}" not in image.file_filter
    for ext in formats.extensions("image"):
        assert f"*{ext}" in image.file_filter
    for ext in formats.extensions("audio"):
        assert f"*{ext}" in audio.file_filter
    gif = tmp_path / "face.gif"
    gif.write_bytes(b"GIF89a" + b"\0" * 40)
    assert not image.take(str(gif)) and "not an image" in image.info_label.text()
    aac = tmp_path / "voice.aac"
    aac.write_bytes(b"\xff\xf1\x50\x80" + b"\0" * 60)  # ADTS: accepted by the checks
    assert quick_check(str(aac), "audio") is None
