"""What features publish for each other: named sections of a summary and per-member tallies.

A feature never imports another or reads its tables. The one that owns the data publishes a
small query here from its `load()` (and withdraws it in `unload()`); the one that needs it asks
by name and gets nothing when the owner is not loaded. The weekly digest's sections and the
hero-of-the-week's inputs are the first users; services (post a poll, the ad label, the SLA
line) are published the same way.
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
class PollRequest:
    """A poll another feature asks the polls feature to post (a content post's next step)."""

    community: CommunityRef
    chat: ChatRef
    question: str
    options: tuple[str, ...]
    duration: timedelta
    created_by: str
    locale: str


# Posts the poll (its close job committed first) and returns the poll's number.
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
    # Services one feature offers another: the polls feature's "post a poll", the support
    # desk's ad label and SLA line (the content feature's checklist uses them).
    polls: Slots[PollStarter] = field(default_factory=Slots)
    ad_labels: Slots[AdLabelling] = field(default_factory=Slots)
    sla: Slots[SlaLine] = field(default_factory=Slots)
