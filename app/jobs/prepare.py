"""From what the creator asked for to a checked job, before any money is spent.

Every refusal here is SegmindError(invalid_input) naming the file, the problem and
the fix; nothing in this module talks to the Segmind service (https inputs are only
probed at their own host).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.api.errors import ErrorKind, SegmindError
from app.jobs import media
from app.jobs.audio_check import too_long_refusal
from app.jobs.model import DEFAULT_PROMPT, DURATIONS, QUALITIES, SEED_MAX, SEED_MIN, Job


@dataclass
class JobRequest:
    """What the creator asked for (window or command line)."""

    image: str
    audio: str
    prompt: str = DEFAULT_PROMPT
    duration: int | None = None  # None: the shortest of 5/10/15 s that covers the audio
    quality: str = "high"
    seed: int | None = None  # None: a random seed
    enhance_prompt: bool = False
    trim: bool = False
    trim_start: float = 0.0  # with trim: seconds into the clip where the video's audio starts
    output_dir: str | None = None
    split: bool = False  # audio over 15 s becomes a long video (parts joined into one)
    cuts: tuple[float, ...] | None = None  # a long video's cuts (seconds); None: the planner's
    name: str | None = None  # the video's exact file name (a CSV's `name`), over templates
    name_template: str | None = None  # the file-name template (None: Settings.name_template)
    row: int | None = None  # a batch's row (spreadsheet numbering), for problem reports


def _refuse(message: str) -> SegmindError:
    return SegmindError(ErrorKind.invalid_input, message)


def check_parameters(req: JobRequest) -> None:
    """The model's parameter rules, checked locally."""
    if not (req.prompt or "").strip():
        raise _refuse("The prompt is empty. Write what the video should show, or keep the default.")
    if len(req.prompt) > 2000:
        raise _refuse(f"The prompt is {len(req.prompt)} characters long; keep it under 2,000.")
    if req.duration is not None and req.duration not in DURATIONS:
        raise _refuse(f"Duration {req.duration} s is not offered: choose 5, 10 or 15 seconds.")
    if req.quality not in QUALITIES:
        raise _refuse(f"Quality '{req.quality}' is not offered: choose 'high' or 'mid'.")
    if req.seed is not None and not SEED_MIN <= req.seed <= SEED_MAX:
        raise _refuse(f"Seed {req.seed} is out of range: use a whole number from 1 to 1,000,000.")
    if req.trim_start and not req.trim:
        raise _refuse("A trim start needs trimming on: turn Trim on, or leave the start at 0.")
    if req.split and (req.trim or req.duration is not None):
        raise _refuse(
            "A long video (split) takes the whole clip: it cannot be trimmed or given one "
            "duration. Leave out the trim and the duration, or turn splitting off."
        )
    if not 0 <= req.trim_start < 24 * 3600:
        raise _refuse(f"The trim start {req.trim_start} s must be 0 or more seconds into the clip.")


def random_seed() -> int:
    return random.randint(SEED_MIN, SEED_MAX)


async def check_request(req: JobRequest, probe=None, prices: Mapping | None = None) -> Job:
    """Check inputs and parameters; return an unsaved job with sizes, hashes and duration.

    `probe(url)` checks an https input's reachability and type (the keyless downloader).
    `prices` (shaped like Settings.prices) lets a too-long refusal name the split plan.
    """
    check_parameters(req)
    image_kind, image = media.check_input_location(req.image)
    audio_kind, audio = media.check_input_location(req.audio)
    job = Job(
        image=str(image),
        audio=str(audio),
        prompt=req.prompt.strip(),
        quality=req.quality,
        seed=req.seed if req.seed is not None else random_seed(),
        enhance_prompt=req.enhance_prompt,
        trim=req.trim,
        trim_start=float(req.trim_start) if req.trim else 0.0,
        output_dir=str(Path(req.output_dir).expanduser().absolute()) if req.output_dir else None,
        name_template=req.name_template,
        output_name=req.name,
    )
    if image_kind == "path":
        info = await media.inspect_image_async(image)
        job.image_size, job.image_hash = info.size_bytes, info.sha256
    else:
        await _probe(probe, str(image), "image")
    if audio_kind == "path":
        ainfo = await media.inspect_audio_async(audio)
        job.audio_size, job.audio_hash, job.audio_seconds = (
            ainfo.size_bytes,
            ainfo.sha256,
            ainfo.seconds,
        )
        job.duration = await _duration_for(ainfo, req, prices)
    else:
        if req.split:
            raise _refuse(
                f"A long video needs the voice clip on this computer; {audio} is a link. "
                "Download it first and give the file."
            )
        await _probe(probe, str(audio), "audio")
        job.duration = req.duration or 10
    return job


async def _duration_for(info: media.AudioInfo, req: JobRequest, prices: Mapping | None) -> int:
    seconds = info.seconds
    if req.split and media.choose_duration(seconds) is None:
        return 0  # a long video: its parts' durations come from the plan
    wanted = req.duration or media.choose_duration(seconds) or DURATIONS[-1]
    if seconds > wanted + media.DURATION_GRACE and not req.trim:
        split = ""
        if prices and media.choose_duration(seconds) is None:
            split = await asyncio.to_thread(split_summary, info.path, prices, req.quality)
        raise too_long_refusal(info.path.name, seconds, wanted, split)
    if req.trim and req.trim_start >= seconds:
        raise _refuse(
            f"The trim start ({req.trim_start:g} s) is past the end of {info.path.name} "
            f"({seconds:.1f} s)."
        )
    return wanted


def split_summary(path: Path, prices: Mapping, quality: str) -> str:
    """ "3 parts, about $11.25": the long-video plan for a clip, for messages ("" if none)."""
    from app.media.files import MediaError
    from app.media.pauses import map_speech
    from app.media.plan import plan_parts

    try:
        plan = plan_parts(map_speech(path), prices, quality)
    except (MediaError, ValueError, OSError):
        return ""
    return f"{len(plan.parts)} parts, about ${plan.total:.2f}"


async def _probe(probe, url: str, what: str) -> None:
    if probe is None:
        return
    content_type, _size = await probe(url)
    if content_type and not content_type.startswith((what, "application/octet-stream")):
        raise _refuse(
            f"The {what} URL {url} serves {content_type}, not {what}. "
            f"Give a direct link to the {what} file."
        )


def fingerprint(job: Job) -> str:
    """Identity of what would be paid for: inputs by content, and every parameter."""
    ident = {
        "image": job.image_hash or job.image,
        "audio": job.audio_hash or job.audio,
        "trim": job.trim,
        **job.params(),
    }
    if job.trim and job.trim_start:  # only when trimming: old fingerprints stay the same
        ident["trim_start"] = round(float(job.trim_start), 3)
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()
