"""What moderation publishes for other features: the tally of cases that still count."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Period, Published, Table
from cogs.moderation.models import ModCase

# Cases that say a member broke a rule; notes ("log") and lifted mutes/bans are not penalties.
PENALISED = ("delete", "warn", "mute", "kick", "ban")


class ModerationPublished:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._reports = {
            "moderation.by_rule": self.by_rule,
            "moderation.by_week": self.by_week,
            "moderation.recent": self.recent,
        }

    def attach(self, published: Published) -> None:
        published.tallies.add("moderation_case", self.cases)
        for name, report in self._reports.items():
            published.reports.add(name, report)

    def detach(self, published: Published) -> None:
        published.tallies.remove("moderation_case", only=self.cases)
        for name, report in self._reports.items():
            published.reports.remove(name, only=report)

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

    def _in(self, period: Period) -> tuple[Any, ...]:
        return (
            ModCase.community_id == period.community_id,
            ModCase.created_at >= period.start,
            ModCase.created_at < period.end,
            ModCase.action.in_(PENALISED),
        )

    async def by_rule(self, period: Period) -> Table:
        """Cases in the period per rule, most first ("" is a case a moderator gave no rule)."""
        cases = func.count()
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(ModCase.rule, cases)
                    .where(*self._in(period))
                    .group_by(ModCase.rule)
                    .order_by(cases.desc(), ModCase.rule)
                )
            ).all()
        return Table(("rule", "cases"), tuple((rule, n) for rule, n in rows))

    async def by_week(self, period: Period) -> Table:
        """Cases per community-local week of the period (weeks without cases show 0)."""
        async with self._sessions() as session:
            moments = list(
                await session.scalars(select(ModCase.created_at).where(*self._in(period)))
            )
        counts = Counter(period.week_of(moment) for moment in moments)
        return Table(("week", "cases"), tuple((w.isoformat(), counts[w]) for w in period.weeks()))

    async def recent(self, period: Period) -> Table:
        """The period's latest cases (at most `period.limit`), newest first."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        ModCase.id,
                        ModCase.created_at,
                        ModCase.action,
                        ModCase.rule,
                        ModCase.user_name,
                        ModCase.reason,
                        ModCase.pardoned,
                    )
                    .where(*self._in(period))
                    .order_by(ModCase.created_at.desc(), ModCase.id.desc())
                    .limit(period.limit)
                )
            ).all()
        return Table(
            ("case", "at", "action", "rule", "member", "reason", "pardoned"),
            tuple(tuple(row) for row in rows),
        )
