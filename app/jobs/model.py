"""The job: what the creator asked for, where it stands, and what it produced."""

from __future__ import annotations

import dataclasses
import enum
import time
import uuid
from dataclasses import dataclass, field

DEFAULT_PROMPT = (
    "Generate a captivating avatar video with fluent dialogue and lively facial gestures."
)
DURATIONS = (5, 10, 15)
QUALITIES = ("high", "mid")
SEED_MIN, SEED_MAX = 1, 1_000_000


class JobState(enum.StrEnum):
    """The states of the command-line contract."""

    pending = "pending"
    preparing = "preparing"
    uploading = "uploading"
    submitting = "submitting"
    queued = "queued"
    processing = "processing"
    downloading = "downloading"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"
    expired = "expired"
    interrupted = "interrupted"
    # long videos only, while the parts' clips become one video (last: lists rely on the
    # order of the others)
    joining = "joining"

    @property
    def finished(self) -> bool:
        return self in FINISHED

    @property
    def submitted(self) -> bool:
        """The service has (or may have) the job: money may be spent."""
        return self in (JobState.queued, JobState.processing, JobState.downloading)


FINISHED = frozenset(
    {
        JobState.completed,
        JobState.failed,
        JobState.cancelled,
        JobState.expired,
        JobState.interrupted,
    }
)
ACTIVE = frozenset(set(JobState) - FINISHED)
# the ends `retry` puts back to pending (the window's menu and the command line use this)
RETRYABLE = frozenset({JobState.failed, JobState.expired, JobState.interrupted, JobState.cancelled})
# ends after which Segmind may still bill the submit: counted at the estimate this month
MAY_BE_BILLED_ENDS = frozenset({JobState.cancelled, JobState.interrupted})
# what another process may ask of a job's owner (Job.requested)
REQUESTS = ("cancel", "retry", "hide", "delete")

# How far along an unfinished job is: a long video is as far as its least advanced part.
PROGRESS = (
    JobState.pending,
    JobState.preparing,
    JobState.uploading,
    JobState.submitting,
    JobState.queued,
    JobState.processing,
    JobState.downloading,
)
# A long video none of whose parts is unfinished ends as its worst part did.
WORST_ENDS = (JobState.failed, JobState.interrupted, JobState.expired, JobState.cancelled)

# Named transitions: state -> states it may move to.
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.pending: frozenset(
        {JobState.preparing, JobState.submitting, JobState.failed, JobState.cancelled}
    ),
    JobState.preparing: frozenset(
        {
            JobState.uploading,
            JobState.submitting,
            JobState.pending,
            JobState.failed,
            JobState.cancelled,
        }
    ),
    JobState.uploading: frozenset(
        {
            JobState.preparing,
            JobState.submitting,
            JobState.pending,
            JobState.failed,
            JobState.cancelled,
        }
    ),
    JobState.submitting: frozenset(
        {
            JobState.queued,
            JobState.processing,
            JobState.failed,
            JobState.interrupted,
            JobState.pending,
            JobState.cancelled,
        }
    ),
    JobState.queued: frozenset(
        {
            JobState.processing,
            JobState.downloading,
            JobState.failed,
            JobState.expired,
            JobState.cancelled,
        }
    ),
    JobState.processing: frozenset(
        {
            JobState.downloading,
            JobState.failed,
            JobState.expired,
            JobState.cancelled,
            JobState.queued,
        }
    ),
    JobState.downloading: frozenset(
        {JobState.completed, JobState.failed, JobState.expired, JobState.cancelled}
    ),
    # retry puts a finished job back to pending (same row, attempt + 1); Segmind's request
    # history may settle an interrupted job (found: queued, or failed) or find the video of
    # an expired one (app/jobs/settle.py)
    JobState.failed: frozenset({JobState.pending}),
    JobState.expired: frozenset({JobState.pending, JobState.downloading, JobState.failed}),
    JobState.interrupted: frozenset({JobState.pending, JobState.queued, JobState.failed}),
    JobState.cancelled: frozenset({JobState.pending}),
    JobState.joining: frozenset(),  # ordinary jobs never join
    JobState.completed: frozenset(),
}

# A long video's state follows its parts (any active state to any other), then the join.
LONG_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    **{s: frozenset(set(JobState) - {s}) for s in ACTIVE},
    **{s: frozenset({JobState.pending}) for s in RETRYABLE},
    JobState.completed: frozenset(),
}


class TransitionError(RuntimeError):
    pass


def new_job_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Job:
    """One talking video: inputs, parameters, progress through the service, result."""

    image: str  # local path or https URL, as the creator gave it
    audio: str
    prompt: str = DEFAULT_PROMPT
    duration: int = 10
    quality: str = "high"
    seed: int = 42
    enhance_prompt: bool = False
    id: str = field(default_factory=new_job_id)
    state: JobState = JobState.pending
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    # inputs as checked
    image_size: int | None = None
    image_hash: str | None = None
    audio_size: int | None = None
    audio_hash: str | None = None
    audio_seconds: float | None = None
    trim: bool = False
    trim_start: float = 0.0  # seconds into the clip where the trimmed audio starts
    prepared_audio: str | None = None  # local WAV actually sent (converted/trimmed)
    image_url: str | None = None  # https URL the service reads the image from
    audio_url: str | None = None
    # the service's side
    request_id: str | None = None
    status_url: str | None = None
    response_url: str | None = None
    output_url: str | None = None
    submitted_at: float | None = None
    finished_at: float | None = None
    attempt: int = 1
    cost: float | None = None
    estimate: float | None = None  # the price from Settings when it was submitted
    may_be_billed: bool = False  # ended after its submit was sent, before a known cost
    output_until: float | None = None  # when Segmind is expected to delete the video
    metrics: dict = field(default_factory=dict)
    # outcome
    output_dir: str | None = None
    output_path: str | None = None
    save_as: str | None = None  # the name chosen before the download starts (kept on resume)
    output_hash: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    rerun_of: str | None = None
    # a long video is a parent job (part_count > 0) whose parts are jobs
    part_count: int = 0
    parent_id: str | None = None  # a part: its long video
    part_index: int | None = None  # a part: 0-based place in its long video
    part_start: float | None = None  # a part: seconds of the original recording
    part_end: float | None = None
    # batches and takes (a takes group is a batch of kind "takes")
    batch_id: str | None = None
    take: int | None = None  # 1-based take number in its takes group
    kept: bool = False  # the chosen take (a star in the queue, in the sidecar)
    name_template: str | None = None  # the video's file-name template (None: Settings')
    output_name: str | None = None  # an exact file name asked for (a CSV's `name`)
    demo: bool = False  # made in the offline demo: labelled simulated everywhere
    simulated: bool = False  # made by a simulator (demo, tests): never teaches typical times
    # kept by the store in their own columns (a stale copy can never write them back)
    requested: str | None = None  # one of REQUESTS, until the job's owner carries it out
    hidden: bool = False  # removed from the list: still counted in spend and duplicates

    @property
    def is_long(self) -> bool:
        """A long video: its parts are jobs, its video is their clips joined."""
        return self.part_count > 0

    @property
    def pair_key(self) -> str:
        """Equal for jobs with the same inputs and parameters but the seed: the takes of
        one pair share it."""
        return "|".join(
            str(v)
            for v in (
                self.image_hash or self.image,
                self.audio_hash or self.audio,
                self.trim,
                self.trim_start,
                self.prompt,
                self.duration,
                self.quality,
                self.enhance_prompt,
                self.part_count > 0,
            )
        )

    @property
    def blocked(self) -> bool:
        """Finished at Segmind but waiting for a usable output folder."""
        return self.state == JobState.downloading and self.error_code == "output_folder"

    def to_contract(self) -> dict:
        """The `--json` object of the command-line contract."""
        error = None
        if self.error_code:
            error = {"code": self.error_code, "message": self.error_message or ""}
        data = {
            "id": self.id,
            "request_id": self.request_id,
            "state": self.state.value,
            "output_path": self.output_path,
            "output_url": self.output_url,
            "error": error,
        }
        if self.batch_id:
            data["batch"] = self.batch_id
        return data

    def params(self) -> dict:
        """The model's parameters, as the service takes them (minus the media)."""
        return {
            "prompt": self.prompt,
            "duration": self.duration,
            "quality": self.quality,
            "seed": self.seed,
            "enhance_prompt": self.enhance_prompt,
        }

    def copy(self, **changes) -> Job:
        return dataclasses.replace(self, **changes)
