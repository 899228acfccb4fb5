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

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.activity import CommunityDirectory
from bot.core.clock import Clock
from bot.core.refs import ChatRef, CommunityRef, MessageRef
from bot.core.tasks import cancel_task, every
from bot.db.dialect import execute_many, insert_for
from cogs.moderation.models import ModRecentMessage

log = logging.getLogger(__name__)

RECENT_KEPT = 1000
RECENT_MAX_AGE = timedelta(days=14)
FLUSH_SECONDS = 2.0
FLUSH_ROWS = 500  # rows per write transaction
MAX_PENDING = 50_000  # a flush failing for long must not grow memory without bound
# A channel is pruned once this many rows were written to it since its last prune (at most
# RECENT_KEPT + PRUNE_AFTER rows stay), not at every flush: pruning each touched channel every
# two seconds was a write transaction per channel per flush (200 a flush in the soak), loop
# time that delayed messages. Rows older than RECENT_MAX_AGE go in one statement per
# AGE_PRUNE_EVERY flushes.
PRUNE_AFTER = 100
AGE_PRUNE_EVERY = 300
CHANNELS_COUNTED = 100_000  # channels with a count since their last prune, at most


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
        self._since_prune: dict[tuple[int, str], int] = {}
        self._flushes = 0
        self.prunes = 0  # channel prunes run (tests count them)

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
        # Short write transactions in bounded chunks, like the activity flush: one long insert
        # of a burst would hold SQLite's write lock past other writers' busy timeout.
        for start in range(0, len(rows), FLUSH_ROWS):
            async with self._sessions.begin() as session:
                await execute_many(
                    session,
                    insert_for(session, ModRecentMessage).on_conflict_do_nothing(),
                    rows[start : start + FLUSH_ROWS],
                )
        # A message deleted before it was ever written needs no delete; the others go in bulk,
        # per channel and chunk (a flood wave forgets thousands at once).
        written = {item.message for item in pending}
        stale: dict[tuple[int, str], list[str]] = {}
        for message in forgotten:
            if message not in written:
                key = (ids[message.chat.community], message.chat.id)
                stale.setdefault(key, []).append(message.id)
        for (community_id, chat_id), message_ids in stale.items():
            for start in range(0, len(message_ids), FLUSH_ROWS):
                async with self._sessions.begin() as session:
                    await session.execute(
                        delete(ModRecentMessage).where(
                            ModRecentMessage.community_id == community_id,
                            ModRecentMessage.chat_id == chat_id,
                            ModRecentMessage.message_id.in_(
                                message_ids[start : start + FLUSH_ROWS]
                            ),
                        )
                    )
        counts = self._since_prune
        for item in pending:
            if item.message not in forgotten:
                key = (ids[item.message.chat.community], item.message.chat.id)
                counts[key] = counts.get(key, 0) + 1
        for key in touched:
            if counts.get(key, 0) >= PRUNE_AFTER:
                async with self._sessions.begin() as session:
                    await self._prune(session, key[0], key[1], oldest)
                del counts[key]
                self.prunes += 1
        if len(counts) > CHANNELS_COUNTED:  # forgetting a count only delays that prune
            counts.clear()
        self._flushes += 1
        if self._flushes % AGE_PRUNE_EVERY == 0:
            async with self._sessions.begin() as session:
                await session.execute(
                    delete(ModRecentMessage).where(ModRecentMessage.sent_at < oldest)
                )

    async def _prune(
        self, session: AsyncSession, community_id: int, chat_id: str, oldest: datetime
    ) -> None:
        here = (ModRecentMessage.community_id == community_id) & (
            ModRecentMessage.chat_id == chat_id
        )
        # One statement: a read followed by a write in one SQLite transaction would have to
        # upgrade its snapshot, which fails or waits on any writer that came in between.
        cutoff = (
            select(ModRecentMessage.sent_at)
            .where(here)
            .order_by(ModRecentMessage.sent_at.desc())
            .offset(RECENT_KEPT - 1)
            .limit(1)
            .scalar_subquery()
        )
        await session.execute(
            delete(ModRecentMessage).where(
                here, or_(ModRecentMessage.sent_at < oldest, ModRecentMessage.sent_at < cutoff)
            )
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
