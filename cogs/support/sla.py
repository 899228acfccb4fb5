"""The SLA clock: working time in a community's hours, time zone and holidays, and nothing else.

Pure functions over aware datetimes, so every rule about "when is this due" is tested without a
database or a running bot. Working time is real elapsed time inside the open intervals: on the
night a DST change falls inside an interval, the hour that does not exist is not counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A search for the next open minute gives up after this many days: a week with no hours at all
# is refused by the rule file, so only an absurd holiday list could get this far.
MAX_SEARCH_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Interval:
    """Open from `start` to `end` on one local day; `end` None means until midnight."""

    start: time
    end: time | None

    def bounds(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The interval on `day` as UTC instants (wall times resolved in `zone`)."""
        opens = datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)
        if self.end is None:
            closes_local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        else:
            closes_local = datetime.combine(day, self.end, tzinfo=zone)
        return opens, closes_local.astimezone(UTC)


@dataclass(frozen=True)
class WorkingHours:
    """When the team works: intervals per weekday (Monday = 0), a time zone, holidays."""

    zone: ZoneInfo
    week: tuple[tuple[Interval, ...], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("working hours need one entry per weekday, Monday first")
        if not any(self.week):
            raise ValueError("working hours need at least one open interval in the week")

    def _open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals (UTC) that end after `start`, in time order, from its local day on."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # an interval may cross
        for _ in range(MAX_SEARCH_DAYS):
            if day not in self.holidays:
                for interval in self.week[day.weekday()]:
                    opens, closes = interval.bounds(day, self.zone)
                    if closes > start and closes > opens:
                        yield max(opens, start), closes
            day += timedelta(days=1)
        raise ValueError("no working time found within three years; check the holidays")

    def add(self, start: datetime, work: timedelta) -> datetime:
        """The instant when `work` of working time has passed since `start`.

        A zero amount outside working hours is the next opening: nothing is due while closed.
        """
        _aware(start)
        if work < timedelta():
            raise ValueError("working time to add must not be negative")
        left = work
        for opens, closes in self._open_intervals(start.astimezone(UTC)):
            span = closes - opens
            if left <= span:
                return opens + left
            left -= span
        raise AssertionError("unreachable: _open_intervals raises before running out")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (zero when `end` is not after `start`)."""
        _aware(start)
        _aware(end)
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta()
        if end <= start:
            return total
        for opens, closes in self._open_intervals(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls inside working hours."""
        return self.add(at, timedelta()) == at.astimezone(UTC)


def _aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("the SLA clock needs timezone-aware datetimes")


@dataclass(frozen=True, slots=True)
class Deadline:
    """One running target: when it warns and when it breaches (UTC)."""

    warn_at: datetime | None
    due_at: datetime


def deadline(
    hours: WorkingHours, start: datetime, target: timedelta, warn_share: float
) -> Deadline:
    """Due time of a target started at `start`, and its warning at `warn_share` of it."""
    due = hours.add(start, target)
    warn = hours.add(start, target * warn_share) if 0 < warn_share < 1 else None
    return Deadline(warn, due)


def resume(
    hours: WorkingHours, now: datetime, remaining: timedelta, target: timedelta, warn_share: float
) -> Deadline:
    """A paused target started again at `now` with `remaining` working time left.

    The warning stays at the same share of the whole target; when that point has passed
    already (the clock was paused late), no warning is due again.
    """
    due = hours.add(now, max(remaining, timedelta()))
    before_warn = remaining - target * (1 - warn_share)
    warn = hours.add(now, before_warn) if 0 < warn_share < 1 and before_warn > timedelta() else None
    return Deadline(warn, due)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` percentile (0..1) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-round(share * 100) * len(ordered) // 100))  # ceil(share * n) without floats
    return ordered[min(rank, len(ordered)) - 1]
