"""Discussions of posts and debates: which messages belong to one, counted behind the message path.

A discussion is a post's (or a debate's) reply chain, plus the thread opened on it where the
platform has threads (`StartThread`: a Discord thread is a channel of its own, a Telegram forum
topic a `thread_id` inside the group). A member's message counts for the discussion when it
replies to the post or is posted in its thread, the same on every platform.

Which messages to look for is kept in memory (a bounded index, loaded at start from the
discussions of the last `KEPT_FOR`), so the message path costs a dictionary look-up; the
replies found are written in batches (`flush`, every `FLUSH_SECONDS`, at unload and before each
count is read): no commit per message, and a crash loses at most one interval.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.events import MessageCreated
from bot.core.tasks import cancel_task, every
from bot.db.dialect import insert_for
from cogs.content.models import Discussion, DiscussionReply

FLUSH_SECONDS = 2.0
FLUSH_ROWS = 500  # replies per write transaction
KEPT_FOR = timedelta(days=30)  # discussions older than this are no longer watched
INDEX_LIMIT = 20_000  # watched keys (three per discussion at most); the oldest go first
MAX_PENDING = 10_000  # a flush failing for long must not grow memory without bound

# (platform, chat id, how, id): "m" a reply to message id, "t" a message in topic id of the
# chat, "c" any message in the chat (a thread that is a channel of its own).
Key = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class Heard:
    subject: str
    platform: str
    chat_id: str
    message_id: str
    user_id: str
    at: datetime


def _keys(row: Discussion) -> list[Key]:
    keys: list[Key] = [(row.platform, row.chat_id, "m", row.message_id)]
    if row.thread_id is not None:
        # Both forms: a Discord thread started on a message even has the message's id. No
        # platform gives a chat the id of a message, so neither key catches a stranger.
        keys.append((row.platform, row.chat_id, "t", row.thread_id))
        keys.append((row.platform, row.thread_id, "c", ""))
    return keys


class Discussions:
    """The watched discussions and the replies heard in them (see the module docstring)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._index: OrderedDict[Key, str] = OrderedDict()
        self._pending: dict[tuple[str, str, str, str], Heard] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self, now: datetime) -> None:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Discussion)
                .where(Discussion.opened_at >= now - KEPT_FOR)
                .order_by(Discussion.opened_at)
            )
            for row in rows:
                self._watch(row)
        self._task = every(FLUSH_SECONDS, self.flush, name="content discussion flush")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None
        await self.flush()

    def _watch(self, row: Discussion) -> None:
        for key in _keys(row):
            self._index[key] = row.subject
            self._index.move_to_end(key)
        while len(self._index) > INDEX_LIMIT:
            self._index.popitem(last=False)

    async def open(
        self,
        subject: str,
        platform: str,
        chat_id: str,
        message_id: str,
        thread_id: str | None,
        at: datetime,
    ) -> None:
        """Watch the discussion of `subject` (stored, so it is watched after a restart too)."""
        row = Discussion(
            subject=subject,
            platform=platform,
            chat_id=chat_id,
            message_id=message_id,
            thread_id=thread_id,
            opened_at=at,
        )
        async with self._sessions.begin() as session:
            await session.merge(row)
        self._watch(row)

    def subject_of(self, event: MessageCreated) -> str | None:
        """The discussion a member's message belongs to, if any (a dictionary look-up)."""
        platform, chat = event.chat.platform, event.chat.id
        keys: list[Key] = []
        if event.reply_to is not None:
            keys.append((platform, event.reply_to.chat.id, "m", event.reply_to.id))
        if event.thread_id is not None:
            keys.append((platform, chat, "t", event.thread_id))
        keys.append((platform, chat, "c", ""))
        for key in keys:
            subject = self._index.get(key)
            if subject is not None:
                return subject
        return None

    def heard(self, event: MessageCreated) -> bool:
        """Count the message if it is in a watched discussion; written at the next flush."""
        subject = self.subject_of(event)
        if subject is None:
            return False
        if len(self._pending) >= MAX_PENDING:
            return False  # the database is away for long: drop, never grow without bound
        chat, message = event.chat, event.message
        self._pending[(subject, chat.platform, chat.id, message.id)] = Heard(
            subject, chat.platform, chat.id, message.id, event.author.user.id, event.at
        )
        return True

    async def flush(self) -> None:
        async with self._lock:
            pending, self._pending = self._pending, {}
            if not pending:
                return
            rows = [
                {
                    "subject": h.subject,
                    "platform": h.platform,
                    "chat_id": h.chat_id,
                    "message_id": h.message_id,
                    "user_id": h.user_id,
                    "at": h.at,
                }
                for h in pending.values()
            ]
            try:
                # Short transactions of bounded size (SQLite's limit on bound parameters).
                for start in range(0, len(rows), FLUSH_ROWS):
                    async with self._sessions.begin() as session:
                        stmt = insert_for(session, DiscussionReply).values(
                            rows[start : start + FLUSH_ROWS]
                        )
                        await session.execute(stmt.on_conflict_do_nothing())
            except Exception:
                self._pending = {**pending, **self._pending}
                raise

    async def counts(self, subject: str) -> tuple[int, int]:
        """(replies, distinct members) of a discussion, with what was heard until now."""
        await self.flush()
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(func.count(), func.count(DiscussionReply.user_id.distinct())).where(
                        DiscussionReply.subject == subject
                    )
                )
            ).one()
        return int(row[0]), int(row[1])
