"""What the batch builder says under its grid: the total against the balance and the
monthly threshold, and whether the batch can be submitted (pure text, no widgets)."""

from __future__ import annotations

from dataclasses import dataclass


def _jobs(n: int) -> str:
    return f"{n} job{'s' if n != 1 else ''}"


@dataclass
class Money:
    """The account's side: None where unknown (no balance asked yet, the demo)."""

    credits: float | None = None
    spent: float | None = None
    limit: float | None = None
    over_limit: bool = False  # Engine.spend_problem(total) said so
    demo: bool = False


def totals_text(rows: int, all_rows: int, bad: int, total: float, checking: bool, money: Money):
    """(rich text, warning or None): "12 jobs · estimated $33.76 · balance $50.00 · …"."""
    first = f"<b>{_jobs(rows)}</b>" + (f" of {all_rows}" if rows != all_rows else "")
    priced = f" for the {rows - bad} without problems" if bad else ""
    words = [first, f"estimated <b>${total:.2f}</b>{priced}" + (" so far" if checking else "")]
    warn = None
    if money.demo:
        words.append("simulated, free")
    else:
        if money.credits is not None:
            short = total - money.credits
            words.append(
                f"balance ${money.credits:.2f}" + (f", short by ${short:.2f}" if short > 0 else "")
            )
            if short > 0:
                warn = "Your balance does not cover the batch."
        if money.spent is not None:
            limit = f" of your ${money.limit:.2f} threshold" if money.limit else ""
            words.append(f"this month ${money.spent:.2f}{limit}")
        if money.over_limit:
            warn = "Past your monthly threshold: Submit asks to confirm."
    return " · ".join(words) + (f"<br>⚠ {warn}" if warn else ""), warn


def check_text(rows: int, bad: list[tuple[int, str]], checking: bool) -> tuple[str, bool]:
    """(what the check says, whether Submit may go); `bad`: (row number, problem)."""
    if not rows:
        return "Add portraits and voice clips (or drop them here) to make a batch.", False
    if checking:
        return f"Checking {_jobs(rows)}…", False
    if bad:
        n = len(bad)
        them = "them" if n > 1 else "it"
        row, problem = bad[0]
        return (
            f"{n} row{'s have' if n > 1 else ' has'} a problem (in red): fix {them} or "
            f"uncheck {them} to submit. Row {row}: {problem}"
        ), False
    return "Every row checked. Nothing is sent before Submit.", True
