"""What the hero of the week publishes for other features: the digest's hero section."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Period, Published
from bot.i18n import t
from cogs.heroes.models import HeroWeek
from cogs.heroes.scoring import reasons_text


class HeroesPublished:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def attach(self, published: Published) -> None:
        published.sections.add("hero", self.hero)

    def detach(self, published: Published) -> None:
        published.sections.remove("hero", only=self.hero)

    async def hero(self, period: Period) -> str | None:
        """The hero announced during the period, if one was."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(HeroWeek)
                .where(
                    HeroWeek.community_id == period.community_id,
                    HeroWeek.announced_at >= period.start,
                    HeroWeek.announced_at < period.end,
                    HeroWeek.user_id.is_not(None),
                )
                .order_by(HeroWeek.week.desc())
                .limit(1)
            )
        if row is None:
            return None
        reasons = reasons_text(period.locale, row.reasons)
        return t(period.locale, "heroes.digest.hero", name=row.name or row.user_id, reasons=reasons)
