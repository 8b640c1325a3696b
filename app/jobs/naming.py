"""Names that say what a file is: output file names from a template of fields.

A template such as "{image}-{duration}-seed{seed}-{id}" (the default: the names the app
has always given) is rendered for a job into a stem that is safe on Windows, macOS and
Linux; `choose_path` adds ".mp4" and a counter ("-2", "-3"...) so nothing is overwritten.
Pure functions: no Qt, no files touched (the caller says which paths are taken).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

FIELDS = (
    "image",
    "audio",
    "prompt",
    "seed",
    "duration",
    "quality",
    "date",
    "time",
    "batch",
    "take",
    "id",
)
DEFAULT_TEMPLATE = "{image}-{duration}-seed{seed}-{id}"

# What each field is, in the creator's words (the settings dialog's field menu).
FIELD_HELP = {
    "image": "the portrait's file name",
    "audio": "the voice clip's file name",
    "prompt": "the prompt's first words",
    "seed": "the seed",
    "duration": "10s, or long-63s for a long video",
    "quality": "high or mid",
    "date": "the date, 2026-12-02",
    "time": "the time, 18-30-05",
    "batch": "the batch's name (empty outside a batch)",
    "take": "the take number (empty outside takes)",
    "id": "the job's id",
}

# A stem leaves room for "-999.mp4" and a ".json"/".part" beside it within the 255 bytes
# most file systems allow, with room to spare for sync tools that add their own suffix.
MAX_STEM_BYTES = 120
FALLBACK = "video"

_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
_RESERVED |= {f"{kind}{n}" for kind in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f\ud800-\udfff]+')
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # could make "gpj.exe" read as "exe.jpg"
SEPARATORS = tuple(" .-_")  # what an empty field leaves dangling
_TEXT_FIELDS = ("prompt", "batch", "audio", "image")  # shortened first when a name is long


class TemplateError(ValueError):
    """A template that cannot be rendered; the message names the problem."""


def _fields_list() -> str:
    names = [f"{{{f}}}" for f in FIELDS]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _parse(template: str) -> list[tuple[str, str | None]]:
    """(literal text, field name or None) pieces; {{ and }} are literal braces."""
    if not isinstance(template, str):
        raise TemplateError(f"The file name template must be text, not {template!r}.")
    if not template.strip():
        raise TemplateError(f"The file name template is empty. Use fields like {_fields_list()}.")
    pieces: list[tuple[str, str | None]] = []
    literal: list[str] = []
    i, n = 0, len(template)
    while i < n:
        c = template[i]
        if c == "}":
            if template[i + 1 : i + 2] == "}":
                literal.append("}")
                i += 2
                continue
            raise TemplateError(
                f"The '}}' at character {i + 1} closes no field: write fields as {{image}} "
                "(and '}}' for a brace in the name)."
            )
        if c != "{":
            literal.append(c)
            i += 1
            continue
        if template[i + 1 : i + 2] == "{":
            literal.append("{")
            i += 2
            continue
        end = template.find("}", i + 1)
        other = template.find("{", i + 1)
        if end < 0 or 0 <= other < end:
            raise TemplateError(
                f"The '{{' at character {i + 1} is not closed: write fields as {{image}} "
                "(and '{{' for a brace in the name)."
            )
        name = template[i + 1 : end]
        if name not in FIELDS:
            raise TemplateError(_unknown(name))
        pieces.append(("".join(literal), name))
        literal = []
        i = end + 1
    pieces.append(("".join(literal), None))
    return pieces


def _unknown(name: str) -> str:
    if not name.strip():
        return f"Empty braces {{}} name no field. The fields are {_fields_list()}."
    guess = name.strip().split(":")[0].split("!")[0].lower()
    hint = ""
    if guess in FIELDS:
        hint = f" Did you mean {{{guess}}}? Fields take no spaces, formats or capitals."
    else:
        close = difflib.get_close_matches(guess, FIELDS, n=1, cutoff=0.6)
        if close:
            hint = f" Did you mean {{{close[0]}}}?"
    return f"There is no field {{{name}}}.{hint} The fields are {_fields_list()}."


def check_template(template: str) -> str | None:
    """What is wrong with a template (naming the bad field and the valid ones), or None."""
    try:
        _parse(template)
    except TemplateError as err:
        return str(err)
    return None


def _file_stem(path_or_url: str | None, fallback: str) -> str:
    # exactly the stem the engine has always used: "my photo (1).png" -> "my-photo-1"
    stem = Path(urlsplit(path_or_url or "").path).stem
    return re.sub(r"[^\w-]+", "-", stem).strip("-")[:40] or fallback


def _first_words(prompt: str | None, words: int = 5, chars: int = 40) -> str:
    found = re.findall(r"\w+", re.sub(r"['’]", "", prompt or ""))
    out = ""
    for word in found[:words]:
        joined = f"{out}-{word}" if out else word
        if len(joined) > chars:
            return out or word[:chars]
        out = joined
    return out


def _when(now: datetime | float | None) -> datetime:
    if now is None:
        return datetime.now()
    if isinstance(now, datetime):
        return now.astimezone() if now.tzinfo else now
    return datetime.fromtimestamp(float(now))


def field_values(job, batch_name: str | None = None, now: datetime | float | None = None) -> dict:
    """Every field's text for this job (before the whole name is made safe)."""
    when = _when(now)
    if job.part_count > 0:  # a long video: its length is the recording's
        duration = f"long-{round(job.audio_seconds or 0)}s"
    else:
        duration = f"{job.duration}s"
    take = job.take
    return {
        "image": _file_stem(job.image, FALLBACK),
        "audio": _file_stem(job.audio, "audio"),
        "prompt": _first_words(job.prompt),
        "seed": str(job.seed),
        "duration": duration,
        "quality": str(job.quality),
        "date": when.strftime("%Y-%m-%d"),
        "time": when.strftime("%H-%M-%S"),
        "batch": safe_stem(batch_name, fallback="").strip("-") if batch_name else "",
        "take": str(take) if take is not None else "",
        "id": str(job.id),
    }


def _join(pieces: list[tuple[str, str | None]], values: dict) -> str:
    """The pieces with the fields' values; an empty field takes one separator with it,
    so "{batch}-{image}" outside a batch is "astronaut", not "-astronaut"."""
    out = ""
    dangling = False  # the last field was empty
    for literal, name in pieces:
        if dangling and literal[:1] in SEPARATORS and (not out or out[-1] in SEPARATORS):
            literal = literal[1:]
        elif dangling and not literal and name is None and out[-1:] in SEPARATORS:
            out = out[:-1]  # "{image}-{take}" outside takes: "astronaut"
        out += literal
        if name is not None:
            out += values[name]
            dangling = not values[name]
    return out


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def render(
    template: str | None,
    job,
    batch_name: str | None = None,
    now: datetime | float | None = None,
) -> str:
    """The safe file stem (no extension) for `job` from `template`.

    An invalid template falls back to DEFAULT_TEMPLATE (with a logged warning). A name over
    MAX_STEM_BYTES is shortened in its text fields (prompt, batch, audio, image) first,
    so the seed and id survive.
    """
    try:
        pieces = _parse(template or DEFAULT_TEMPLATE)
    except TemplateError as err:
        log.warning("file name template %r not used: %s", template, err)
        pieces = _parse(DEFAULT_TEMPLATE)
    values = field_values(job, batch_name, now)
    used = {name for _, name in pieces if name}
    while _size(_join(pieces, values)) > MAX_STEM_BYTES:
        longest = max(
            (f for f in _TEXT_FIELDS if f in used and len(values[f]) > 1),
            key=lambda f: _size(values[f]),
            default=None,
        )
        if longest is None:
            break  # literal text: safe_stem cuts it
        values[longest] = values[longest][:-1].rstrip("".join(SEPARATORS)) or values[longest][0]
    return safe_stem(_join(pieces, values))


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")  # never half a character


def safe_stem(text: str | None, fallback: str = FALLBACK) -> str:
    """A file name stem valid on Windows, macOS and Linux.

    Characters <>:"/\\|?* and control characters become "-", bidirectional overrides go,
    no leading or trailing dots or spaces, a Windows device name (CON, com1, "nul.txt"...)
    gets "_" after its name, at most MAX_STEM_BYTES of UTF-8 cut on a character boundary;
    letters of every language are kept. Empty: `fallback` ("video").
    """
    stem = _BIDI.sub("", _UNSAFE.sub("-", text or ""))
    stem = _cut(stem.strip(" ."), MAX_STEM_BYTES).rstrip(" .")
    head, dot, rest = stem.partition(".")
    if head.rstrip(" ").upper() in _RESERVED:
        stem = _cut(f"{head}_{dot}{rest}", MAX_STEM_BYTES).rstrip(" .")
    return stem or fallback


def choose_path(folder: str | Path, stem: str, taken: Callable[[Path], bool]) -> Path:
    """folder/stem.mp4, or stem-2.mp4, stem-3.mp4... the first one `taken` says is free.

    `taken(path)` is the caller's: the file, its .part and the store's claims. The stem is
    made safe first (a name from a CSV goes through here too).
    """
    folder = Path(folder)
    stem = safe_stem(stem)
    path = folder / f"{stem}.mp4"
    n = 1
    while taken(path):
        n += 1
        if n > 100_000:
            raise FileExistsError(f"Every name like {stem}-N.mp4 in {folder} is taken.")
        path = folder / f"{stem}-{n}.mp4"
    return path
