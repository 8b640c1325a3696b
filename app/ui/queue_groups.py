"""A batch (or a takes group) as one group in the queue: its header row and its words.

The header row stands before its jobs (oldest first, the order of the spreadsheet);
collapsing a group takes its job rows out of the table. What the header says ("4 of 12
done", the cost, a bar over its jobs) is counted from the jobs the queue holds, so it
always agrees with the rows under it; the batch's name and kind come from a lookup
(Engine.batch_summary or Engine.batch), and so does the money when the lookup knows it
(the charges of earlier attempts are only in the store).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.jobs.batch_store import progress_words
from app.jobs.model import ACTIVE, Job, JobState

ENDED = frozenset({JobState.failed, JobState.expired, JobState.interrupted})


class GroupRow:
    """The header row of one batch: the ids of its jobs (oldest first) and whether it is
    collapsed. `created_at` places the group among loose jobs (its newest job's time)."""

    __slots__ = ("batch_id", "members", "collapsed", "created_at")

    def __init__(self, batch_id: str, created_at: float, collapsed: bool = False) -> None:
        self.batch_id = batch_id
        self.members: list[str] = []
        self.collapsed = collapsed
        self.created_at = created_at

    @property
    def id(self) -> str:  # the row's key, never equal to a job id
        return "batch:" + self.batch_id

    def __repr__(self) -> str:
        return f"GroupRow({self.batch_id!r}, {len(self.members)} jobs)"


@dataclass(frozen=True)
class GroupCounts:
    """What a header row says, counted from its jobs (money from the lookup if it knows)."""

    name: str
    kind: str  # "batch" | "takes"
    total: int
    done: int
    failed: int  # failed, expired, interrupted
    cancelled: int
    active: int
    sent: int  # active jobs Segmind already has (cancelling them may still be billed)
    billed: float
    maybe: float  # dollars that may be billed (ended after the submit, cost unknown)
    estimate: float  # dollars for the jobs not yet billed and still running
    kept: int

    @property
    def finished(self) -> bool:
        return self.active == 0

    @property
    def words(self) -> str:
        """ "4 of 12 done" (", 1 failed")."""
        return progress_words(self.done, self.total, self.failed)

    @property
    def fraction(self) -> float:
        return (self.done + self.failed + self.cancelled) / self.total if self.total else 0.0


def _sent(job: Job) -> bool:
    return job.state in ACTIVE and (job.state.submitted or bool(job.request_id))


def count(group: GroupRow, jobs: dict[str, Job], summary=None, estimate=None) -> GroupCounts:
    """The header's numbers. `summary` is a BatchSummary (or a Batch, or None)."""
    members = [jobs[i] for i in group.members if i in jobs]
    batch = getattr(summary, "batch", summary)
    states = [j.state for j in members]
    billed = sum(j.cost for j in members if j.cost is not None)
    maybe = 0.0
    rest = 0.0
    for j in members:
        if j.cost is not None:
            continue
        guess = j.estimate
        if guess is None and estimate is not None:
            guess = estimate(j.quality, j.duration)
        if getattr(j, "may_be_billed", False):
            maybe += guess or 0.0
        elif j.state in ACTIVE:
            rest += guess or 0.0
    if summary is not None and hasattr(summary, "billed"):
        billed, maybe = summary.billed, summary.maybe
    return GroupCounts(
        name=getattr(batch, "name", None) or "Batch",
        kind=getattr(batch, "kind", None) or _kind(members),
        total=len(members),
        done=states.count(JobState.completed),
        failed=sum(1 for s in states if s in ENDED),
        cancelled=states.count(JobState.cancelled),
        active=sum(1 for s in states if s in ACTIVE),
        sent=sum(1 for j in members if _sent(j)),
        billed=billed,
        maybe=maybe,
        estimate=rest,
        kept=sum(1 for j in members if getattr(j, "kept", False)),
    )


def _kind(members: list[Job]) -> str:
    return "takes" if any(getattr(j, "take", None) for j in members) else "batch"


# -- words -------------------------------------------------------------------------
def title(c: GroupCounts) -> str:
    return c.name


def money(c: GroupCounts) -> str:
    """ "$11.24 billed · ~$2.81 may be billed" (or "nothing billed yet")."""
    parts = [f"${c.billed:.2f} billed" if c.billed else "nothing billed yet"]
    if c.maybe:
        parts.append(f"~${c.maybe:.2f} may be billed")
    return " · ".join(parts)


def subtitle(c: GroupCounts) -> str:
    """The header's second line under its name: what it is, and its money."""
    if c.kind == "takes":
        what = f"{c.total} take{'s' * (c.total != 1)}"
    else:
        what = f"Batch of {c.total} job{'s' * (c.total != 1)}"
    if c.kind == "takes" and c.kept:
        what += " · ★ kept"
    return f"{what} · {money(c)}"


def doing(c: GroupCounts) -> str:
    """The second line under "4 of 12 done"."""
    if c.finished:
        bits = ["Finished"]
        if c.cancelled:
            bits.append(f"{c.cancelled} cancelled")
        return ", ".join(bits)
    bits = [f"{c.active} to go"]
    if c.sent:
        bits.append(f"{c.sent} at Segmind")
    if c.cancelled:
        bits.append(f"{c.cancelled} cancelled")
    return ", ".join(bits)


def cost(c: GroupCounts) -> str:
    """The cost column: what was billed, "+" when more may be or will be."""
    if not (c.billed or c.maybe or c.estimate):
        return "—"
    if c.maybe or c.estimate:
        return f"~${c.billed + c.maybe + c.estimate:.2f}"
    return f"${c.billed:.2f}"


def cost_tooltip(c: GroupCounts) -> str:
    lines = [f"Billed so far: ${c.billed:.2f}"]
    if c.maybe:
        lines.append(f"May be billed: ~${c.maybe:.2f} (Segmind had these jobs when they stopped)")
    if c.estimate:
        lines.append(f"Still running: about ${c.estimate:.2f} more")
    return "\n".join(lines)


def spoken(c: GroupCounts, collapsed: bool) -> str:
    state = "collapsed" if collapsed else "expanded"
    return f"{c.name}, {c.words}, {money(c)}, {state}"
