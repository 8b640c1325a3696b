"""The one table of accepted formats, and what its users get from it."""

from __future__ import annotations

import pytest

from app.jobs import audio_check, image_check
from app.media import formats
from tests.media.synth import DATA


def test_only_what_is_accepted_is_listed():
    assert formats.extensions("image") == {".jpg", ".jpeg", ".png", ".webp"}
    assert not formats.extensions("image") & {".bmp", ".gif", ".tif", ".tiff"}
    assert {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".flac"} <= formats.extensions("audio")
    assert {f.content for f in formats.IMAGE_FORMATS} == set(image_check.ACCEPTED.values())


def test_names_filters_and_mime_types():
    assert formats.names("image") == "JPEG, PNG or WebP"
    assert formats.names("audio") == "WAV, MP3, M4A, AAC, OGG or FLAC"
    assert formats.file_filter("image") == (
        "Portraits (JPEG, PNG, WebP) (*.jpg *.jpeg *.png *.webp)"
    )
    assert "*.flac" in formats.file_filter("audio")
    assert formats.format_for_mime("audio/x-wav; codecs=1").name == "WAV"
    assert formats.format_for_mime("image/gif") is None
    assert formats.format_for_path("Portrait.JPG").name == "JPEG"
    assert "image/webp" in formats.mime_types("image")
    assert audio_check.FORMATS == "Choose a WAV, MP3, M4A, AAC, OGG or FLAC voice clip."
    with pytest.raises(ValueError):
        formats.formats("video")


@pytest.mark.parametrize(
    "name,content",
    [
        ("voice-3s.wav", "wav"),
        ("voice-3s.mp3", "mp3"),
        ("voice-3s.m4a", "m4a"),
        ("voice-3s.ogg", "ogg"),
        ("voice-3s.flac", "flac"),
        ("portrait-astronaut.png", "png"),
        ("portrait-astronaut.jpg", "jpeg"),
        ("MEDIA.md", "text"),
    ],
)
def test_sniff_by_content(name, content):
    head = (DATA / name).read_bytes()[:64]
    assert formats.sniff(head) == content
    kind = "audio" if name.startswith("voice") else "image"
    assert formats.looks_like(head, kind) == (content != "text")


def test_sniff_names_the_refused_kinds():
    assert formats.sniff(b"GIF89a" + bytes(20)) == "gif"
    assert formats.sniff(b"BM" + b"\x36\x10\x0e\x00" + bytes(8)) == "bmp"
    assert formats.sniff(b"II*\x00" + bytes(8)) == "tiff"
    assert formats.sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert formats.sniff(b"\xff\xf1\x50\x80") == "aac"  # ADTS, not MPEG layer III
    assert formats.sniff(b"\xff\xfb\x90\x00") == "mp3"
    assert formats.sniff("héllo wörld, a text cut in the middle of é".encode()[:-1]) == "text"
    assert formats.sniff(bytes([0x00, 0xC3, 0x28, 0xA0, 0xA1] * 10)) is None
