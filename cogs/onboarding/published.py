"""What onboarding publishes for other features: whether a member is a newcomer not yet vetted."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import MemberAt, Published
from cogs.onboarding.models import OnboardingMember


class OnboardingPublished:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def attach(self, published: Published) -> None:
        published.checks.add("unvetted", self.unvetted)

    def detach(self, published: Published) -> None:
        published.checks.remove("unvetted", only=self.unvetted)

    async def unvetted(self, member: MemberAt) -> bool:
        """Joined after `member.since` and not through the gate (pending or held) at `at`.

        A member who joined before, or whose join the bot never saw, is not a newcomer here.
        """
        async with self._sessions() as session:
            row = await session.get(OnboardingMember, (member.community_id, member.user_id))
        if row is None or row.joined_at is None or row.status == "passed":
            return False
        return member.since is None or row.joined_at > member.since
