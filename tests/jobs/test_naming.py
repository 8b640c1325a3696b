"""File names from templates: every field, today's names, safe on every OS, counters."""

from __future__ import annotations

import json
import re
import string
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import settings_names
from app.jobs import naming
from app.jobs.model import Job
from app.jobs.naming import (
    DEFAULT_TEMPLATE,
    FIELDS,
    MAX_STEM_BYTES,
    check_template,
    choose_path,
    render,
    safe_stem,
)
from app.settings import Settings, app_paths, update_file

NOW = datetime(2026, 12, 2, 18, 30, 5)
WINDOWS_BAD = set('<>:"/\\|?*')
RESERVED = ["CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10))]
RESERVED += [f"LPT{n}" for n in range(1, 10)]


def job(**changes) -> Job:
    base = dict(
        image="/home/ana/Pictures/astronaut.png",
        audio="/home/ana/voice/intro.wav",
        prompt="A calm presenter explains the plan",
        duration=10,
        quality="high",
        seed=4242,
        id="0123456789ab",
    )
    return Job(**{**base, **changes})


def todays_name(j: Job) -> str:
    """The name Engine.output_path gave every video before templates (its code, verbatim)."""
    stem = re.sub(r"[^\w-]+", "-", Path(urlsplit(j.image).path).stem).strip("-")[:40]
    length = f"long-{round(j.audio_seconds or 0)}s" if j.is_long else f"{j.duration}s"
    return f"{stem or 'video'}-{length}-seed{j.seed}-{j.id}.mp4"


def test_every_field():
    j = job(take=2)
    t = "{image}|{audio}|{prompt}|{seed}|{duration}|{quality}|{date}|{time}|{batch}|{take}|{id}"
    parts = render(t.replace("|", "~"), j, batch_name="launch", now=NOW).split("~")
    assert dict(zip(FIELDS, parts, strict=True)) == {
        "image": "astronaut",
        "audio": "intro",
        "prompt": "A-calm-presenter-explains-the",
        "seed": "4242",
        "duration": "10s",
        "quality": "high",
        "date": "2026-12-02",
        "time": "18-30-05",
        "batch": "launch",
        "take": "2",
        "id": "0123456789ab",
    }


def test_long_video_duration_and_mid_quality():
    j = job(part_count=5, audio_seconds=62.6, duration=15, quality="mid")
    assert render("{duration}-{quality}", j) == "long-63s-mid"
    assert render("{duration}", job(duration=5)) == "5s"


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"part_count": 5, "audio_seconds": 62.6},
        {"image": "https://cdn.example.com/a/My Photo (1).JPG?sig=abc"},
        {"image": "/tmp/—.png"},  # nothing left of the stem: "video"
        {"image": "/tmp/_portrait_.png"},
        {"image": "/tmp/Ωμέγα φωτογραφία.webp"},
        {"image": "/tmp/" + "x" * 60 + ".png", "seed": 2**31 - 1},
    ],
)
def test_default_is_todays_name(changes):
    j = job(**changes)
    assert render(DEFAULT_TEMPLATE, j, now=NOW) + ".mp4" == todays_name(j)
    assert render(None, j) == render(DEFAULT_TEMPLATE, j)  # no template of its own


def test_default_literally():
    assert render(DEFAULT_TEMPLATE, job()) == "astronaut-10s-seed4242-0123456789ab"
    long = job(part_count=3, audio_seconds=40.4)
    assert render(DEFAULT_TEMPLATE, long) == "astronaut-long-40s-seed4242-0123456789ab"


def test_empty_fields_take_their_separator():
    j = job()
    assert render("{batch}-{image}-take{take}", j) == "astronaut-take"
    assert render("{image}-{take}", j) == "astronaut"
    assert render("{image}_{batch}_{take}_{seed}", j) == "astronaut_4242"
    assert render("{batch}", j) == "video"  # nothing at all: still a name


def test_prompt_first_words():
    assert render("{prompt}", job(prompt="Hello, world! It's a fine day today")) == (
        "Hello-world-Its-a-fine"
    )
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis is long"
    assert render("{prompt}", job(prompt=long_word)) == long_word[:40]
    assert len(render("{prompt}", job(prompt="abcdefghij " * 10))) <= 40
    assert render("{prompt}", job(prompt="日本語の プロンプト です")) == "日本語の-プロンプト-です"
    assert render("{prompt}", job(prompt='a/b\\c:d*e?"f<g>|')) == "a-b-c-d-e"


def test_time_is_local_and_without_colons():
    ts = NOW.timestamp()
    assert render("{date} {time}", job(), now=ts) == "2026-12-02 18-30-05"
    aware = datetime(2026, 12, 2, 23, 59, 30, tzinfo=timezone(timedelta(hours=-7)))
    local = aware.astimezone()  # the machine's own clock, whatever its zone
    assert render("{date}_{time}", job(), now=aware) == local.strftime("%Y-%m-%d_%H-%M-%S")
    assert ":" not in render("{time}", job())


def test_batch_name_is_made_safe():
    assert render("{batch}-{seed}", job(), batch_name="Q3: launch/plan?") == "Q3- launch-plan-4242"


@pytest.mark.parametrize("name", RESERVED + ["con", "Nul", "com1", "lpt9", "COM¹", "conin$"])
def test_reserved_windows_names(name):
    assert safe_stem(name).upper() != name.upper()
    assert safe_stem(name).startswith(name)
    assert safe_stem(f"{name}.txt") == f"{name}_.txt"
    assert safe_stem(f"{name} ") == f"{name}_"
    if name.isalnum():  # an image stem keeps only letters, digits, "_" and "-"
        assert render("{image}", job(image=f"/in/{name}.png")) == f"{name}_"


def test_not_reserved():
    for name in ("CONSOLE", "com10", "nullable", "lpt", "icon", "con-10s"):
        assert safe_stem(name) == name


def test_characters_and_edges():
    assert safe_stem('a<b>c:d"e/f\\g|h?i*j') == "a-b-c-d-e-f-g-h-i-j"
    assert safe_stem("tab\there\nnew\x00\x7f") == "tab-here-new-"
    assert safe_stem("  trailing dots... ") == "trailing dots"
    assert safe_stem(".hidden") == "hidden"
    assert safe_stem("") == safe_stem(None) == safe_stem(" . ") == safe_stem("...") == "video"
    assert safe_stem("évolution — 進化 — تطور") == "évolution — 進化 — تطور"
    assert safe_stem("photo\u202egpj.exe") == "photogpj.exe"  # no right-to-left override
    assert safe_stem("bad\udcffbyte") == "bad-byte"  # a lone surrogate from a raw path


def test_long_names_cut_on_a_character_boundary():
    assert safe_stem("a" * 500) == "a" * MAX_STEM_BYTES
    cut = safe_stem("é" * 100)  # 2 bytes each
    assert cut == "é" * 60
    cut = safe_stem("a" + "語" * 100)  # 3 bytes each, 1 + 3k never lands on 120
    assert cut == "a" + "語" * 39 and len(cut.encode()) == 118
    emoji = safe_stem("🎬" * 40)  # 4 bytes each
    assert emoji == "🎬" * 30
    assert safe_stem("x" * 119 + ". y") == "x" * 119  # no trailing dot after the cut


def test_long_fields_shrink_before_the_id():
    j = job(
        image="/in/" + "写真" * 20 + ".png",  # 40 chars, 120 bytes
        prompt="非常に長いプロンプトの最初の言葉たち " * 3,
    )
    name = render("{image}-{prompt}-seed{seed}-{id}", j, batch_name="x")
    assert len(name.encode()) <= MAX_STEM_BYTES
    assert name.endswith("-seed4242-0123456789ab")
    assert name.startswith("写真")
    long_literal = render("x" * 300 + "{id}", j)
    assert long_literal == "x" * MAX_STEM_BYTES  # literal text alone: cut like any name


@pytest.mark.parametrize(
    "template, words",
    [
        ("{image}-{colour}", ["{colour}", "{image}", "{id}"]),
        ("{Image}", ["{Image}", "Did you mean {image}"]),
        ("{ seed }", ["Did you mean {seed}"]),
        ("{seed:05d}", ["{seed:05d}", "Did you mean {seed}"]),
        ("{durration}", ["Did you mean {duration}"]),
        ("{}", ["Empty braces"]),
        ("{image", ["not closed", "character 1"]),
        ("{image}-{seed", ["not closed", "character 9"]),
        ("{im{age}", ["not closed"]),
        ("image}", ["closes no field", "character 6"]),
        ("", ["empty"]),
        ("   ", ["empty"]),
        (None, ["must be text"]),
    ],
)
def test_bad_templates(template, words):
    problem = check_template(template)
    assert problem is not None
    for word in words:
        assert word in problem
    # rendering falls back to today's names rather than failing a download
    assert render(template, job()) == render(DEFAULT_TEMPLATE, job())


def test_good_templates():
    for t in (DEFAULT_TEMPLATE, "plain", "{{literal}} {id}", *(f"{{{f}}}" for f in FIELDS)):
        assert check_template(t) is None, t
    assert render("{{x}}-{seed}", job()) == "{x}-4242"


def test_unknown_field_message_lists_every_field():
    problem = check_template("{nope}")
    assert all(f"{{{f}}}" in problem for f in FIELDS)


def test_bad_template_logs_and_falls_back(caplog):
    with caplog.at_level("WARNING", logger=naming.__name__):
        assert render("{nope}", job()) == "astronaut-10s-seed4242-0123456789ab"
    assert "{nope}" in caplog.text


def test_counter_never_overwrites(tmp_path):
    taken = {tmp_path / "clip.mp4", tmp_path / "clip-2.mp4", tmp_path / "clip-3.mp4"}
    asked: list[Path] = []

    def is_taken(p: Path) -> bool:
        asked.append(p)
        return p in taken

    assert choose_path(tmp_path, "clip", is_taken) == tmp_path / "clip-4.mp4"
    assert [p.name for p in asked] == ["clip.mp4", "clip-2.mp4", "clip-3.mp4", "clip-4.mp4"]
    assert choose_path(tmp_path, "fresh", is_taken) == tmp_path / "fresh.mp4"
    assert choose_path(str(tmp_path), "con", is_taken) == tmp_path / "con_.mp4"  # made safe


def test_counter_with_real_files(tmp_path):
    def taken(p: Path) -> bool:
        return p.exists() or p.with_name(p.name + ".part").exists()

    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "a-2.mp4.part").write_bytes(b"x")  # a download in progress claims it
    chosen = choose_path(tmp_path, "a", taken)
    assert chosen.name == "a-3.mp4"
    longest = choose_path(tmp_path, "é" * 200, taken)
    assert len(longest.name.encode()) <= MAX_STEM_BYTES + len("-999.mp4")


def test_counter_gives_up_rather_than_loop_forever(tmp_path):
    with pytest.raises(FileExistsError):
        choose_path(tmp_path, "x", lambda p: True)


def _ok_on_every_os(stem: str) -> None:
    assert stem
    assert not WINDOWS_BAD & set(stem)
    assert all(ord(c) >= 32 and c != "\x7f" for c in stem)
    assert stem[-1] not in ". " and stem[0] not in ". "
    assert stem.split(".")[0].rstrip(" ").upper() not in naming._RESERVED
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_safe_stem_always_safe_and_stable(text):
    stem = safe_stem(text)
    _ok_on_every_os(stem)
    assert safe_stem(stem) == stem


_template_text = st.lists(
    st.one_of(
        st.sampled_from([f"{{{f}}}" for f in FIELDS]),
        st.text(alphabet=st.characters(exclude_characters="{}"), max_size=30),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    _template_text,
    st.text(max_size=80),
    st.text(max_size=200),
    st.one_of(st.none(), st.text(max_size=150)),
)
def test_render_always_safe(template, image_name, prompt, batch):
    j = job(image="/in/" + image_name.replace("/", "") + ".png", prompt=prompt)
    _ok_on_every_os(render(template, j, batch_name=batch, now=NOW))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=string.printable, max_size=40))
def test_check_template_agrees_with_render(template):
    problem = check_template(template)
    stem = render(template, job())
    if problem:
        assert stem == render(DEFAULT_TEMPLATE, job())
    _ok_on_every_os(stem)


# --- the setting ---------------------------------------------------------------


def test_setting_defaults_loads_and_saves(tmp_path):
    paths = app_paths(tmp_path)
    assert Settings().name_template == DEFAULT_TEMPLATE
    assert Settings.load(paths).name_template == DEFAULT_TEMPLATE  # no file yet
    fresh = update_file(paths, {"name_template": "{batch}-{take}-{image}"})
    assert fresh.name_template == "{batch}-{take}-{image}"
    assert json.loads(paths.settings_file.read_text())["name_template"] == "{batch}-{take}-{image}"
    assert Settings.load(paths).name_template == "{batch}-{take}-{image}"


@pytest.mark.parametrize("bad", ["{nope}-{id}", "{image", 42, None, ""])
def test_a_bad_template_in_the_file_falls_back_with_a_warning(tmp_path, caplog, bad):
    paths = app_paths(tmp_path)
    paths.config.mkdir(parents=True)
    paths.settings_file.write_text(json.dumps({"name_template": bad, "concurrency": 4}))
    with caplog.at_level("WARNING", logger="app.settings"):
        loaded = Settings.load(paths)
    assert loaded.name_template == DEFAULT_TEMPLATE and loaded.concurrency == 4
    assert "name_template" in caplog.text


def test_settings_set_name_template():
    assert "name_template" in settings_names.names()
    assert settings_names.parse("name_template", " {image}-{seed} ") == {
        "name_template": "{image}-{seed}"
    }
    assert settings_names.parse("name_template", "default") == {"name_template": DEFAULT_TEMPLATE}
    with pytest.raises(settings_names.SettingError) as err:
        settings_names.parse("name_template", "{colour}")
    assert "{colour}" in str(err.value) and "{image}" in str(err.value)
