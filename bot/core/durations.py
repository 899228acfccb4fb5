"""Durations as people write them: `30s`, `10m`, `2h`, `3d`, `1w`, or combined `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.i18n import t

MAX_DAYS = 3660  # ten years: "for good" is written by leaving the duration out
MAX_SECONDS = MAX_DAYS * 86400
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_WHOLE = re.compile(r"(?:\d+\s*[smhdw]\s*)+")


class DurationError(ValueError):
    """A duration that cannot be used; `problem` says why: "format", "zero" or "long"."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


def parse_duration(text: str) -> timedelta:
    """Parse `10m`, `2h`, `1h30m`; raise DurationError (a ValueError) with a hint otherwise."""
    cleaned = text.strip().lower()
    if not cleaned or not _WHOLE.fullmatch(cleaned):
        raise DurationError(
            f"{text!r} is not a duration; write it like 30s, 10m, 2h, 3d or 1w", "format"
        )
    seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(cleaned))
    if seconds <= 0:
        raise DurationError(f"{text!r} is zero; a duration must be longer than that", "zero")
    if seconds > MAX_SECONDS:
        raise DurationError(f"{text!r} is too long; the longest duration is {MAX_DAYS}d", "long")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The shortest exact form, e.g. `1h30m`, `3d`, `45s`."""
    remaining = int(delta.total_seconds())
    if remaining <= 0:
        return "0s"
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def describe_duration(delta: timedelta, locale: str) -> str:
    """A duration as people read it in their language, e.g. "1 h 30 min", "3 дн.", "2 сағ".

    `format_duration` stays the machine-ish form (rule files, console timestamps); this one is
    for text a member or moderator reads. Units come from the `core.durations` catalogue.
    """
    remaining = max(int(delta.total_seconds()), 0)
    # Weeks only when exact: "10 days" reads better than "1 week 3 days".
    units = ("w",) if remaining and remaining % _UNITS["w"] == 0 else ("d", "h", "m", "s")
    parts = []
    for unit in units:
        count, remaining = divmod(remaining, _UNITS[unit])
        if count:
            parts.append(_unit_text(locale, unit, count))
    return " ".join(parts) or _unit_text(locale, "s", 0)


def _unit_text(locale: str, unit: str, count: int) -> str:
    if unit == "w":
        key = "core.durations.week" if count == 1 else "core.durations.weeks"
    elif unit == "d":
        key = "core.durations.day" if count == 1 else "core.durations.days"
    elif unit == "h":
        key = "core.durations.hours"
    elif unit == "m":
        key = "core.durations.minutes"
    else:
        key = "core.durations.seconds"
    return t(locale, key, n=count)
