"""Private chats (a member's DMs with the bot): which community they speak to.

A DM is not a community (see `bot/core/refs.py`). What is kept per member is one
`private_routes` row (the community they chose, a message held while they choose) and, in
memory, at most `size` recent choices, least recently used evicted first. The communities a
member belongs to come from the `members` table the activity ledger keeps.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.refs import CommunityRef, UserRef
from bot.db.dialect import insert_for
from bot.db.models import Community as CommunityRow
from bot.db.models import Member, PrivateRoute

# Members whose chosen community is kept in memory; the rest are one primary-key read away.
ROUTES_KEPT = 10_000
# A member in more communities than this is asked among the most recently active ones.
CHOICES_AT_MOST = 10


@dataclass(frozen=True, slots=True)
class Choice:
    """A community a member may speak to from a DM."""

    id: int
    ref: CommunityRef
    name: str


class PrivateChats:
    """Routes of members' DMs to communities, bounded in memory, durable in the database."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, size: int = ROUTES_KEPT
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.limit = size  # routes kept in memory at most (tests lower it to see eviction)
        self._chosen: OrderedDict[UserRef, Choice | None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._chosen)

    async def communities_of(self, user: UserRef) -> list[Choice]:
        """The communities on the user's platform where they were seen and have not left."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(CommunityRow.id, CommunityRow.external_id, CommunityRow.name)
                    .join(Member, Member.community_id == CommunityRow.id)
                    .where(
                        CommunityRow.platform == user.platform,
                        CommunityRow.kind == "community",
                        Member.user_id == user.id,
                        Member.left_at.is_(None),
                    )
                    .order_by(Member.last_seen_at.desc())
                    .limit(CHOICES_AT_MOST)
                )
            ).all()
        return [
            Choice(row.id, CommunityRef(user.platform, row.external_id), row.name) for row in rows
        ]

    async def chosen(self, user: UserRef) -> Choice | None:
        """The community the user's DMs go to, if they chose one (or it was the only one)."""
        if user in self._chosen:
            self._chosen.move_to_end(user)
            return self._chosen[user]
        async with self._sessions() as session:
            row = await session.execute(
                select(CommunityRow.id, CommunityRow.external_id, CommunityRow.name)
                .join(PrivateRoute, PrivateRoute.community_id == CommunityRow.id)
                .where(PrivateRoute.platform == user.platform, PrivateRoute.user_id == user.id)
            )
            found = row.first()
        choice = (
            Choice(found.id, CommunityRef(user.platform, found.external_id), found.name)
            if found is not None
            else None
        )
        self._remember(user, choice)
        return choice

    async def choose(self, user: UserRef, choice: Choice) -> str | None:
        """Remember `choice` for the user's DMs; returns the message held while they chose."""
        async with self._sessions.begin() as session:
            held = await session.scalar(
                select(PrivateRoute.pending_text).where(
                    PrivateRoute.platform == user.platform, PrivateRoute.user_id == user.id
                )
            )
            await self._upsert(session, user, community_id=choice.id, pending_text=None)
        self._remember(user, choice)
        return held

    async def hold(self, user: UserRef, text: str) -> None:
        """Keep the user's message until they choose a community (it survives a restart)."""
        async with self._sessions.begin() as session:
            await self._upsert(session, user, community_id=None, pending_text=text)
        self._remember(user, None)

    async def _upsert(self, session: AsyncSession, user: UserRef, **values: object) -> None:
        stmt = insert_for(session, PrivateRoute).values(
            platform=user.platform, user_id=user.id, updated_at=self._clock.now(), **values
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["platform", "user_id"],
                set_={**values, "updated_at": self._clock.now()},
            )
        )

    def _remember(self, user: UserRef, choice: Choice | None) -> None:
        self._chosen[user] = choice
        self._chosen.move_to_end(user)
        while len(self._chosen) > self.limit:
            self._chosen.popitem(last=False)
