"""What moderation publishes for other features: the tally of cases that still count."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Case, Period, Published
from cogs.moderation.models import ModCase

# Cases that say a member broke a rule; notes ("log") and lifted mutes/bans are not penalties.
PENALISED = ("delete", "warn", "mute", "kick", "ban")


class ModerationPublished:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def attach(self, published: Published) -> None:
        published.tallies.add("moderation_case", self.cases)
        published.cases.add("moderation", self.by_rule)

    def detach(self, published: Published) -> None:
        published.tallies.remove("moderation_case", only=self.cases)
        published.cases.remove("moderation", only=self.by_rule)

    async def by_rule(self, period: Period) -> list[Case]:
        """Each case in the period that still counts, with its rule ("" for a manual one)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(ModCase.created_at, ModCase.rule).where(
                    ModCase.community_id == period.community_id,
                    ModCase.created_at >= period.start,
                    ModCase.created_at < period.end,
                    ModCase.pardoned.is_(False),
                    ModCase.action.in_(PENALISED),
                )
            )
            return [Case(at, rule or "") for at, rule in rows]

    async def cases(self, period: Period) -> list[str]:
        """One user id per case in the period that still counts (a penalty, not pardoned)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ModCase.user_id).where(
                    ModCase.community_id == period.community_id,
                    ModCase.created_at >= period.start,
                    ModCase.created_at < period.end,
                    ModCase.pardoned.is_(False),
                    ModCase.action.in_(PENALISED),
                )
            )
            return list(rows)
