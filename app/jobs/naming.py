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
    return (template or DEFAULT_TEMPLATE).format(
        image=_stem(job.image) or "video", duration=length, seed=job.seed, id=job.id
    )


def safe_stem(text: str) -> str:
    return re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "-", text).strip(" .") or "video"


def choose_path(folder: Path, stem: str, taken: Callable[[Path], bool]) -> Path:
    path, n = folder / f"{stem}.mp4", 1
    while taken(path):
        n += 1
        path = folder / f"{stem}-{n}.mp4"
    return path
