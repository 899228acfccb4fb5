"""Storage of the Telegram adapter: the update watermark, poll chats, group → supergroup moves."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.db.models import ActivityCounter, Channel, Community, Member
from bot.db.models_telegram import TelegramOffset, TelegramPoll

log = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]


async def load_offset(sessions: Sessions, bot_id: str, *, since: datetime | None = None) -> int:
    """The last fully processed update_id of `bot_id`, 0 when none.

    A watermark last moved before `since` counts as none: after a week without updates
    Telegram numbers them anew, possibly below it, and they would all be skipped.
    """
    async with sessions() as session:
        row = await session.get(TelegramOffset, bot_id)
    if row is None:
        return 0
    if since is not None and row.updated_at < since:
        log.info(
            "the stored update watermark %s dates from %s; Telegram may number updates anew "
            "after so long, so it is not used",
            row.last_update_id,
            row.updated_at.isoformat(),
        )
        return 0
    return int(row.last_update_id)


async def save_offset(
    sessions: Sessions, bot_id: str, update_id: int, now: datetime, *, back: bool = False
) -> None:
    """Move the watermark forward (never back unless `back`: Telegram numbered anew)."""
    async with sessions.begin() as session:
        row = await session.get(TelegramOffset, bot_id)
        if row is None:
            session.add(TelegramOffset(bot_id=bot_id, last_update_id=update_id, updated_at=now))
        elif update_id > row.last_update_id or back:
            row.last_update_id, row.updated_at = update_id, now


async def remember_poll(
    sessions: Sessions, poll_id: str, chat_id: str, message_id: str, now: datetime
) -> None:
    async with sessions.begin() as session:
        await session.merge(
            TelegramPoll(poll_id=poll_id, chat_id=chat_id, message_id=message_id, created_at=now)
        )


async def poll_chat(sessions: Sessions, poll_id: str) -> str | None:
    async with sessions() as session:
        return await session.scalar(
            select(TelegramPoll.chat_id).where(TelegramPoll.poll_id == poll_id)
        )


async def migrate_community(sessions: Sessions, platform: str, old: str, new: str) -> bool:
    """A group became a supergroup with a new chat id: keep its community, members, counters.

    Normally only the old id is known and its row is renamed, so every table that refers to the
    community by its row id follows. If the new id was seen first, the old rows are folded into
    the new community (rows the new one already has win) and the old community is removed.
    Returns whether anything was moved.
    """
    async with sessions.begin() as session:
        old_id = await _community_id(session, platform, old)
        if old_id is None:
            return False
        new_id = await _community_id(session, platform, new)
        if new_id is None:
            await session.execute(
                update(Community).where(Community.id == old_id).values(external_id=new)
            )
            target = old_id
        else:
            await _fold(session, old_id, new_id)
            target = new_id
        await session.execute(
            update(Channel)
            .where(Channel.community_id == target, Channel.external_id == old)
            .values(external_id=new)
        )
    log.info(
        "community %s:%s is now %s:%s (group upgraded to supergroup)",
        *(platform, old),
        *(platform, new),
    )
    return True


async def _community_id(session: AsyncSession, platform: str, external_id: str) -> int | None:
    return await session.scalar(
        select(Community.id).where(
            Community.platform == platform, Community.external_id == external_id
        )
    )


async def _fold(session: AsyncSession, old_id: int, new_id: int) -> None:
    other_member = aliased(Member)
    await session.execute(
        update(Member)
        .where(
            Member.community_id == old_id,
            ~exists().where(
                and_(other_member.community_id == new_id, other_member.user_id == Member.user_id)
            ),
        )
        .values(community_id=new_id)
    )
    other_channel = aliased(Channel)
    await session.execute(
        update(Channel)
        .where(
            Channel.community_id == old_id,
            ~exists().where(
                and_(
                    other_channel.community_id == new_id,
                    other_channel.external_id == Channel.external_id,
                )
            ),
        )
        .values(community_id=new_id)
    )
    other_counter = aliased(ActivityCounter)
    await session.execute(
        update(ActivityCounter)
        .where(
            ActivityCounter.community_id == old_id,
            ~exists().where(
                and_(
                    other_counter.community_id == new_id,
                    other_counter.user_id == ActivityCounter.user_id,
                    other_counter.day == ActivityCounter.day,
                )
            ),
        )
        .values(community_id=new_id)
    )
    await session.execute(delete(Community).where(Community.id == old_id))
