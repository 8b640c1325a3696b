"""One error type for everything that can go wrong talking to Segmind (or before it).

Each kind is a case the creator handles differently; every error carries a message
in the creator's words and the next step. The API key never appears in either.

A next step is given for each face, because the two faces offer different ways out:
- `next_step`: plain words for the window (and for text stored on a job); never names
  a command-line flag or an environment variable. `str(error)` is message + next_step.
- `cli_step`: words for the command line; may name flags (`--force`, `--trim`, `--yes`).
  Defaults to next_step. `error.for_cli()` is message + cli_step; `to_dict()` uses it.
- `action`: a neutral name of the one way out a face may offer as a button or option,
  when it is more specific than the kind's usual one (None: the kind's usual one):
  "force" (submit the same job anyway), "trim" (trim the audio to the video length),
  "choose_folder" (pick another output folder), "confirm_spend" (go past the monthly
  spend threshold). The window renders its own words for it; the CLI has cli_step.
"""

from __future__ import annotations

import enum


class ErrorKind(enum.StrEnum):
    """What went wrong, as a case the user must handle differently."""

    invalid_input = "invalid_input"  # refused locally, before any network call
    invalid_key = "invalid_key"  # 401 or no key at all
    not_permitted = "not_permitted"  # 403
    not_found = "not_found"  # 404: unknown or expired request id
    insufficient_credits = "insufficient_credits"  # 406 "Insufficient credits"
    spend_limit = "spend_limit"  # 406 team spend limit
    bad_content_type = "bad_content_type"  # 406 "Invalid content type"
    job_failed = "job_failed"  # 422 FAILED
    content_blocked = "content_blocked"  # 422 FAILED by a content/safety filter
    rate_limited = "rate_limited"  # 429
    bad_request = "bad_request"  # 400
    model_retired = "model_retired"  # 410
    server = "server"  # 5xx
    network = "network"  # connect, timeout, reset
    malformed = "malformed"  # non-JSON, HTML, missing fields, foreign URLs
    expired = "expired"  # the service forgot the job before we learned its end
    interrupted = "interrupted"  # submit may have reached the service; not resubmitted
    cancelled = "cancelled"
    spend_threshold = "spend_threshold"  # would pass the creator's monthly threshold
    output_folder = "output_folder"  # the output folder cannot be written
    internal = "internal"


# Exit codes of the command-line contract.
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2
EXIT_ACCOUNT = 3
EXIT_JOB = 4
EXIT_SERVICE = 5
EXIT_CTRL_C = 130

_EXIT_CODES = {
    ErrorKind.invalid_input: EXIT_INPUT,
    ErrorKind.bad_request: EXIT_INPUT,
    ErrorKind.spend_threshold: EXIT_INPUT,
    ErrorKind.output_folder: EXIT_INPUT,
    ErrorKind.invalid_key: EXIT_ACCOUNT,
    ErrorKind.not_permitted: EXIT_ACCOUNT,
    ErrorKind.insufficient_credits: EXIT_ACCOUNT,
    ErrorKind.spend_limit: EXIT_ACCOUNT,
    ErrorKind.bad_content_type: EXIT_ACCOUNT,
    ErrorKind.model_retired: EXIT_ACCOUNT,
    ErrorKind.job_failed: EXIT_JOB,
    ErrorKind.content_blocked: EXIT_JOB,
    ErrorKind.not_found: EXIT_JOB,
    ErrorKind.expired: EXIT_JOB,
    ErrorKind.interrupted: EXIT_JOB,
    ErrorKind.cancelled: EXIT_JOB,
    ErrorKind.rate_limited: EXIT_SERVICE,
    ErrorKind.server: EXIT_SERVICE,
    ErrorKind.network: EXIT_SERVICE,
    ErrorKind.malformed: EXIT_SERVICE,
    ErrorKind.internal: EXIT_INTERNAL,
}

_NEXT_STEPS = {
    ErrorKind.invalid_input: "Fix the input named above and try again.",
    ErrorKind.invalid_key: "Enter a valid Segmind API key in Settings.",
    ErrorKind.not_permitted: "Check that your Segmind plan may use Higgsfield Speech 2 Video.",
    ErrorKind.not_found: "The service keeps a job for one hour only; submit it again if needed.",
    ErrorKind.insufficient_credits: "Add credits to your Segmind account, then retry.",
    ErrorKind.spend_limit: "Raise your team's spend limit on Segmind, or wait for it to reset.",
    ErrorKind.bad_content_type: "This is a bug in Speech2Video Studio; please report it.",
    ErrorKind.job_failed: "Change the inputs or prompt and retry; a failed job is not billed.",
    ErrorKind.content_blocked: (
        "Use a different portrait, voice or prompt; blocked jobs are not billed."
    ),
    ErrorKind.rate_limited: "Wait for the rate limit to reset; the app carries on by itself.",
    ErrorKind.bad_request: "Check the parameters named above and try again.",
    ErrorKind.model_retired: "Segmind retired this model; look for an update of the app.",
    ErrorKind.server: "Segmind is having trouble; try again in a few minutes.",
    ErrorKind.network: "Check your internet connection (or proxy), then retry.",
    ErrorKind.malformed: "Segmind answered something unexpected; try again later.",
    ErrorKind.expired: "The service has forgotten this job; submit it again (it may be billed).",
    ErrorKind.interrupted: "Check your Segmind history for this job, or use Retry to submit again.",
    ErrorKind.cancelled: "Submit it again when you are ready.",
    ErrorKind.spend_threshold: "Confirm to go past it, or change the threshold in Settings.",
    ErrorKind.output_folder: "Choose another output folder in Settings.",
    ErrorKind.internal: "This is a bug; please report it with the crash report.",
}

# where the command line's way out differs from the window's
_CLI_STEPS = {
    ErrorKind.invalid_key: "Set SEGMIND_API_KEY to a valid Segmind API key (or save one in "
    "the window's Settings).",
    ErrorKind.interrupted: "Check your Segmind history for this job, or run "
    "'s2v-studio retry' to submit it again.",
    ErrorKind.output_folder: "Give another folder with --output-dir.",
}


class SegmindError(Exception):
    """An error the creator can act on: a kind, a message, and the next step."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        next_step: str | None = None,
        cli_step: str | None = None,
        action: str | None = None,
        status: int | None = None,
        server_message: str | None = None,
        retry_at: float | None = None,
        sent: bool | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.next_step = next_step or _NEXT_STEPS[self.kind]
        self.cli_step = cli_step or next_step or _CLI_STEPS.get(self.kind) or self.next_step
        self.action = action
        self.status = status
        self.server_message = server_message
        self.retry_at = retry_at  # epoch seconds when a retry may succeed (429)
        self.sent = sent  # whether the request may have reached the server
        self.request_id = request_id  # a job the service accepted although the call failed

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.kind)

    def __str__(self) -> str:
        return f"{self.message} {self.next_step}"

    def for_cli(self) -> str:
        """The message with the command line's next step."""
        return f"{self.message} {self.cli_step}"

    def to_dict(self) -> dict:
        """The `error` object of the command line's `--json` output."""
        return {"code": self.kind.value, "message": self.for_cli()}


def exit_code_for(kind: ErrorKind | str) -> int:
    return _EXIT_CODES.get(ErrorKind(kind), EXIT_INTERNAL)
