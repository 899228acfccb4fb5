"""Database access of the onboarding cog: gate state, role progress and the raid switch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.refs import CommunityRef
from bot.db.dialect import execute_many, insert_for
from bot.db.models import ActivityCounter, Community, Member
from cogs.onboarding.models import OnboardingMember, RaidMode

GATED = ("pending", "held")


@dataclass(frozen=True, slots=True)
class Gated:
    """A member who may not post yet, as loaded at start."""

    community: CommunityRef
    user_id: str
    method: str
    status: str


@dataclass(frozen=True, slots=True)
class Progress:
    """A member's totals from the activity ledger, for the role path."""

    messages: int
    reactions_received: int
    helpful: int
    first_seen: datetime | None


@dataclass(frozen=True, slots=True)
class Poster:
    """Where a member was last seen posting, under which name."""

    name: str = ""
    chat_id: str = ""


class OnboardingStore:
    """Small, explicit queries; each write is its own transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, community_id: int, user_id: str) -> OnboardingMember | None:
        async with self._sessions() as session:
            return await session.get(OnboardingMember, (community_id, user_id))

    async def start_gate(
        self,
        community_id: int,
        user_id: str,
        *,
        name: str,
        chat_id: str,
        method: str,
        joined_at: datetime,
        deadline: datetime | None,
    ) -> None:
        """Record a (re)join: pending at the gate, or passed straight away when there is none."""
        status = "passed" if method == "none" else "pending"
        values = {
            "community_id": community_id,
            "user_id": user_id,
            "name": name[:200],
            "chat_id": chat_id,
            "status": status,
            "method": method,
            "attempts": 0,
            "joined_at": joined_at,
            "deadline": deadline,
            "passed_at": joined_at if status == "passed" else None,
            "role": "",
            "role_since": joined_at,
        }
        keep = ("role", "role_since")
        async with self._sessions.begin() as session:
            stmt = insert_for(session, OnboardingMember).values(**values)
            changes = {k: getattr(stmt.excluded, k) for k in values if k not in keep}
            await session.execute(
                stmt.on_conflict_do_update(index_elements=["community_id", "user_id"], set_=changes)
            )

    async def set_fields(self, community_id: int, user_id: str, **fields: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OnboardingMember)
                .where(
                    OnboardingMember.community_id == community_id,
                    OnboardingMember.user_id == user_id,
                )
                .values(**fields)
            )

    async def count_attempt(self, community_id: int, user_id: str) -> int:
        """One more wrong captcha answer; returns the new count."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(OnboardingMember)
                .where(
                    OnboardingMember.community_id == community_id,
                    OnboardingMember.user_id == user_id,
                )
                .values(attempts=OnboardingMember.attempts + 1)
            )
            attempts = await session.scalar(
                select(OnboardingMember.attempts).where(
                    OnboardingMember.community_id == community_id,
                    OnboardingMember.user_id == user_id,
                )
            )
        return int(attempts or 0)

    async def gated(self) -> list[Gated]:
        """Everyone still held at a gate, in every community (loaded once at start)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    Community.platform,
                    Community.external_id,
                    OnboardingMember.user_id,
                    OnboardingMember.method,
                    OnboardingMember.status,
                )
                .join(Community, Community.id == OnboardingMember.community_id)
                .where(OnboardingMember.status.in_(GATED))
            )
            return [Gated(CommunityRef(p, c), u, m, s) for p, c, u, m, s in rows.all()]

    async def raids(self) -> list[CommunityRef]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(Community.platform, Community.external_id)
                .join(RaidMode, RaidMode.community_id == Community.id)
                .where(RaidMode.active.is_(True))
            )
            return [CommunityRef(p, c) for p, c in rows.all()]

    async def set_raid(self, community_id: int, active: bool, at: datetime, reason: str) -> None:
        async with self._sessions.begin() as session:
            stmt = insert_for(session, RaidMode).values(
                community_id=community_id, active=active, since=at, reason=reason[:200]
            )
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id"],
                    set_={"active": active, "since": at, "reason": reason[:200]},
                )
            )

    async def add_posters(self, posters: Mapping[tuple[int, str], Poster]) -> None:
        """Write a batch of members' names and last chats in one transaction.

        One statement for the whole batch, run over the rows with the driver's executemany
        (`execute_many`): a statement built per row was compiled anew for each of up to
        `FLUSH_AT` rows, on the event loop, inside the message that filled the batch. An empty
        name or chat keeps the stored one (the CASE), as a statement per row did by leaving
        that column out of its update.
        """
        if not posters:
            return
        async with self._sessions.begin() as session:
            stmt = insert_for(session, OnboardingMember)
            table = OnboardingMember.__table__.c
            keep_unless_given = {
                name: case((stmt.excluded[name] != "", stmt.excluded[name]), else_=table[name])
                for name in ("name", "chat_id")
            }
            await execute_many(
                session,
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "user_id"], set_=keep_unless_given
                ),
                [
                    {
                        "community_id": community_id,
                        "user_id": user_id,
                        "name": poster.name[:200],
                        "chat_id": poster.chat_id,
                        "status": "passed",
                        "method": "none",
                        "attempts": 0,
                        "role": "",
                    }
                    for (community_id, user_id), poster in posters.items()
                ],
            )

    async def progress_rows(
        self, community_id: int, user_id: str | None = None
    ) -> list[tuple[OnboardingMember, Progress]]:
        """Members who passed the gate, with their ledger totals and first-seen time."""
        ledger = (
            select(
                ActivityCounter.user_id,
                func.sum(ActivityCounter.messages).label("messages"),
                func.sum(ActivityCounter.reactions_received).label("reactions"),
                func.sum(ActivityCounter.helpful_marks).label("helpful"),
            )
            .where(ActivityCounter.community_id == community_id)
            .group_by(ActivityCounter.user_id)
        )
        if user_id is not None:
            ledger = ledger.where(ActivityCounter.user_id == user_id)
        sums = ledger.subquery()
        query = (
            select(
                OnboardingMember,
                sums.c.messages,
                sums.c.reactions,
                sums.c.helpful,
                Member.first_seen_at,
            )
            .outerjoin(sums, sums.c.user_id == OnboardingMember.user_id)
            .outerjoin(
                Member,
                (Member.community_id == OnboardingMember.community_id)
                & (Member.user_id == OnboardingMember.user_id),
            )
            .where(
                OnboardingMember.community_id == community_id,
                OnboardingMember.status == "passed",
            )
        )
        if user_id is not None:
            query = query.where(OnboardingMember.user_id == user_id)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [
            (row, Progress(int(m or 0), max(int(r or 0), 0), int(h or 0), first))
            for row, m, r, h, first in rows
        ]

    async def communities(self) -> list[tuple[int, CommunityRef]]:
        """Communities with members on the path."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Community.id, Community.platform, Community.external_id)
                .where(Community.id.in_(select(OnboardingMember.community_id).distinct()))
                .order_by(Community.id)
            )
            return [(i, CommunityRef(p, c)) for i, p, c in rows.all()]
