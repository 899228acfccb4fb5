"""What features publish for each other: named sections of a summary and per-member tallies.

A feature never imports another or reads its tables. The one that owns the data publishes a
small query here from its `load()` (and withdraws it in `unload()`); the one that needs it asks
by name and gets nothing when the owner is not loaded. The weekly digest's sections, the
hero-of-the-week's inputs, the ideas board's vote guards (moderation's "muted", onboarding's
"unvetted") and its public board (for the web dashboard) use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from bot.core.refs import ChatRef, CommunityRef


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
class MemberAt:
    """A member asked about at a moment: is she muted now, did she join after `since`?"""

    community_id: int
    user_id: str
    at: datetime
    # The moment a guard compares against (when the idea being voted on was posted).
    since: datetime | None = None


# A yes/no fact about a member that another feature owns: "muted" (moderation: a mute in force
# at `at`), "unvetted" (onboarding: joined after `since` and has not passed the gate).
MemberCheck = Callable[[MemberAt], Awaitable[bool]]


@dataclass(frozen=True)
class StatusChange:
    """One step in a board item's history: the status it moved to, and when."""

    status: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class BoardItem:
    """One item of a public board (an idea): what a read-only page or a matrix shows.

    `impact` and `cost` are the team's 1-5 scores (None until scored); `quadrant` is
    `quick_win`, `big_bet`, `fill_in`, `money_pit` or "" when unscored. `author` is None when
    the query was asked to leave names out.
    """

    number: int
    title: str
    details: str
    status: str
    votes: int
    votes_against: int
    impact: int | None
    cost: int | None
    quadrant: str
    author: str | None
    created_at: datetime
    status_changes: tuple[StatusChange, ...]
    merged_into: int | None = None

    def reached(self, status: str) -> datetime | None:
        """When the item first moved to `status` (e.g. "shipped"), if it did."""
        return next((c.at for c in self.status_changes if c.status == status), None)


@dataclass(frozen=True)
class BoardQuery:
    """Which items of one community's board: all public ones, or one status; names or not."""

    community_id: int
    status: str | None = None
    with_authors: bool = True
    limit: int = 500


# A public board's items (the ideas board today), newest first.
Board = Callable[[BoardQuery], Awaitable[list[BoardItem]]]


@dataclass(frozen=True)
class PollRequest:
    """A button poll another feature asks for (the ideas board's monthly open survey)."""

    chat: ChatRef
    question: str
    options: tuple[str, ...]
    duration: timedelta
    by: str = "kenes"


# Posts the poll and returns its number; the owner counts the votes and posts the results.
PollStarter = Callable[[PollRequest], Awaitable[int]]


@dataclass(frozen=True)
class AdLabelling:
    """The ad/partnership labelling rule (the support desk's `rules/safety.toml`)."""

    # The visible label a sponsored post carries, in a language: "#ad", "#жарнама".
    label: Callable[[str], str]
    # True when a text reads like an ad or partnership and carries none of the labels.
    needs_label: Callable[[str], bool]


# Who answers questions and by when, in a community and language; None when not known.
SlaLine = Callable[[CommunityRef, str], str | None]

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
    checks: Slots[MemberCheck] = field(default_factory=Slots)
    boards: Slots[Board] = field(default_factory=Slots)
    polls: Slots[PollStarter] = field(default_factory=Slots)
    # The support desk's ad label and SLA line, for the content feature's checklist.
    ad_labels: Slots[AdLabelling] = field(default_factory=Slots)
    sla: Slots[SlaLine] = field(default_factory=Slots)
