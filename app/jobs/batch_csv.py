"""A batch as a CSV file: one job per row, read and written by both faces.

UTF-8 with a header row. Required columns `image,audio,prompt`; optional
`duration,quality,seed,enhance_prompt,split,name`. Paths are relative to the CSV's
folder (or https links); booleans are true/false, yes/no or 1/0 in any case; an empty
cell means the default (an empty prompt: the model's default prompt; an empty seed: a
random one, fixed when the batch is stored). Rows are numbered as in a spreadsheet:
the header is row 1. Every problem of the file is reported at once.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from app.jobs.batches import BatchProblems, RowProblem
from app.jobs.model import DEFAULT_PROMPT, DURATIONS, QUALITIES, SEED_MAX, SEED_MIN, Job
from app.jobs.prepare import JobRequest
from app.settings import write_atomic

REQUIRED = ("image", "audio", "prompt")
OPTIONAL = ("duration", "quality", "seed", "enhance_prompt", "split", "name")
COLUMNS = REQUIRED + OPTIONAL
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
MAX_ROWS = 10_000
_LISTED = ", ".join(COLUMNS)


def parse_csv(path: str | os.PathLike) -> tuple[list[JobRequest], list[RowProblem]]:
    """The rows that read well as requests, and every problem of the others."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return [], [RowProblem(1, "", f"There is no file {path}.")]
    except OSError as err:
        return [], [RowProblem(1, "", f"{path} cannot be read: {err.strerror or err}.")]
    except UnicodeDecodeError as err:
        return [], [
            RowProblem(
                1,
                "",
                f"{path.name} is not UTF-8 text (byte {err.start}); "
                "save it as 'CSV UTF-8' from the spreadsheet.",
            )  # fmt: skip
        ]
    return parse_text(text, path.parent.absolute())


def parse_text(text: str, folder: Path) -> tuple[list[JobRequest], list[RowProblem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [RowProblem(1, "", "The file is empty: it needs a header row "
                               f"({','.join(REQUIRED)}) and one row per video.")]  # fmt: skip
    except csv.Error as err:
        return [], [RowProblem(1, "", f"The header cannot be read as CSV ({err}).")]
    problems = _header_problems(header)
    if problems:
        return [], problems
    requests: list[JobRequest] = []
    try:
        for row, cells in enumerate(reader, start=2):  # a record is a spreadsheet row
            if not any(c.strip() for c in cells):
                continue  # spreadsheets leave empty lines
            if len(requests) + len(problems) >= MAX_ROWS:
                problems.append(RowProblem(row, "", f"More than {MAX_ROWS} rows: split the file."))
                break
            request, found = _row(header, cells, row, folder)
            problems += found
            if request is not None:
                requests.append(request)
    except csv.Error as err:
        line = reader.line_num
        problems.append(RowProblem(line, "", f"Line {line} cannot be read as CSV ({err})."))
    if not requests and not problems:
        problems.append(RowProblem(2, "", "The file has a header but no rows."))
    return requests, problems


def read_csv(path: str | os.PathLike) -> list[JobRequest]:
    """The file's rows as requests, or BatchProblems listing every problem."""
    requests, problems = parse_csv(path)
    if problems:
        raise BatchProblems(problems)
    return requests


def _header_problems(header: list[str]) -> list[RowProblem]:
    problems = []
    for name in header:
        if name and name not in COLUMNS:
            problems.append(
                RowProblem(
                    1, name, f"Unknown column '{name}'; the columns are {', '.join(COLUMNS)}."
                )
            )
    for name in REQUIRED:
        if name not in header:
            problems.append(RowProblem(1, name, f"The column '{name}' is missing."))
    doubled = {n for n in header if n and header.count(n) > 1}
    for name in sorted(doubled):
        problems.append(RowProblem(1, name, f"The column '{name}' appears twice."))
    return problems


def _row(
    header: list[str], cells: list[str], row: int, folder: Path
) -> tuple[JobRequest | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    if len(cells) > len(header):
        problems.append(
            RowProblem(
                row,
                "",
                f"{len(cells)} cells but {len(header)} columns: "
                "a comma inside a prompt needs the prompt in double quotes.",
            )  # fmt: skip
        )
    values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}

    def bad(column: str, message: str) -> None:
        problems.append(RowProblem(row, column, message))

    image, audio = (_location(values[c], folder) for c in ("image", "audio"))
    for column, value in (("image", image), ("audio", audio)):
        if not value:
            bad(column, f"The {column} cell is empty: give a file (relative to the CSV) or link.")
    duration = _number(values.get("duration", ""), "duration", bad)
    if duration is not None and duration not in DURATIONS:
        bad("duration", f"Duration {duration} is not offered: use 5, 10 or 15 (or leave empty).")
    quality = values.get("quality", "").lower() or "high"
    if quality not in QUALITIES:
        bad("quality", f"Quality '{values['quality']}' is not offered: use high or mid.")
    seed = _number(values.get("seed", ""), "seed", bad)
    if seed is not None and not SEED_MIN <= seed <= SEED_MAX:
        bad("seed", f"Seed {seed} is out of range: use 1 to 1,000,000 (or leave empty).")
    enhance = _flag(values, "enhance_prompt", bad)
    split = _flag(values, "split", bad)
    if split and duration is not None:
        bad("duration", "A long video (split) takes the whole clip: leave the duration empty.")
    prompt = values["prompt"] or DEFAULT_PROMPT
    if len(prompt) > 2000:
        bad("prompt", f"The prompt is {len(prompt)} characters long; keep it under 2,000.")
    name = values.get("name") or None
    if problems:
        return None, problems
    request = JobRequest(
        image=image,
        audio=audio,
        prompt=prompt,
        duration=duration,
        quality=quality,
        seed=seed,
        enhance_prompt=enhance,
        split=split,
        name=name,
        row=row,
    )
    return request, []


def _location(value: str, folder: Path) -> str:
    if not value or "://" in value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else folder / path)


def _number(text: str, column: str, bad) -> int | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        bad(column, f"'{text}' is not a number.")
        return None
    if value != int(value):
        bad(column, f"{text} is not a whole number.")
        return None
    return int(value)


def _flag(values: dict[str, str], column: str, bad) -> bool:
    text = values.get(column, "").lower()
    if not text or text in _FALSE:
        return False
    if text in _TRUE:
        return True
    bad(column, f"'{values[column]}' is not true/false, yes/no or 1/0.")
    return False


def write_csv(path: str | os.PathLike, jobs: Iterable[Job | JobRequest]) -> Path:
    """Write jobs (or requests) as a batch CSV that `read_csv` reads back; local paths
    relative to the file's folder when they are inside it."""
    path = Path(path)
    folder = path.parent.absolute()
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for job in jobs:
        writer.writerow(_cells(job, folder))
    write_atomic(path, out.getvalue().encode("utf-8"))
    return path


def _cells(job: Job | JobRequest, folder: Path) -> list[str]:
    if isinstance(job, Job):
        split, duration, name = job.is_long, None if job.is_long else job.duration, job.output_name
    else:
        split, duration, name = job.split, job.duration, job.name
    return [
        _relative(job.image, folder),
        _relative(job.audio, folder),
        job.prompt,
        "" if duration is None else str(duration),
        job.quality,
        "" if job.seed is None else str(job.seed),
        "true" if job.enhance_prompt else "false",
        "true" if split else "false",
        name or "",
    ]


def _relative(value: str, folder: Path) -> str:
    if "://" in value:
        return value
    path = Path(value)
    try:
        return path.absolute().relative_to(folder).as_posix()
    except ValueError:
        return str(path)
