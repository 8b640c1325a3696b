"""Output file names from a template (a placeholder until the names branch lands)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_TEMPLATE = "{image}-{duration}-seed{seed}-{id}"


def _stem(value: str) -> str:
    return re.sub(r"[^\w-]+", "-", Path(urlsplit(value).path).stem).strip("-")[:40]


def render(template, job, batch_name=None, now=None) -> str:
    length = f"long-{round(job.audio_seconds or 0)}s" if job.part_count else f"{job.duration}s"
    values = {
        "image": _stem(job.image) or "video", "audio": _stem(job.audio), "prompt": "",
        "seed": job.seed, "duration": length, "quality": job.quality, "date": "", "time": "",
        "batch": batch_name or "", "take": job.take or "", "id": job.id,
    }  # fmt: skip
    return safe_stem((template or DEFAULT_TEMPLATE).format_map(values))


def safe_stem(text: str) -> str:
    return re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "-", text).strip(" .") or "video"


def choose_path(folder: Path, stem: str, taken: Callable[[Path], bool]) -> Path:
    path, n = folder / f"{stem}.mp4", 1
    while taken(path):
        n += 1
        path = folder / f"{stem}-{n}.mp4"
    return path


def check_template(template: str) -> str | None:
    try:
        template.format(image="", audio="", prompt="", seed=1, duration="", quality="", date="",
                        time="", batch="", take="", id="")  # fmt: skip
    except (KeyError, IndexError, ValueError) as err:
        return f"the template has a bad field ({err})"
    return None
