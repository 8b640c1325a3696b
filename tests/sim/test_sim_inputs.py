"""What the simulator makes its videos from: the picture and the soundtrack."""

from __future__ import annotations

import wave

from PySide6.QtGui import QColor, QImage

from app.sim.media import FramePainter, is_wav, load_picture, load_soundtrack
from app.sim.video import pad_with_free_box
from tests.simulator import DATA, PORTRAIT


def test_picture_keeps_its_aspect_within_512_with_even_sides(qapp):
    wide = QImage(1001, 401, QImage.Format.Format_RGB32)
    wide.fill(QColor("red"))
    from PySide6.QtCore import QBuffer

    buf = QBuffer()
    buf.open(QBuffer.OpenModeFlag.WriteOnly)
    wide.save(buf, "PNG")
    picture = load_picture(bytes(buf.data()))
    assert picture.width() == 512 and picture.height() % 2 == 0
    assert abs(picture.height() - 205) <= 2
    assert load_picture(PORTRAIT.read_bytes()).size().toTuple() == (512, 512)


def test_unreadable_picture_becomes_a_placeholder_card(qapp):
    assert load_picture(b"not an image").size().toTuple() == (512, 512)
    assert load_picture(None).size().toTuple() == (512, 512)


def test_frames_differ_from_one_another(qapp):
    painter = FramePainter(load_picture(PORTRAIT.read_bytes()), 5)
    assert painter.frame(0.0) != painter.frame(2.5)


def test_soundtrack_is_cut_or_padded_to_the_duration():
    with wave.open(str(DATA / "voice-14s.wav")) as w:
        rate = w.getframerate()
    cut = load_soundtrack((DATA / "voice-14s.wav").read_bytes(), 5)
    assert (cut.rate, cut.channels, len(cut.pcm)) == (rate, 1, rate * 5 * 2)
    stereo = load_soundtrack((DATA / "voice-3s-44k-stereo.wav").read_bytes(), 10)
    assert (stereo.rate, stereo.channels, len(stereo.pcm)) == (44100, 2, 44100 * 10 * 4)
    assert stereo.pcm[-1000:] == bytes(1000)  # the padding is silence
    silent = load_soundtrack((DATA / "voice-3s.mp3").read_bytes(), 5)
    assert silent.pcm == bytes(16000 * 5 * 2)


def test_is_wav():
    assert is_wav((DATA / "voice-3s.wav").read_bytes())
    assert not is_wav((DATA / "voice-3s.flac").read_bytes())


def test_free_box_padding(tmp_path):
    f = tmp_path / "x.mp4"
    f.write_bytes(b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00")
    pad_with_free_box(f, 100)
    data = f.read_bytes()
    assert len(data) == 100
    assert int.from_bytes(data[16:20], "big") == 84 and data[20:24] == b"free"


def test_other_sample_widths_become_int16():
    from app.sim.media import to_int16

    assert to_int16(bytes([0x80, 0xFF, 0x00]), 1) == bytes([0, 0, 0, 0x7F, 0, 0x80])
    assert to_int16(bytes([0x11, 0x22, 0x33]), 3) == bytes([0x22, 0x33])
    assert to_int16(bytes([0x11, 0x22, 0x33, 0x44]), 4) == bytes([0x33, 0x44])
