"""Queries of the federation feature; other features never read these tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.refs import CommunityRef, UserRef
from bot.db.dialect import insert_for
from bot.db.models import Community
from bot.scheduler import Job, stage
from cogs.federation.jobs import BanPlacement
from cogs.federation.models import (
    MEMBER,
    Federation,
    FederationAdmin,
    FederationApplication,
    FederationBan,
    FederationCode,
    FederationCommunity,
    FederationLink,
)

APPLY_JOB = "federation.apply"
LIFT_JOB = "federation.lift"


def apply_key(ban_id: int, community_id: int) -> str:
    return f"{APPLY_JOB}:{ban_id}:{community_id}"


def lift_key(ban_id: int, community_id: int) -> str:
    return f"{LIFT_JOB}:{ban_id}:{community_id}"


def apply_job(ban_id: int, community_id: int, due: datetime) -> Job:
    payload = BanPlacement(ban=ban_id, community=community_id)
    return Job(APPLY_JOB, due, payload, apply_key(ban_id, community_id))


@dataclass(frozen=True, slots=True)
class Place:
    """A community of a federation as the platform knows it."""

    community_id: int
    ref: CommunityRef
    mode: str


@dataclass(frozen=True, slots=True)
class NewBan:
    federation_id: int
    user: UserRef
    name: str
    reason: str
    source: str
    by: str
    at: datetime


class FederationStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # -- federations and their communities -------------------------------------------------

    async def create(self, name: str, owner: UserRef, community_id: int, now: datetime) -> int:
        async with self._sessions.begin() as session:
            fed = Federation(
                name=name, owner_platform=owner.platform, owner_id=owner.id, created_at=now
            )
            session.add(fed)
            await session.flush()
            session.add(
                FederationCommunity(
                    federation_id=fed.id, community_id=community_id, mode=MEMBER, joined_at=now
                )
            )
            return fed.id

    async def get(self, federation_id: int) -> Federation | None:
        async with self._sessions() as session:
            return await session.get(Federation, federation_id)

    async def membership(self, community_id: int, mode: str = MEMBER) -> Federation | None:
        """The federation this community is in now (as a member: at most one)."""
        async with self._sessions() as session:
            return await session.scalar(
                select(Federation)
                .join(FederationCommunity, FederationCommunity.federation_id == Federation.id)
                .where(
                    FederationCommunity.community_id == community_id,
                    FederationCommunity.mode == mode,
                    FederationCommunity.left_at.is_(None),
                )
                .order_by(Federation.id)
                .limit(1)
            )

    async def subscriptions(self, community_id: int) -> list[int]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FederationCommunity.federation_id).where(
                    FederationCommunity.community_id == community_id,
                    FederationCommunity.mode != MEMBER,
                    FederationCommunity.left_at.is_(None),
                )
            )
            return list(rows)

    async def enter(self, federation_id: int, community_id: int, mode: str, now: datetime) -> None:
        """Join (or subscribe); a community that left before comes back with its history."""
        async with self._sessions.begin() as session:
            found = await session.get(FederationCommunity, (federation_id, community_id))
            if found is None:
                session.add(
                    FederationCommunity(
                        federation_id=federation_id,
                        community_id=community_id,
                        mode=mode,
                        joined_at=now,
                    )
                )
            else:
                found.mode, found.left_at, found.joined_at = mode, None, now

    async def leave(self, federation_id: int, community_id: int, now: datetime) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(FederationCommunity)
                .where(
                    FederationCommunity.federation_id == federation_id,
                    FederationCommunity.community_id == community_id,
                    FederationCommunity.left_at.is_(None),
                )
                .values(left_at=now)
            )
        return bool(getattr(result, "rowcount", 0))

    async def places(self, federation_id: int) -> list[Place]:
        """Every community receiving the federation's bans now, members first."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    Community.id,
                    Community.platform,
                    Community.external_id,
                    FederationCommunity.mode,
                )
                .join(FederationCommunity, FederationCommunity.community_id == Community.id)
                .where(
                    FederationCommunity.federation_id == federation_id,
                    FederationCommunity.left_at.is_(None),
                )
                .order_by(FederationCommunity.mode, Community.id)
            )
            return [Place(cid, CommunityRef(p, e), mode) for cid, p, e, mode in rows]

    async def place(self, federation_id: int, community_id: int) -> Place | None:
        """The community, if it receives the federation's bans now (one row, not the list)."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(Community.platform, Community.external_id, FederationCommunity.mode)
                    .join(FederationCommunity, FederationCommunity.community_id == Community.id)
                    .where(
                        FederationCommunity.federation_id == federation_id,
                        FederationCommunity.community_id == community_id,
                        FederationCommunity.left_at.is_(None),
                    )
                )
            ).first()
        if row is None:
            return None
        platform, external, mode = row
        return Place(community_id, CommunityRef(platform, external), mode)

    async def active_places(self) -> list[tuple[int, int]]:
        """(federation, community) of every membership and subscription in force."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(FederationCommunity.federation_id, FederationCommunity.community_id).where(
                    FederationCommunity.left_at.is_(None)
                )
            )
            return [(f, c) for f, c in rows]

    async def set_log(self, federation_id: int, community_id: int, chat_id: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(Federation)
                .where(Federation.id == federation_id)
                .values(log_community_id=community_id, log_chat_id=chat_id)
            )

    async def community_ref(self, community_id: int) -> CommunityRef | None:
        async with self._sessions() as session:
            row = await session.get(Community, community_id)
            return None if row is None else CommunityRef(row.platform, row.external_id)

    # -- admins and join codes ---------------------------------------------------------------

    async def is_admin(self, federation: Federation, user: UserRef) -> bool:
        if (federation.owner_platform, federation.owner_id) == (user.platform, user.id):
            return True
        async with self._sessions() as session:
            found = await session.get(FederationAdmin, (federation.id, user.platform, user.id))
            return found is not None

    async def add_admin(self, federation_id: int, user: UserRef, now: datetime) -> bool:
        async with self._sessions.begin() as session:
            if await session.get(FederationAdmin, (federation_id, user.platform, user.id)):
                return False
            session.add(
                FederationAdmin(
                    federation_id=federation_id,
                    platform=user.platform,
                    user_id=user.id,
                    added_at=now,
                )
            )
            return True

    async def remove_admin(self, federation_id: int, user: UserRef) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(FederationAdmin).where(
                    FederationAdmin.federation_id == federation_id,
                    FederationAdmin.platform == user.platform,
                    FederationAdmin.user_id == user.id,
                )
            )
        return bool(getattr(result, "rowcount", 0))

    async def add_code(
        self, federation_id: int, digest: str, now: datetime, expires: datetime
    ) -> None:
        async with self._sessions.begin() as session:
            session.add(
                FederationCode(
                    digest=digest, federation_id=federation_id, created_at=now, expires_at=expires
                )
            )

    async def redeem(
        self, digest: str, community_id: int, now: datetime
    ) -> tuple[int | None, str | None]:
        """(federation, None) when the code is good, now spent; (None, problem) otherwise.

        Spending is one UPDATE guarded by `used_at IS NULL`: two chats racing for one code
        cannot both win."""
        async with self._sessions.begin() as session:
            found = await session.get(FederationCode, digest)
            if found is None:
                return None, "wrong"
            if found.used_at is not None:
                return None, "used"
            if found.expires_at <= now:
                return None, "expired"
            result = await session.execute(
                update(FederationCode)
                .where(FederationCode.digest == digest, FederationCode.used_at.is_(None))
                .values(used_at=now, used_by=community_id)
            )
            if not getattr(result, "rowcount", 0):
                return None, "used"
            return found.federation_id, None

    # -- linked accounts ---------------------------------------------------------------------

    async def accounts(self, federation_id: int, user: UserRef) -> list[UserRef]:
        """`user` and every account linked to them in this federation."""
        async with self._sessions() as session:
            person = await session.scalar(
                select(FederationLink.person).where(
                    FederationLink.federation_id == federation_id,
                    FederationLink.platform == user.platform,
                    FederationLink.user_id == user.id,
                )
            )
            if person is None:
                return [user]
            rows = await session.execute(
                select(FederationLink.platform, FederationLink.user_id)
                .where(
                    FederationLink.federation_id == federation_id, FederationLink.person == person
                )
                .order_by(FederationLink.id)
            )
            return [UserRef(p, u) for p, u in rows]

    async def link(self, federation_id: int, first: UserRef, second: UserRef) -> int:
        """Say two accounts are one person (joining their groups); the group's size."""
        async with self._sessions.begin() as session:
            persons: list[int] = []
            for account in (first, second):
                found = await session.scalar(
                    select(FederationLink).where(
                        FederationLink.federation_id == federation_id,
                        FederationLink.platform == account.platform,
                        FederationLink.user_id == account.id,
                    )
                )
                if found is None:
                    found = FederationLink(
                        federation_id=federation_id,
                        person=0,
                        platform=account.platform,
                        user_id=account.id,
                    )
                    session.add(found)
                    await session.flush()
                    found.person = found.id
                persons.append(found.person)
            person = min(persons)
            await session.execute(
                update(FederationLink)
                .where(
                    FederationLink.federation_id == federation_id,
                    FederationLink.person.in_(persons),
                )
                .values(person=person)
            )
            count = await session.scalar(
                select(func.count()).where(
                    FederationLink.federation_id == federation_id, FederationLink.person == person
                )
            )
            return int(count or 0)

    # -- bans --------------------------------------------------------------------------------

    async def active_ban(self, federation_id: int, user: UserRef) -> FederationBan | None:
        async with self._sessions() as session:
            return await self._active(session, federation_id, user)

    @staticmethod
    async def _active(
        session: AsyncSession, federation_id: int, user: UserRef
    ) -> FederationBan | None:
        return await session.scalar(
            select(FederationBan)
            .where(
                FederationBan.federation_id == federation_id,
                FederationBan.platform == user.platform,
                FederationBan.user_id == user.id,
                FederationBan.lifted_at.is_(None),
            )
            .limit(1)
        )

    async def add_ban(self, ban: NewBan, communities: Iterable[int]) -> tuple[int, bool]:
        """Store the ban and one apply job per community in one transaction (the outbox);
        (ban id, False) when the member was already banned by this federation."""
        async with self._sessions.begin() as session:
            found = await self._active(session, ban.federation_id, ban.user)
            if found is not None:
                return found.id, False
            row = FederationBan(
                federation_id=ban.federation_id,
                platform=ban.user.platform,
                user_id=ban.user.id,
                user_name=ban.name[:200],
                reason=ban.reason,
                source=ban.source[:64],
                banned_by=ban.by[:120],
                created_at=ban.at,
            )
            session.add(row)
            await session.flush()
            for community_id in communities:
                await stage(session, apply_job(row.id, community_id, ban.at), ban.at)
            return row.id, True

    async def ban(self, ban_id: int) -> FederationBan | None:
        async with self._sessions() as session:
            return await session.get(FederationBan, ban_id)

    async def lift(self, ban_id: int, by: str, now: datetime, then: Iterable[Job]) -> None:
        """Mark the ban lifted and stage the unbans, in one transaction."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(FederationBan)
                .where(FederationBan.id == ban_id)
                .values(lifted_at=now, lifted_by=by[:120])
            )
            for job in then:
                await stage(session, job, now)

    async def bans(self, federation_id: int, limit: int | None = None) -> list[FederationBan]:
        """Bans in force, oldest first."""
        query = (
            select(FederationBan)
            .where(FederationBan.federation_id == federation_id, FederationBan.lifted_at.is_(None))
            .order_by(FederationBan.id)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self._sessions() as session:
            return list((await session.scalars(query)).all())

    async def count_bans(self, federation_id: int) -> int:
        async with self._sessions() as session:
            found = await session.scalar(
                select(func.count()).where(
                    FederationBan.federation_id == federation_id,
                    FederationBan.lifted_at.is_(None),
                )
            )
            return int(found or 0)

    async def missing(self, federation_id: int, community_id: int, limit: int) -> list[int]:
        """Bans in force that have not reached this community yet (no application row)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FederationBan.id)
                .outerjoin(
                    FederationApplication,
                    and_(
                        FederationApplication.ban_id == FederationBan.id,
                        FederationApplication.community_id == community_id,
                    ),
                )
                .where(
                    FederationBan.federation_id == federation_id,
                    FederationBan.lifted_at.is_(None),
                    FederationApplication.ban_id.is_(None),
                )
                .order_by(FederationBan.id)
                .limit(limit)
            )
            return list(rows)

    async def stage_applies(self, pairs: Iterable[tuple[int, int]], now: datetime) -> int:
        """Stage apply jobs for (ban, community) pairs; keyed, so a pending one is reused."""
        count = 0
        async with self._sessions.begin() as session:
            for ban_id, community_id in pairs:
                await stage(session, apply_job(ban_id, community_id, now), now)
                count += 1
        return count

    # -- applications ------------------------------------------------------------------------

    async def application(self, ban_id: int, community_id: int) -> FederationApplication | None:
        async with self._sessions() as session:
            return await session.get(FederationApplication, (ban_id, community_id))

    async def record(
        self,
        ban_id: int,
        community_id: int,
        state: str,
        now: datetime,
        *,
        case_id: int | None = None,
        detail: str = "",
        replace: bool = False,
    ) -> bool:
        """Record what the ban did here; an existing record stays unless `replace`."""
        values = {
            "ban_id": ban_id,
            "community_id": community_id,
            "state": state,
            "case_id": case_id,
            "detail": detail,
            "at": now,
        }
        async with self._sessions.begin() as session:
            stmt = insert_for(session, FederationApplication).values(**values)
            if replace:
                stmt = stmt.on_conflict_do_update(
                    index_elements=["ban_id", "community_id"],
                    set_={"state": state, "detail": detail, "at": now},
                )
            else:
                stmt = stmt.on_conflict_do_nothing(index_elements=["ban_id", "community_id"])
            result = await session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def applications(self, ban_id: int) -> list[FederationApplication]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FederationApplication)
                .where(FederationApplication.ban_id == ban_id)
                .order_by(FederationApplication.community_id)
            )
            return list(rows.all())
