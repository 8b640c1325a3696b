"""What can be done to the jobs in the queue: each action's words, icon, key and the jobs
(by state) it applies to. The view builds its buttons, menu and shortcuts from this table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from app.jobs.model import ACTIVE, Job, JobState

RETRYABLE = frozenset({JobState.failed, JobState.expired, JobState.interrupted, JobState.cancelled})
STOPPED = RETRYABLE  # ended without a video: "Edit and resubmit" applies


def _has_video(job: Job) -> bool:
    return job.state == JobState.completed and bool(job.output_path)


# action -> (label, icon, shortcut, tooltip, which jobs it applies to)
ACTIONS = {
    "open": (
        "&Open video",
        "video",
        QKeySequence(Qt.Key.Key_Return),
        "Open the video in your player (Enter)",
        _has_video,
    ),
    "folder": (
        "Show in &folder",
        "folder",
        QKeySequence("Ctrl+Shift+F"),
        "Open the folder that holds the video (Ctrl+Shift+F)",
        _has_video,
    ),
    "cancel": (
        "&Cancel",
        "cancel",
        QKeySequence("Ctrl+."),
        "Stop waiting for this job (a submitted job may still be billed)",
        lambda j: j.state in ACTIVE,
    ),
    "retry": (
        "&Retry",
        "retry",
        QKeySequence("Ctrl+R"),
        "Run the same job again",
        lambda j: j.state in RETRYABLE,
    ),
    "rerun": (
        "Re-run with a &new seed",
        "rerun",
        QKeySequence("Ctrl+Shift+R"),
        "A new job with the same inputs and a random seed",
        lambda j: j.state.finished,
    ),
    "takes": (
        "Compare &takes…",
        "video",
        QKeySequence("Ctrl+T"),
        "Play this pair's takes side by side, in sync; keep the best (Ctrl+T)",
        lambda j: _has_video(j) and (j.take is not None or j.batch_id is not None),
    ),
    "edit": (
        "&Edit and resubmit",
        "edit",
        QKeySequence("Ctrl+E"),
        "Load this job's inputs and settings into the form to fix and send again (Ctrl+E)",
        lambda j: j.state in STOPPED,
    ),
    "use": (
        "&Use these settings",
        "use",
        QKeySequence("Ctrl+Shift+E"),
        "Load this job's inputs and settings into the form (Ctrl+Shift+E)",
        lambda j: True,
    ),
    "copy_id": (
        "Copy request &ID",
        "copy",
        QKeySequence.StandardKey.Copy,
        "Copy Segmind's request id (Ctrl+C)",
        lambda j: bool(j.request_id),
    ),
    "copy_url": (
        "Copy video &URL",
        "link",
        QKeySequence("Ctrl+Shift+C"),
        "Copy the video's public URL",
        lambda j: bool(j.output_url),
    ),
    "remove": (
        "Re&move from list",
        "remove",
        QKeySequence.StandardKey.Delete,
        "Forget the job; the video stays on disk (Delete)",
        lambda j: j.state.finished,
    ),
    "delete": (
        "&Delete with files…",
        "delete",
        QKeySequence("Shift+Del"),
        "Forget the job and delete its video (Shift+Delete)",
        lambda j: j.state.finished and bool(j.output_path),
    ),
}
TOOLBAR = ("open", "folder", "cancel", "retry", "edit", "rerun", "remove")
SHORT = {"open": "Open", "folder": "Folder", "rerun": "New seed", "remove": "Remove"}
SHORT["edit"] = "Edit"

# a batch's header row: action -> (label, icon, shortcut, tooltip, whether it applies to
# the batch's GroupCounts). The keys are the job actions' own: they act on the batch when
# its header is selected (the job actions are disabled then, so no key is ambiguous).
BATCH_ACTIONS = {
    "batch_cancel": (
        "&Cancel batch…",
        "cancel",
        QKeySequence("Ctrl+."),
        "Stop every unfinished job of the batch (those Segmind has may still be billed)",
        lambda c: c.active > 0,
    ),
    "batch_retry": (
        "&Retry failed",
        "retry",
        QKeySequence("Ctrl+R"),
        "Run the batch's failed, expired and interrupted jobs again",
        lambda c: c.failed > 0,
    ),
    "batch_remove": (
        "Re&move batch from list",
        "remove",
        QKeySequence.StandardKey.Delete,
        "Forget the batch's finished jobs; the videos stay on disk (Delete; Ctrl+Z undoes)",
        lambda c: c.total > c.active,
    ),
    "batch_export": (
        "E&xport as CSV…",
        "logs",
        QKeySequence("Ctrl+Shift+S"),
        "Save the batch as a CSV file that `s2v-studio batch` and the window can import",
        lambda c: c.total > 0,
    ),
}
BATCH_SHORT = {
    "batch_cancel": "Cancel batch",
    "batch_retry": "Retry failed",
    "batch_remove": "Remove batch",
    "batch_export": "Export CSV",
}
