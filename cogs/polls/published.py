"""What the polls cog publishes for other features: the digest's polls-of-the-week section."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Period, PollStarter, Published
from bot.i18n import t
from cogs.polls.models import Poll, PollVote


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

    def detach(self, published: Published) -> None:
        published.sections.remove("polls", only=self.top_polls)
        if self._start is not None:
            published.polls.remove("poll", only=self._start)

    async def top_polls(self, period: Period) -> str | None:
        """The period's polls with the most voters."""
        voters = func.count(distinct(PollVote.user_id))
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Poll.question, voters)
                    .outerjoin(PollVote, PollVote.poll_id == Poll.id)
                    .where(
                        Poll.community_id == period.community_id,
                        Poll.created_at >= period.start,
                        Poll.created_at < period.end,
                    )
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
