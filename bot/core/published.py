"""What features publish for each other: named sections of a summary and per-member tallies.

A feature never imports another or reads its tables. The one that owns the data publishes a
small query here from its `load()` (and withdraws it in `unload()`); the one that needs it asks
by name and gets nothing when the owner is not loaded. The weekly digest's sections and the
hero-of-the-week's inputs are the first users. Moderation also publishes its sanction (the
ladder, the case log, the member's notice and the log line in one call), so a federation ban or
a list hit is recorded in each community exactly as a moderator's ban is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, Literal, TypeVar

from bot.core.refs import CommunityRef, UserRef


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


# A section of a summary (the weekly digest): its text, or None to be left out.
Section = Callable[[Period], Awaitable[str | None]]
# One user id per counted event in the period (an AMA answer, a moderation case).
Tally = Callable[[Period], Awaitable[list[str]]]


@dataclass(frozen=True)
class SanctionRequest:
    """Act on a member of one community as moderation would, writing a case first.

    `rule` names why (`federation`, `cas`), `reason` is shown to the member and in the log;
    `by` is who decided, for the log, when it was a person (a federation admin)."""

    community: CommunityRef
    user: UserRef
    name: str
    kind: Literal["ban", "mute", "log"]
    rule: str
    reason: str
    duration: timedelta | None = None
    by: str | None = None


@dataclass(frozen=True)
class SanctionOutcome:
    """The case written, and what the platform did not do (`refused`: nothing happened)."""

    case_id: int
    refused: bool = False
    failed: str | None = None


@dataclass(frozen=True)
class BanRecord:
    """One ban in force in a community, as a ban list shows it."""

    user_id: str
    name: str
    reason: str
    at: datetime
    source: str


Sanction = Callable[[SanctionRequest], Awaitable[SanctionOutcome]]
# The bans in force in one community (by its row id).
BanList = Callable[[int], Awaitable[list[BanRecord]]]

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
    sanctions: Slots[Sanction] = field(default_factory=Slots)
    ban_lists: Slots[BanList] = field(default_factory=Slots)
