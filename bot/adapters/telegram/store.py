"""Storage of the Telegram adapter: the update watermark, poll chats, group → supergroup moves."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Channel, Community
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


async def rename_chat(sessions: Sessions, platform: str, old: str, new: str) -> None:
    """The group's chat takes the new id too: in Telegram a group is its own chat."""
    async with sessions.begin() as session:
        await session.execute(
            update(Channel)
            .where(
                Channel.community_id
                == select(Community.id)
                .where(Community.platform == platform, Community.external_id == new)
                .scalar_subquery(),
                Channel.external_id == old,
            )
            .values(external_id=new)
        )
    log.info("chat %s:%s is now %s:%s (group upgraded to supergroup)", platform, old, platform, new)
