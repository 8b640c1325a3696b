"""What the simulator makes its videos from: the picture and the soundtrack."""

from __future__ import annotations

import wave

import pytest
from PySide6.QtCore import QBuffer
from PySide6.QtGui import QColor, QImage

from app.sim.media import (
    CAPTION,
    SHORT_CAPTION,
    FramePainter,
    is_wav,
    load_picture,
    load_soundtrack,
)
from app.sim.video import pad_with_free_box
from tests.simulator import DATA, PORTRAIT


def png(width: int, height: int, dpi: int = 96) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a6"))
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    buf = QBuffer()
    buf.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data())


def test_picture_keeps_its_aspect_within_512_with_even_sides(qapp):
    picture = load_picture(png(1001, 401))
    assert picture.width() == 512 and picture.height() % 2 == 0
    assert abs(picture.height() - 205) <= 2
    assert load_picture(PORTRAIT.read_bytes()).size().toTuple() == (512, 512)


def test_narrow_pictures_sit_on_a_canvas_at_least_128_wide(qapp):
    assert load_picture(png(100, 1000)).size().toTuple() == (128, 512)
    assert load_picture(png(1000, 60)).size().toTuple() == (512, 128)


def caption_box(frame: QImage, painter: FramePainter) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the caption's yellow pixels in the bar."""
    found = None
    bar = painter.bar
    for y in range(bar.top(), bar.bottom() + 1):
        for x in range(frame.width()):
            c = frame.pixelColor(x, y)
            if c.red() > 200 and c.green() > 170 and c.blue() < 140:
                left, top, right, bottom = found or (x, y, x, y)
                found = (min(left, x), min(top, y), max(right, x), max(bottom, y))
    return found


@pytest.mark.parametrize(
    "size, dpi, caption",
    [
        ((512, 512), 300, CAPTION),  # a 300 dpi PNG once blew the point-sized text up
        ((512, 512), 72, CAPTION),
        ((333, 517), 96, CAPTION),
        ((1000, 60), 96, CAPTION),
        ((100, 1000), 96, SHORT_CAPTION),
        ((37, 41), 600, CAPTION),
    ],
)
def test_the_caption_fits_inside_the_frame_above_the_timecode(qapp, size, dpi, caption):
    painter = FramePainter(load_picture(png(*size, dpi)), 15)
    frame = painter.frame(0.0)
    box = caption_box(frame, painter)
    assert box is not None, "no caption drawn"
    left, top, right, bottom = box
    assert left >= painter.margin - 1 and right <= frame.width() - painter.margin
    assert bottom < painter.bar.top() + painter.bar.height() // 2 + 2  # the upper line only
    assert painter.caption == caption


def test_the_changing_band_is_the_bottom_of_the_whole_frame(qapp):
    painter = FramePainter(load_picture(PORTRAIT.read_bytes()), 15)
    whole, band = painter.frame(7.3), painter.strip(7.3)
    assert painter.strip_top % 2 == 0
    assert band == whole.copy(0, painter.strip_top, whole.width(), band.height())
    assert painter.frame(0.0).copy(0, 0, 512, painter.strip_top) == whole.copy(
        0, 0, 512, painter.strip_top
    )


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
