"""What the polls cog publishes for other features: the digest's polls-of-the-week section and
the metrics' next steps (each poll and its votes)."""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import NextStep, Period, PollStarter, Published, Table
from bot.i18n import t
from cogs.polls.models import Poll, PollVote

_Columns = TypeVarTuple("_Columns")


def _with_votes(query: Select[*_Columns], period: Period) -> Select[*_Columns]:
    """`query` over the polls posted in the period, each with its votes (or none: outer join)."""
    return query.outerjoin(PollVote, PollVote.poll_id == Poll.id).where(
        Poll.community_id == period.community_id,
        Poll.created_at >= period.start,
        Poll.created_at < period.end,
    )


class PollsPublished:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], start: PollStarter | None = None
    ) -> None:
        self._sessions = sessions
        self._start = start

    def attach(self, published: Published) -> None:
        published.sections.add("polls", self.top_polls)
        if self._start is not None:
            published.polls.add("poll", self._start)
        published.reports.add("polls.recent", self.recent)
        published.next_steps.add("polls", self.next_steps)

    def detach(self, published: Published) -> None:
        published.sections.remove("polls", only=self.top_polls)
        if self._start is not None:
            published.polls.remove("poll", only=self._start)
        published.reports.remove("polls.recent", only=self.recent)
        published.next_steps.remove("polls", only=self.next_steps)

    async def next_steps(self, period: Period) -> list[NextStep]:
        """Each poll posted in the period, with its votes (choices) and voters."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    _with_votes(
                        select(
                            Poll.created_at,
                            func.count(PollVote.user_id),
                            func.count(distinct(PollVote.user_id)),
                        ),
                        period,
                    ).group_by(Poll.id, Poll.created_at)
                )
            ).all()
        return [NextStep(at, "poll", int(votes), int(voters)) for at, votes, voters in rows]

    async def top_polls(self, period: Period) -> str | None:
        """The period's polls with the most voters."""
        voters = func.count(distinct(PollVote.user_id))
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    _with_votes(select(Poll.question, voters), period)
                    .group_by(Poll.id, Poll.question)
                    .order_by(voters.desc(), Poll.id)
                    .limit(period.limit)
                )
            ).all()
        if not rows:
            return None
        lines = [t(period.locale, "polls.digest.header")]
        lines += [t(period.locale, "polls.digest.line", question=q, voters=n) for q, n in rows]
        return "\n".join(lines)

    async def recent(self, period: Period) -> Table:
        """The period's polls, newest first, with how many people voted in each."""
        voters = func.count(distinct(PollVote.user_id))
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    _with_votes(select(Poll.id, Poll.question, voters, Poll.created_at), period)
                    .group_by(Poll.id, Poll.question, Poll.created_at)
                    .order_by(Poll.created_at.desc(), Poll.id.desc())
                    .limit(period.limit)
                )
            ).all()
        return Table(("poll", "question", "voters", "created"), tuple(tuple(r) for r in rows))
