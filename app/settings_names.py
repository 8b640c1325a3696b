"""The settings' contract names (`s2v-studio settings`), and reading a value for one.

The names are the settings file's own: budget_preset, budget_per_minute, concurrency,
output_dir, spend_threshold, notifications, keep_in_tray, name_template,
prices.<quality>.<duration>, timings.<name> and timings.scale. A bad name or value raises
SettingError, whose message names the problem and the next step.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from app.jobs.naming import DEFAULT_TEMPLATE, check_template
from app.settings import BUDGET_PRESETS, DEFAULT_PRICES, Timings, check_output_folder

PRESETS = (*BUDGET_PRESETS, "custom")
_TIMINGS = tuple(f.name for f in dataclasses.fields(Timings))
_BOOLS = {"true": True, "yes": True, "on": True, "1": True}
_BOOLS |= {"false": False, "no": False, "off": False, "0": False}


class SettingError(ValueError):
    """A setting name or value that cannot be set; the message says what to do."""


def names() -> list[str]:
    """Every name `settings set` takes."""
    prices = [f"prices.{q}.{d}" for q, by in DEFAULT_PRICES.items() for d in by]
    return [
        "budget_preset",
        "budget_per_minute",
        "concurrency",
        "output_dir",
        "spend_threshold",
        "notifications",
        "keep_in_tray",
        "name_template",
        *prices,
        *(f"timings.{n}" for n in _TIMINGS),
    ]


def _number(name: str, text: str, *, low: float, integer: bool = False, high=None):
    kind = "a whole number" if integer else "a number"
    limits = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
    if low == 0 and name == "timings.scale":
        limits = "greater than 0"
    problem = f"{name} must be {kind} {limits}, not {text!r}."
    step = f" Give one, e.g. 's2v-studio settings set {name} {_EXAMPLES.get(name, 1)}'."
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise SettingError(problem + step) from None
    too_low = value <= 0 if name == "timings.scale" else value < low
    if not math.isfinite(value) or too_low or (high is not None and value > high):
        raise SettingError(problem + step)
    return value


_EXAMPLES = {"budget_per_minute": 5, "concurrency": 3, "spend_threshold": 20, "timings.scale": 1}


def parse(name: str, text: str) -> dict:
    """The change to merge into the file for `settings set NAME TEXT` (dotted keys)."""
    name = name.strip()
    text = text.strip()
    if name == "budget_preset":
        if text not in PRESETS:
            raise SettingError(
                f"budget_preset must be one of {', '.join(PRESETS)}, not {text!r} "
                "(free: 5 requests a minute, pro: 50, custom: budget_per_minute). "
                "Give one, e.g. 's2v-studio settings set budget_preset free'."
            )
        return {name: text}
    if name == "budget_per_minute":  # 0: no pacing at all (a simulator without limits)
        return {name: _number(name, text, low=0, integer=True, high=100_000)}
    if name == "concurrency":
        return {name: _number(name, text, low=1, integer=True, high=100)}
    if name == "spend_threshold":  # 0 turns the confirmation off
        return {name: _number(name, text, low=0)}
    if name in ("notifications", "keep_in_tray"):
        if text.lower() not in _BOOLS:
            raise SettingError(
                f"{name} must be true or false, not {text!r}. "
                f"Give one, e.g. 's2v-studio settings set {name} true'."
            )
        return {name: _BOOLS[text.lower()]}
    if name == "output_dir":
        if text.lower() in ("", "default", "none"):
            return {name: None}
        folder = Path(text).expanduser().absolute()
        problem = check_output_folder(folder)
        if problem:
            raise SettingError(f"output_dir: {problem} Give another folder.")
        return {name: str(folder)}
    if name == "name_template":
        if text.lower() in ("", "default"):
            return {name: DEFAULT_TEMPLATE}
        problem = check_template(text)
        if problem:
            raise SettingError(
                f"name_template: {problem} "
                "Give one, e.g. 's2v-studio settings set name_template \"{image}-{seed}\"'."
            )
        return {name: text}
    parts = name.split(".")
    if parts[0] == "prices" and len(parts) == 3:
        quality, duration = parts[1], parts[2]
        if quality not in DEFAULT_PRICES or duration not in DEFAULT_PRICES[quality]:
            raise SettingError(
                f"There is no price {name!r}: prices are prices.<high|mid>.<5|10|15>, "
                "e.g. 's2v-studio settings set prices.high.10 2.81'."
            )
        return {name: _number(name, text, low=0)}
    if parts[0] == "timings" and len(parts) == 2 and parts[1] in _TIMINGS:
        return {name: _number(name, text, low=0)}
    raise SettingError(
        f"There is no setting {name!r}. Run 's2v-studio settings' to see every name "
        "(budget_preset, budget_per_minute, concurrency, output_dir, spend_threshold, "
        "name_template, prices.<quality>.<duration>, timings.<name>)."
    )
