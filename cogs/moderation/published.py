"""What moderation publishes for other features: the tally of cases that still count."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import MemberAt, Period, Published
from cogs.moderation.models import ModCase

# Cases that say a member broke a rule; notes ("log") and lifted mutes/bans are not penalties.
PENALISED = ("delete", "warn", "mute", "kick", "ban")


class ModerationPublished:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def attach(self, published: Published) -> None:
        published.tallies.add("moderation_case", self.cases)
        published.checks.add("muted", self.muted)

    def detach(self, published: Published) -> None:
        published.tallies.remove("moderation_case", only=self.cases)
        published.checks.remove("muted", only=self.muted)

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

    async def muted(self, member: MemberAt) -> bool:
        """Whether a mute is in force on the member at `member.at` (lifted or run out: no).

        The latest mute or its lifting (a note whose rule is "unmute") decides, as in
        `ModerationStore.in_force`.
        """
        async with self._sessions() as session:
            latest = await session.scalar(
                select(ModCase)
                .where(
                    ModCase.community_id == member.community_id,
                    ModCase.user_id == member.user_id,
                    (ModCase.action == "mute") | (ModCase.rule == "unmute"),
                )
                .order_by(ModCase.id.desc())
                .limit(1)
            )
        if latest is None or latest.action != "mute" or latest.refused is not None:
            return False
        return latest.expires_at is None or latest.expires_at > member.at
