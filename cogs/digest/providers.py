"""Digest sections: each is a small async provider that returns its text, or None to be left out.

Other cogs plug in by name, e.g. the polls cog in its `load()`:

    from cogs.digest.providers import register_provider

    async def top_polls(scope: DigestScope) -> str | None: ...
    register_provider("polls", top_polls)   # and unregister_provider("polls") in unload()

`sections` in `[digest]` of rules/rituals.toml picks which names appear and in what order;
a name with no provider registered is skipped, so "ideas" stays silent until the ideas
board registers one. "polls" reads the polls cog's `polls`/`poll_votes` tables when they
exist; the polls cog may replace it with its own provider.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, column, distinct, func, inspect, select, table

from bot.core.refs import CommunityRef
from bot.db.base import UTCDateTime
from bot.i18n import t
from bot.services import Services
from cogs.ama.models import AmaQuestion, AmaSession, AmaVote
from cogs.ama.when import format_moment
from cogs.digest.models import DigestState
from cogs.heroes.models import HeroWeek
from cogs.heroes.scoring import reasons_text


@dataclass(frozen=True)
class DigestScope:
    """What a provider gets: the community, its language and the week being summed up."""

    ref: CommunityRef
    community_id: int
    locale: str
    timezone: str
    start: datetime
    end: datetime
    top_questions: int
    services: Services


Provider = Callable[[DigestScope], Awaitable[str | None]]
_PROVIDERS: dict[str, Provider] = {}


def register_provider(name: str, provider: Provider) -> None:
    """Make `provider` the source of section `name` (replacing any earlier one)."""
    _PROVIDERS[name] = provider


def unregister_provider(name: str, only: Provider | None = None) -> None:
    """Remove section `name`; with `only`, just when that provider is still the one in place."""
    if only is None or _PROVIDERS.get(name) is only:
        _PROVIDERS.pop(name, None)


def provider(name: str) -> Provider | None:
    return _PROVIDERS.get(name)


async def best_questions(scope: DigestScope) -> str | None:
    """The week's answered AMA questions with the most votes."""
    votes = func.count(AmaVote.user_id)
    async with scope.services.sessions() as session:
        rows = (
            await session.execute(
                select(AmaQuestion.id, AmaQuestion.text, votes)
                .join(AmaSession, AmaSession.id == AmaQuestion.session_id)
                .outerjoin(AmaVote, AmaVote.question_id == AmaQuestion.id)
                .where(
                    AmaSession.community_id == scope.community_id,
                    AmaQuestion.status == "answered",
                    AmaQuestion.answered_at >= scope.start,
                    AmaQuestion.answered_at < scope.end,
                )
                .group_by(AmaQuestion.id)
                .order_by(votes.desc(), AmaQuestion.created_at)
                .limit(scope.top_questions)
            )
        ).all()
    if not rows:
        return None
    lines = [t(scope.locale, "digest.questions.header")]
    lines += [
        t(scope.locale, "digest.questions.line", id=qid, question=text, votes=count)
        for qid, text, count in rows
    ]
    return "\n".join(lines)


async def hero(scope: DigestScope) -> str | None:
    """The hero announced during the week, if one was."""
    async with scope.services.sessions() as session:
        row = await session.scalar(
            select(HeroWeek)
            .where(
                HeroWeek.community_id == scope.community_id,
                HeroWeek.announced_at >= scope.start,
                HeroWeek.announced_at < scope.end,
                HeroWeek.user_id.is_not(None),
            )
            .order_by(HeroWeek.week.desc())
            .limit(1)
        )
    if row is None:
        return None
    reasons = reasons_text(scope.locale, row.reasons)
    return t(scope.locale, "digest.hero", name=row.name or row.user_id, reasons=reasons)


async def next_ama(scope: DigestScope) -> str | None:
    """The open AMA that has not started yet: its topic and time."""
    async with scope.services.sessions() as session:
        row = await session.scalar(
            select(AmaSession)
            .where(
                AmaSession.community_id == scope.community_id,
                AmaSession.status == "open",
                AmaSession.starts_at > scope.end,
            )
            .order_by(AmaSession.starts_at)
            .limit(1)
        )
    if row is None:
        return None
    when = format_moment(scope.locale, row.starts_at, scope.timezone)
    return t(scope.locale, "digest.next_ama", topic=row.topic, when=when)


async def teaser(scope: DigestScope) -> str | None:
    """The next topic an admin set with /digest_next."""
    async with scope.services.sessions() as session:
        text = await session.scalar(
            select(DigestState.teaser).where(DigestState.community_id == scope.community_id)
        )
    return t(scope.locale, "digest.teaser", text=text) if text else None


def _has_tables(connection: Connection, names: tuple[str, ...]) -> bool:
    inspector = inspect(connection)
    return all(inspector.has_table(name) for name in names)


# The polls cog's tables, described here without importing its models: the digest reads them
# when they exist (after that cog's migration) and stays silent when they do not.
_POLLS = table(
    "polls",
    column("id"),
    column("community_id"),
    column("question"),
    column("created_at", UTCDateTime()),
)
_POLL_VOTES = table("poll_votes", column("poll_id"), column("user_id"))


async def top_polls(scope: DigestScope) -> str | None:
    """The week's polls with the most voters, read from the polls cog's tables if present."""
    async with scope.services.sessions() as session:
        connection = await session.connection()
        if not await connection.run_sync(_has_tables, ("polls", "poll_votes")):
            return None
        voters = func.count(distinct(_POLL_VOTES.c.user_id))
        rows = (
            await session.execute(
                select(_POLLS.c.question, voters)
                .outerjoin(_POLL_VOTES, _POLL_VOTES.c.poll_id == _POLLS.c.id)
                .where(
                    _POLLS.c.community_id == scope.community_id,
                    _POLLS.c.created_at >= scope.start,
                    _POLLS.c.created_at < scope.end,
                )
                .group_by(_POLLS.c.id, _POLLS.c.question)
                .order_by(voters.desc(), _POLLS.c.id)
                .limit(scope.top_questions)
            )
        ).all()
    if not rows:
        return None
    lines = [t(scope.locale, "digest.polls.header")]
    lines += [t(scope.locale, "digest.polls.line", question=q, voters=n) for q, n in rows]
    return "\n".join(lines)


# The sections this cog provides itself; registered when the digest cog loads.
BUILT_IN: dict[str, Provider] = {
    "questions": best_questions,
    "hero": hero,
    "polls": top_polls,
    "next_ama": next_ama,
    "teaser": teaser,
}
