"""Hero-of-the-week storage: the week's signal sums, the members, and the history of heroes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import ActivityCounter, Member
from cogs.heroes.models import HeroWeek
from cogs.heroes.signals import LEDGER_COLUMNS


class HeroStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def week_counts(
        self, community_id: int, first: date, last: date
    ) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
        """Signal sums per member over local days `first`..`last` (from the activity ledger),
        and the names seen."""
        counts: defaultdict[str, dict[str, int]] = defaultdict(dict)
        names: dict[str, str] = {}
        sums = [func.sum(getattr(ActivityCounter, c)) for c in LEDGER_COLUMNS.values()]
        async with self._sessions() as session:
            rows = await session.execute(
                select(ActivityCounter.user_id, Member.display_name, *sums)
                .outerjoin(
                    Member,
                    (Member.community_id == ActivityCounter.community_id)
                    & (Member.user_id == ActivityCounter.user_id),
                )
                .where(
                    ActivityCounter.community_id == community_id,
                    ActivityCounter.day >= first,
                    ActivityCounter.day <= last,
                )
                .group_by(ActivityCounter.user_id, Member.display_name)
            )
            for user_id, name, *totals in rows:
                signals = {
                    signal: int(total)
                    for signal, total in zip(LEDGER_COLUMNS, totals, strict=True)
                    if total
                }
                if signals:
                    counts[user_id] = signals
                if name:
                    names[user_id] = name
        return dict(counts), names

    async def members(self, community_id: int, user_ids: list[str]) -> dict[str, tuple[str, bool]]:
        """Known members among `user_ids`: display name and whether the platform says bot."""
        found: dict[str, tuple[str, bool]] = {}
        async with self._sessions() as session:
            for chunk in range(0, len(user_ids), 500):
                rows = await session.execute(
                    select(Member.user_id, Member.display_name, Member.is_bot).where(
                        Member.community_id == community_id,
                        Member.user_id.in_(user_ids[chunk : chunk + 500]),
                    )
                )
                for user_id, name, is_bot in rows:
                    found[user_id] = (name, is_bot)
        return found

    async def previous_hero(self, community_id: int, week: date) -> str | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(HeroWeek.user_id)
                .where(HeroWeek.community_id == community_id, HeroWeek.week < week)
                .order_by(HeroWeek.week.desc())
                .limit(1)
            )

    async def week(self, community_id: int, week: date) -> HeroWeek | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(HeroWeek).where(HeroWeek.community_id == community_id, HeroWeek.week == week)
            )

    async def claim_week(self, community_id: int, week: date, values: dict[str, Any]) -> bool:
        """Record the week's result as `sending`; False when the week was claimed already."""
        try:
            async with self._sessions.begin() as session:
                session.add(
                    HeroWeek(community_id=community_id, week=week, status="sending", **values)
                )
        except IntegrityError:
            return False
        return True

    async def mark_sent(self, community_id: int, week: date, message_id: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(HeroWeek)
                .where(HeroWeek.community_id == community_id, HeroWeek.week == week)
                .values(status="sent", message_id=message_id)
            )

    async def history(self, community_id: int, limit: int) -> list[HeroWeek]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(HeroWeek)
                .where(HeroWeek.community_id == community_id)
                .order_by(HeroWeek.week.desc())
                .limit(limit)
            )
            return list(rows)
