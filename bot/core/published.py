"""What features publish for each other: named sections of a summary and per-member tallies.

A feature never imports another or reads its tables. The one that owns the data publishes a
small query here from its `load()` (and withdraws it in `unload()`); the one that needs it asks
by name and gets nothing when the owner is not loaded. The weekly digest's sections and the
hero-of-the-week's inputs are the first users; the web dashboard's pages read `reports`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from bot.core.refs import CommunityRef


@dataclass(frozen=True)
class Period:
    """What a published query is asked about: one community over [start, end)."""

    ref: CommunityRef
    community_id: int
    locale: str
    timezone: str
    start: datetime
    end: datetime
    # How many entries a "top N" section lists.
    limit: int = 3

    def week_of(self, moment: datetime) -> date:
        """The Monday of the community-local week `moment` falls in."""
        local = moment.astimezone(ZoneInfo(self.timezone)).date()
        return local - timedelta(days=local.weekday())

    def weeks(self) -> list[date]:
        """Every week (its Monday) the period touches, oldest first."""
        first, last = self.week_of(self.start), self.week_of(self.end - timedelta(microseconds=1))
        return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


# A section of a summary (the weekly digest): its text, or None to be left out.
Section = Callable[[Period], Awaitable[str | None]]
# One user id per counted event in the period (an AMA answer, a moderation case).
Tally = Callable[[Period], Awaitable[list[str]]]

# One cell of a report: plain values, rendered (numbers, dates) by whoever shows them.
Cell = str | int | float | bool | datetime | None


@dataclass(frozen=True)
class Table:
    """Rows a feature publishes for a page: column names (stable keys, translated by the page
    that shows them) and plain values, so no page needs the owner's models."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...] = ()

    def column(self, name: str) -> list[Cell]:
        """Every value of one column, in row order."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


# A report for a dashboard page (`support.open`, `moderation.by_rule`, ...); None: no data.
Report = Callable[[Period], Awaitable[Table | None]]

T = TypeVar("T")


class Slots(Generic[T]):
    """Named providers of one kind; a later one under the same name replaces the earlier."""

    def __init__(self) -> None:
        self._by_name: dict[str, T] = {}

    def add(self, name: str, provider: T) -> None:
        self._by_name[name] = provider

    def remove(self, name: str, only: T | None = None) -> None:
        """Withdraw `name`; with `only`, just when that provider is still the one in place."""
        if only is None or self._by_name.get(name) is only:
            self._by_name.pop(name, None)

    def get(self, name: str) -> T | None:
        return self._by_name.get(name)


@dataclass(frozen=True, eq=False)
class Published:
    """Every published query of the running bot, by kind."""

    sections: Slots[Section] = field(default_factory=Slots)
    tallies: Slots[Tally] = field(default_factory=Slots)
    reports: Slots[Report] = field(default_factory=Slots)
