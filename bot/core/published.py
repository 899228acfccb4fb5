"""What features publish for each other: named sections of a summary and per-member tallies.

A feature never imports another or reads its tables. The one that owns the data publishes a
small query here from its `load()` (and withdraws it in `unload()`); the one that needs it asks
by name and gets nothing when the owner is not loaded. The weekly digest's sections, the
hero-of-the-week's inputs and the metrics' records (dialogue, cases, next steps, ideas) use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

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


@dataclass(frozen=True)
class Question:
    """One question a member put to the team (a support ticket), as the metrics count it.

    Times are working seconds (the team's working hours, as the owner measures them).
    """

    asked_at: datetime
    first_response_s: int | None  # to the first staff reply; None while unanswered
    waited_s: int  # so far, for one still unanswered (else equal to first_response_s)
    target_s: int | None  # the first-response target (SLA), if one is set
    finished: bool  # resolved or closed
    escalated: bool
    rating: int | None  # 1..5


@dataclass(frozen=True)
class Dialogue:
    """The period's questions, and when an FAQ answer a member said resolved their question was
    given (one time each)."""

    questions: tuple[Question, ...]
    faq_helped: tuple[datetime, ...]


@dataclass(frozen=True)
class Case:
    """One moderation case that still counts (a penalty, not pardoned), by the rule it broke."""

    at: datetime
    rule: str


@dataclass(frozen=True)
class NextStep:
    """A bot post that asks for a next step (poll, thread, question, link) and what came of
    it: `responses` is votes, replies or clicks, `reach` the distinct members who took it."""

    at: datetime
    kind: str
    responses: int
    reach: int


@dataclass(frozen=True)
class Idea:
    """One idea on the ideas board: `status` as its board names it; `valid` is False for a
    declined or duplicate idea."""

    created_at: datetime
    valid: bool
    shipped_at: datetime | None


# A section of a summary (the weekly digest): its text, or None to be left out.
Section = Callable[[Period], Awaitable[str | None]]
# One user id per counted event in the period (an AMA answer, a moderation case).
Tally = Callable[[Period], Awaitable[list[str]]]

# The period's dialogue with the team (the support desk publishes it as "dialogue").
DialogueQuery = Callable[[Period], Awaitable[Dialogue]]
# Moderation cases in the period ("cases").
CaseQuery = Callable[[Period], Awaitable[list[Case]]]
# Bot posts with a next step made in the period ("polls"; tracked links will add "links").
NextStepQuery = Callable[[Period], Awaitable[list[NextStep]]]
# Ideas created in the period, or shipped in it ("ideas").
IdeaQuery = Callable[[Period], Awaitable[list[Idea]]]

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
    dialogue: Slots[DialogueQuery] = field(default_factory=Slots)
    cases: Slots[CaseQuery] = field(default_factory=Slots)
    next_steps: Slots[NextStepQuery] = field(default_factory=Slots)
    ideas: Slots[IdeaQuery] = field(default_factory=Slots)
