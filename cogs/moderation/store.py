"""Database access for moderation: cases, strikes, reports and slow-mode rows.

Each write is its own short transaction, committed before the action it records is reported
done; nothing here runs per message, only per violation or command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.refs import CommunityRef
from bot.core.replay import event_write
from bot.db.models import Community as CommunityRow
from bot.db.models import Member
from bot.scheduler import FollowUps, no_follow_ups, stage
from cogs.moderation.ladder import strikes
from cogs.moderation.models import AUTO, ModCase, ModReport, ModSlowmode
from cogs.moderation.rules import Ladder

# Older cases weigh less than 2^-12 of their points: not worth reading.
HALF_LIVES_READ = 12


@dataclass(frozen=True, slots=True)
class NewCase:
    community_id: int
    user_id: str
    user_name: str
    action: str
    rule: str
    reason: str
    points: int
    created_at: datetime
    chat_id: str | None = None
    expires_at: datetime | None = None
    moderator_id: str = AUTO
    link: str | None = None  # the message acted on, when it has a link (bot/core/permalinks.py)


class ModerationStore:
    """Cases, reports and slow-mode state in the database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add_case(self, case: NewCase, then: FollowUps = no_follow_ups) -> int:
        """Store a case with the jobs that must follow it (its expiry), in one transaction."""
        async with self._sessions.begin() as session:
            mark = await event_write(session, "moderation.case")
            if mark.done and mark.result is not None:
                return mark.result  # written by a run a crash interrupted: not again
            row = ModCase(
                community_id=case.community_id,
                user_id=case.user_id,
                user_name=case.user_name[:200],
                moderator_id=case.moderator_id,
                action=case.action,
                rule=case.rule[:64],
                reason=case.reason,
                points=case.points,
                chat_id=case.chat_id,
                created_at=case.created_at,
                expires_at=case.expires_at,
                pardoned=False,
                link=case.link,
            )
            session.add(row)
            await session.flush()
            for job in then(row.id):
                await stage(session, job, case.created_at)
            await mark.record(session, row.id)
            return row.id

    async def strikes(
        self, community_id: int, user_id: str, now: datetime, ladder: Ladder
    ) -> float:
        since = now - timedelta(hours=ladder.half_life_hours * HALF_LIVES_READ)
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(ModCase.points, ModCase.created_at).where(
                        ModCase.community_id == community_id,
                        ModCase.user_id == user_id,
                        ModCase.pardoned.is_(False),
                        ModCase.points > 0,
                        ModCase.created_at >= since,
                    )
                )
            ).all()
        return strikes(((p, at) for p, at in rows), now, ladder)

    async def joined_many(self, community_id: int, user_ids: list[str]) -> dict[str, datetime]:
        """`joined_at` for many members at once (one `IN (...)`): those who joined and have
        not left since; the others are missing from the answer."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Member.user_id, Member.joined_at, Member.left_at).where(
                        Member.community_id == community_id, Member.user_id.in_(user_ids)
                    )
                )
            ).all()
        return {
            user_id: joined
            for user_id, joined, left in rows
            if joined is not None and (left is None or left < joined)
        }

    async def joins_since(
        self, since: datetime, limit: int
    ) -> list[tuple[tuple[CommunityRef, str], datetime]]:
        """Members who joined at or after `since` and have not left since, in every
        community: the newest `limit`, oldest first (read once at start)."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        CommunityRow.platform,
                        CommunityRow.external_id,
                        Member.user_id,
                        Member.joined_at,
                    )
                    .join(CommunityRow, CommunityRow.id == Member.community_id)
                    .where(
                        Member.joined_at >= since,
                        or_(Member.left_at.is_(None), Member.left_at < Member.joined_at),
                    )
                    .order_by(Member.joined_at.desc())
                    .limit(limit)
                )
            ).all()
        return [
            ((CommunityRef(platform, community), user_id), joined)
            for platform, community, user_id, joined in reversed(rows)
            if joined is not None  # never (the query asks for a time), but the column may be
        ]

    async def case(self, community_id: int, case_id: int) -> ModCase | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(ModCase).where(ModCase.id == case_id, ModCase.community_id == community_id)
            )

    async def cases_of(self, community_id: int, user_id: str, limit: int = 10) -> list[ModCase]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ModCase)
                .where(ModCase.community_id == community_id, ModCase.user_id == user_id)
                .order_by(ModCase.id.desc())
                .limit(limit)
            )
            return list(rows)

    async def in_force(
        self, community_id: int, user_id: str, kind: str, now: datetime
    ) -> ModCase | None:
        """The mute or ban (`kind`) of `user_id` still in force now, if any.

        The latest case of that kind or of its lifting (recorded as a note whose rule is
        `un<kind>`) decides; a timed one that ran out is no longer in force.
        """
        async with self._sessions() as session:
            latest = await session.scalar(
                select(ModCase)
                .where(
                    ModCase.community_id == community_id,
                    ModCase.user_id == user_id,
                    (ModCase.action == kind) | (ModCase.rule == f"un{kind}"),
                )
                .order_by(ModCase.id.desc())
                .limit(1)
            )
        if latest is None or latest.action != kind:
            return None
        if latest.expires_at is not None and latest.expires_at <= now:
            return None
        return latest

    async def mark_refused(self, case_id: int, reason: str) -> None:
        """The platform refused the case's action: it stays on record as not done."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(ModCase).where(ModCase.id == case_id).values(refused=reason[:500] or "?")
            )

    async def pardon(self, community_id: int, case_id: int, by: str) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ModCase)
                .where(
                    ModCase.id == case_id,
                    ModCase.community_id == community_id,
                    ModCase.pardoned.is_(False),
                )
                .values(pardoned=True, pardoned_by=by)
            )
        return bool(getattr(result, "rowcount", 0))

    async def add_report(self, report: ModReport) -> int:
        async with self._sessions.begin() as session:
            mark = await event_write(session, "moderation.report")
            if mark.done and mark.result is not None:
                return mark.result
            session.add(report)
            await session.flush()
            await mark.record(session, report.id)
            return report.id

    async def reported_before(
        self, community_id: int, reporter_id: str, chat_id: str, message_id: str
    ) -> int | None:
        """The number of `reporter_id`'s earlier report of this message, if any."""
        async with self._sessions() as session:
            found: int | None = await session.scalar(
                select(ModReport.id).where(
                    ModReport.community_id == community_id,
                    ModReport.reporter_id == reporter_id,
                    ModReport.chat_id == chat_id,
                    ModReport.message_id == message_id,
                )
            )
            return found

    async def report(self, community_id: int, report_id: int) -> ModReport | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(ModReport).where(
                    ModReport.id == report_id, ModReport.community_id == community_id
                )
            )

    async def close_report(
        self, community_id: int, report_id: int, status: str, by: str, now: datetime
    ) -> bool:
        """Close an open report; False when there is none open by that number."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ModReport)
                .where(
                    ModReport.id == report_id,
                    ModReport.community_id == community_id,
                    ModReport.status == "open",
                )
                .values(status=status, closed_by=by, closed_at=now)
            )
        return bool(getattr(result, "rowcount", 0))

    async def close_reports_about(
        self, community_id: int, user_id: str, by: str, now: datetime
    ) -> list[int]:
        """Acting on a member closes the open reports about them (as `acted`); their numbers."""
        async with self._sessions.begin() as session:
            ids = list(
                await session.scalars(
                    select(ModReport.id).where(
                        ModReport.community_id == community_id,
                        ModReport.target_user_id == user_id,
                        ModReport.status == "open",
                    )
                )
            )
            if ids:
                await session.execute(
                    update(ModReport)
                    .where(ModReport.id.in_(ids))
                    .values(status="acted", closed_by=by, closed_at=now)
                )
        return sorted(ids)

    async def open_reports(self, community_id: int) -> list[ModReport]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ModReport)
                .where(ModReport.community_id == community_id, ModReport.status == "open")
                .order_by(ModReport.id)
            )
            return list(rows)

    async def set_slowmode(
        self, community_id: int, chat_id: str, seconds: int, native: bool, until: datetime | None
    ) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(ModSlowmode).where(
                    ModSlowmode.community_id == community_id, ModSlowmode.chat_id == chat_id
                )
            )
            session.add(
                ModSlowmode(
                    community_id=community_id,
                    chat_id=chat_id,
                    seconds=seconds,
                    native=native,
                    until=until,
                )
            )

    async def clear_slowmode(self, community_id: int, chat_id: str) -> ModSlowmode | None:
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(ModSlowmode).where(
                    ModSlowmode.community_id == community_id, ModSlowmode.chat_id == chat_id
                )
            )
            if row is not None:
                await session.delete(row)
            return row

    async def emulated_slowmodes(self) -> list[tuple[str, str, str, int]]:
        """(platform, community external id, chat id, seconds) of every emulated slow-mode."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    CommunityRow.platform,
                    CommunityRow.external_id,
                    ModSlowmode.chat_id,
                    ModSlowmode.seconds,
                )
                .join(CommunityRow, CommunityRow.id == ModSlowmode.community_id)
                .where(ModSlowmode.native.is_(False))
            )
            return [(p, c, chat, s) for p, c, chat, s in rows.all()]
