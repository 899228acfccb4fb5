"""What features publish for each other: named sections of a summary and per-member tallies.

A feature never imports another or reads its tables. The one that owns the data publishes a
small query here from its `load()` (and withdraws it in `unload()`); the one that needs it asks
by name and gets nothing when the owner is not loaded. The weekly digest's sections, the
hero-of-the-week's inputs, the ideas board's vote guards (moderation's "muted", onboarding's
"unvetted") and its public board (for the web dashboard) use it. Moderation also publishes its
sanction (the ladder, the case log, the member's notice and the log line in one call), so a
federation ban or a list hit is recorded in each community exactly as a moderator's ban is.
The web dashboard's pages read `reports`. The metrics read
its records (dialogue, cases, next steps, ideas).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from bot.core.refs import ChatRef, CommunityRef, UserRef


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

# Two shapes on purpose. The records above (Dialogue, Case, NextStep, Idea) are for computing:
# the metrics filter them by time and take medians and shares from typed fields. A `Table` is for
# showing: a dashboard page renders any report by its column names and knows no owner's types.

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

# The period's dialogue with the team (the support desk publishes it as "dialogue").
DialogueQuery = Callable[[Period], Awaitable[Dialogue]]
# Moderation cases in the period ("cases").
CaseQuery = Callable[[Period], Awaitable[list[Case]]]
# Bot posts with a next step made in the period ("polls"; the web server's tracked links, "links").
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
        """Withdraw `name`; with `only`, just when that provider is still the one in place.

        Equality, not identity: `obj.method` makes a new bound method on every access, and
        two of them are equal exactly when they bind the same function to the same object."""
        if only is None or self._by_name.get(name) == only:
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
    sanctions: Slots[Sanction] = field(default_factory=Slots)
    ban_lists: Slots[BanList] = field(default_factory=Slots)
    reports: Slots[Report] = field(default_factory=Slots)
    dialogue: Slots[DialogueQuery] = field(default_factory=Slots)
    cases: Slots[CaseQuery] = field(default_factory=Slots)
    next_steps: Slots[NextStepQuery] = field(default_factory=Slots)
    ideas: Slots[IdeaQuery] = field(default_factory=Slots)
