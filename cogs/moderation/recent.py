"""The recent-message index /purge reads: which messages a channel had, by whom and when.

Kept in the database so /purge reaches messages from before a restart, written behind the
message path (collected in memory, flushed in one transaction every `FLUSH_SECONDS` and before
each /purge; a crash loses at most one interval). Only ids, the author and the time are stored,
never the text, and each channel keeps its newest `RECENT_KEPT` messages younger than
`RECENT_MAX_AGE`: no platform lets a bot delete older ones in bulk (Discord 14 days,
Telegram 48 hours), so older rows would only be data kept for nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.activity import CommunityDirectory
from bot.core.clock import Clock
from bot.core.refs import ChatRef, CommunityRef, MessageRef
from bot.core.tasks import cancel_task, every
from bot.db.dialect import insert_for
from cogs.moderation.models import ModRecentMessage

log = logging.getLogger(__name__)

RECENT_KEPT = 1000
RECENT_MAX_AGE = timedelta(days=14)
FLUSH_SECONDS = 2.0
MAX_PENDING = 50_000  # a flush failing for long must not grow memory without bound


@dataclass(frozen=True, slots=True)
class Seen:
    message: MessageRef
    user_id: str
    at: datetime


class RecentIndex:
    """Write-behind index of recent messages per channel (see the module docstring)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: CommunityDirectory,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._clock = clock
        self._pending: list[Seen] = []
        self._forgotten: set[MessageRef] = set()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = every(FLUSH_SECONDS, self.flush, name="recent-message index flush")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None
        await self.flush()

    def add(self, message: MessageRef, user_id: str, at: datetime) -> None:
        if len(self._pending) >= MAX_PENDING:
            del self._pending[: MAX_PENDING // 10]  # drop the oldest: they age out first anyway
        self._pending.append(Seen(message, user_id, at))

    def forget(self, message: MessageRef) -> None:
        """A message was deleted: it leaves the index with the next flush."""
        self._forgotten.add(message)

    async def flush(self) -> None:
        """Write what was seen, drop what was deleted, prune the touched channels."""
        async with self._lock:
            pending, self._pending = self._pending, []
            forgotten, self._forgotten = self._forgotten, set()
            if not pending and not forgotten:
                return
            try:
                await self._write(pending, forgotten)
            except Exception:
                self._pending = pending + self._pending
                self._forgotten |= forgotten
                raise

    async def _write(self, pending: list[Seen], forgotten: set[MessageRef]) -> None:
        ids: dict[CommunityRef, int] = {}
        for item in pending:
            community = item.message.chat.community
            if community not in ids:
                ids[community] = await self._directory.id_for(community)
        for message in forgotten:
            community = message.chat.community
            if community not in ids:
                ids[community] = await self._directory.id_for(community)
        rows = [
            {
                "community_id": ids[item.message.chat.community],
                "chat_id": item.message.chat.id,
                "message_id": item.message.id,
                "user_id": item.user_id,
                "sent_at": item.at,
            }
            for item in pending
            if item.message not in forgotten
        ]
        touched = {
            (ids[item.message.chat.community], item.message.chat.id)
            for item in pending
            if item.message not in forgotten
        }
        oldest = self._clock.now() - RECENT_MAX_AGE
        async with self._sessions.begin() as session:
            if rows:
                await session.execute(
                    insert_for(session, ModRecentMessage).values(rows).on_conflict_do_nothing()
                )
            for message in forgotten:
                await session.execute(
                    delete(ModRecentMessage).where(
                        ModRecentMessage.community_id == ids[message.chat.community],
                        ModRecentMessage.chat_id == message.chat.id,
                        ModRecentMessage.message_id == message.id,
                    )
                )
            for community_id, chat_id in touched:
                await self._prune(session, community_id, chat_id, oldest)

    async def _prune(
        self, session: AsyncSession, community_id: int, chat_id: str, oldest: datetime
    ) -> None:
        here = (ModRecentMessage.community_id == community_id) & (
            ModRecentMessage.chat_id == chat_id
        )
        cutoff = await session.scalar(
            select(ModRecentMessage.sent_at)
            .where(here)
            .order_by(ModRecentMessage.sent_at.desc())
            .offset(RECENT_KEPT - 1)
            .limit(1)
        )
        limit = max(oldest, cutoff) if cutoff is not None else oldest
        await session.execute(
            delete(ModRecentMessage).where(here, ModRecentMessage.sent_at < limit)
        )

    async def latest(self, community_id: int, chat: ChatRef, count: int) -> list[Seen]:
        """The newest `count` messages of `chat` still in the index, newest first."""
        await self.flush()
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    ModRecentMessage.message_id, ModRecentMessage.user_id, ModRecentMessage.sent_at
                )
                .where(
                    ModRecentMessage.community_id == community_id,
                    ModRecentMessage.chat_id == chat.id,
                )
                # Same-second messages: the longer numeric id is the later one.
                .order_by(
                    ModRecentMessage.sent_at.desc(),
                    func.length(ModRecentMessage.message_id).desc(),
                    ModRecentMessage.message_id.desc(),
                )
                .limit(count)
            )
            return [Seen(MessageRef(chat, mid), uid, at) for mid, uid, at in rows.all()]
