"""A moment as a moderator writes it: `2h`, `18:30`, `fri 18:30`, `2026-01-09 18:00`.

Shared by the features that schedule things from chat (an AMA's start, a content post).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.core.durations import parse_duration
from bot.rules.models import WeeklySlot, clock_time
from bot.weekly import next_weekly, zone

# Weekday words in the three shipped languages (full and short forms), Monday = 0.
_WEEKDAYS: dict[str, int] = {}
for index, names in enumerate(
    (
        "monday mon пн понедельник дс дүйсенбі",
        "tuesday tue вт вторник сс сейсенбі",
        "wednesday wed ср среда сәрсенбі",
        "thursday thu чт четверг бс бейсенбі",
        "friday fri пт пятница жм жұма",
        "saturday sat сб суббота сн сенбі",
        "sunday sun вс воскресенье жс жексенбі",
    )
):
    for name in names.split():
        _WEEKDAYS[name] = index
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")


class BadWhen(ValueError):
    """A time expression that looks like one but is not valid; `value` is the word at fault."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(reason)
        self.value = value


def parse_when(
    text: str, now: datetime, timezone: str, default: WeeklySlot
) -> tuple[datetime, str]:
    """Split a leading time expression off `text`: (start, the rest of the text).

    Without one, the start is the next default slot (e.g. Friday 18:00 local time). A weekday
    word is a time only when a clock time follows (`mon 18:30`); otherwise it is the topic's.
    Raises BadWhen when a date or clock time is given but is not a real one.
    """
    words = text.split()
    tz = zone(timezone)
    local_now = now.astimezone(tz)
    if not words:
        return next_weekly(now, default, timezone), ""
    head, rest = words[0].casefold(), words[1:]
    if re.fullmatch(r"(\d+[smhdw])+", head):
        return now + parse_duration(head), " ".join(rest)
    if _CLOCK.fullmatch(head):
        at = _clock(head)
        moment = datetime.combine(local_now.date(), at, tzinfo=tz)
        if moment <= local_now:
            moment += timedelta(days=1)
        return moment.astimezone(now.tzinfo), " ".join(rest)
    if head in _WEEKDAYS and rest and _CLOCK.fullmatch(rest[0]):
        clock = _clock(rest[0])
        slot = WeeklySlot.model_validate(
            {"weekday": weekday_name(_WEEKDAYS[head]), "time": clock.strftime("%H:%M")}
        )
        return next_weekly(now, slot, timezone), " ".join(rest[1:])
    if _DATE.match(head):
        try:
            day = date.fromisoformat(head)
        except ValueError as exc:
            raise BadWhen(words[0], str(exc)) from None
        clock, used = _clock_in(rest, default.clock)
        moment = datetime.combine(day, clock, tzinfo=tz)
        return moment.astimezone(now.tzinfo), " ".join(rest[used:])
    return next_weekly(now, default, timezone), text.strip()


def _clock_in(words: list[str], fallback: time) -> tuple[time, int]:
    """A clock time leading `words` and how many words it took; a malformed one is an error."""
    if words and _CLOCK.fullmatch(words[0]):
        return _clock(words[0]), 1
    return fallback, 0


def _clock(word: str) -> time:
    try:
        return clock_time(word.zfill(5))
    except ValueError as exc:
        raise BadWhen(word, str(exc)) from None


def weekday_name(index: int) -> str:
    return ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[index]
