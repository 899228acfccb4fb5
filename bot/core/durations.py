"""Durations as people write them: `30s`, `10m`, `2h`, `3d`, `1w`, `1h30m`, in kk, ru and en.

Moderators type units in their own language: `10м`, `2ч`, `3д`, `10 мин`, `2 сағ`, `1 нед`,
`апта`. Every unit below means one thing only: a Latin `m` is a minute, never a month, and
months are not accepted at all (their length varies; write `30d`). Reading a duration back
in words, in the reader's language and grammatical case, is `bot.i18n.describe_duration`.
"""

from __future__ import annotations

import re
from datetime import timedelta

MAX_DAYS = 3660  # ten years: "for good" is written by leaving the duration out
MAX_SECONDS = MAX_DAYS * 86400
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

# Every spelling of a unit, to its machine letter. Russian forms cover the cases a number
# takes ("2 минуты", "5 минут", "1 неделю"); Kazakh nouns stay singular after a number.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "s": ("s", "sec", "secs", "second", "seconds", "с", "сек", "секунда", "секунды", "секунд",
          "секунду"),
    "m": ("m", "min", "mins", "minute", "minutes", "м", "мин", "минута", "минуты", "минут",
          "минуту"),
    "h": ("h", "hr", "hrs", "hour", "hours", "ч", "час", "часа", "часов", "сағ", "сағат"),
    "d": ("d", "day", "days", "д", "дн", "день", "дня", "дней", "сутки", "суток", "күн"),
    "w": ("w", "wk", "week", "weeks", "нед", "неделя", "недели", "недель", "неделю", "апта"),
}  # fmt: skip
_UNIT_OF = {spelling: unit for unit, words in _SPELLINGS.items() for spelling in words}
# A word alone means one of it ("апта", "час"); a one-letter abbreviation alone means nothing.
_ALONE = {word for word in _UNIT_OF if len(word) > 2 and word not in ("сек", "мин", "нед")}
_PART = re.compile(r"(\d+)?\s*([^\W\d_]+)\.?\s*,?\s*")


class DurationError(ValueError):
    """A duration that cannot be used; `problem` says why: "format", "zero" or "long"."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem


def _seconds(cleaned: str) -> int | None:
    total, position, parts = 0, 0, 0
    while position < len(cleaned):
        match = _PART.match(cleaned, position)
        if match is None or match.end() == position:
            return None
        number, word = match.groups()
        unit = _UNIT_OF.get(word)
        if unit is None or (number is None and word not in _ALONE):
            return None
        total += int(number or 1) * _UNITS[unit]
        position, parts = match.end(), parts + 1
    return total if parts else None


def parse_duration(text: str) -> timedelta:
    """Parse `10m`, `1h30m`, `10 мин`, `2 сағ`; raise DurationError (a ValueError) otherwise."""
    cleaned = text.strip().lower()
    seconds = _seconds(cleaned) if cleaned else None
    if seconds is None:
        raise DurationError(
            f"{text!r} is not a duration; write it like 30s, 10m, 2h, 3d or 1w", "format"
        )
    if seconds <= 0:
        raise DurationError(f"{text!r} is zero; a duration must be longer than that", "zero")
    if seconds > MAX_SECONDS:
        raise DurationError(f"{text!r} is too long; the longest duration is {MAX_DAYS}d", "long")
    return timedelta(seconds=seconds)


def duration_words(words: list[str]) -> int:
    """How many of the leading `words` spell one duration: 1 for "10m", 2 for "10 мин".

    Command arguments are split on spaces, so "2 сағ 30 мин" arrives as four words; the
    longest leading run that parses is the duration (0 when the first word is no duration).
    """
    best = 0
    for count in range(1, min(len(words), 6) + 1):
        if _seconds(" ".join(words[:count]).lower()) is not None:
            best = count
        elif count == 1 and not words[0][:1].isdigit():
            break
    return best


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
