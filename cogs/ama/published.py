"""What the AMA publishes for other features: digest sections and the answers tally."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Period, Published
from bot.i18n import t
from cogs.ama.models import AmaQuestion, AmaSession, AmaVote
from cogs.ama.when import format_moment


class AmaPublished:
    """Queries over this cog's tables that other features call through `Published`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def attach(self, published: Published) -> None:
        published.sections.add("questions", self.best_questions)
        published.sections.add("next_ama", self.next_ama)
        published.tallies.add("ama_answer", self.answers)

    def detach(self, published: Published) -> None:
        published.sections.remove("questions", only=self.best_questions)
        published.sections.remove("next_ama", only=self.next_ama)
        published.tallies.remove("ama_answer", only=self.answers)

    async def best_questions(self, period: Period) -> str | None:
        """The period's answered questions with the most votes."""
        votes = func.count(AmaVote.user_id)
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(AmaQuestion.id, AmaQuestion.text, votes)
                    .join(AmaSession, AmaSession.id == AmaQuestion.session_id)
                    .outerjoin(AmaVote, AmaVote.question_id == AmaQuestion.id)
                    .where(
                        AmaSession.community_id == period.community_id,
                        AmaQuestion.status == "answered",
                        AmaQuestion.answered_at >= period.start,
                        AmaQuestion.answered_at < period.end,
                    )
                    .group_by(AmaQuestion.id)
                    .order_by(votes.desc(), AmaQuestion.created_at)
                    .limit(period.limit)
                )
            ).all()
        if not rows:
            return None
        lines = [t(period.locale, "ama.digest.questions_header")]
        lines += [
            t(period.locale, "ama.digest.questions_line", id=qid, question=text, votes=count)
            for qid, text, count in rows
        ]
        return "\n".join(lines)

    async def next_ama(self, period: Period) -> str | None:
        """The open AMA that starts after the period: its topic and time."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(AmaSession)
                .where(
                    AmaSession.community_id == period.community_id,
                    AmaSession.status == "open",
                    AmaSession.starts_at > period.end,
                )
                .order_by(AmaSession.starts_at)
                .limit(1)
            )
        if row is None:
            return None
        when = format_moment(period.locale, row.starts_at, period.timezone)
        return t(period.locale, "ama.digest.next", topic=row.topic, when=when)

    async def answers(self, period: Period) -> list[str]:
        """One user id per question answered in the period with the answerer's own message."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AmaQuestion.answered_by)
                .join(AmaSession, AmaSession.id == AmaQuestion.session_id)
                .where(
                    AmaSession.community_id == period.community_id,
                    AmaQuestion.status == "answered",
                    AmaQuestion.answered_at >= period.start,
                    AmaQuestion.answered_at < period.end,
                    AmaQuestion.answered_by.is_not(None),
                )
            )
            return [user_id for user_id in rows if user_id]
