"""Chat administrators as permission levels, cached per chat and refreshed on change or on age.

The creator (owner) of a group is an admin of Kenes, every other chat administrator a moderator.
A failed lookup counts nobody as staff (fail closed) and is retried after a short while.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import ChatMember, ChatMemberUpdated
from telegram.error import TelegramError

from bot.core.errors import ActionRefused
from bot.core.permissions import Level

log = logging.getLogger(__name__)

FAILED_RETRY_SECONDS = 60.0
STAFF = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR})

Fetch = Callable[[str], Awaitable[tuple[ChatMember, ...]]]


def level_of_status(status: str) -> Level:
    """The owner is a Kenes admin, other chat administrators moderators, the rest members."""
    if status == ChatMember.OWNER:
        return Level.ADMIN
    if status == ChatMember.ADMINISTRATOR:
        return Level.MODERATOR
    return Level.MEMBER


@dataclass
class _Entry:
    levels: dict[str, Level]
    fetched_at: float
    ttl: float


class AdminCache:
    """`level(chat, user)` from getChatAdministrators, at most one lookup per chat at a time."""

    def __init__(
        self, fetch: Fetch, ttl_seconds: float, now: Callable[[], float] | None = None
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._now = now or time.monotonic
        self._entries: dict[str, _Entry] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.lookups = 0

    async def level(self, chat: str, user: str) -> Level:
        if not chat.startswith("-"):
            return Level.MEMBER  # a private chat has no administrators
        entry = self._entries.get(chat)
        if entry is None or self._now() - entry.fetched_at >= entry.ttl:
            entry = await self.refresh(chat)
        return entry.levels.get(user, Level.MEMBER)

    async def refresh(self, chat: str) -> _Entry:
        lock = self._locks[chat]
        stale = self._entries.get(chat)
        async with lock:
            entry = self._entries.get(chat)
            if entry is not None and entry is not stale:
                return entry  # another task refreshed it while we waited
            self.lookups += 1
            try:
                admins = await self._fetch(chat)
            except (ActionRefused, TelegramError) as exc:
                log.warning("cannot list administrators of %s: %s", chat, exc)
                entry = _Entry({}, self._now(), FAILED_RETRY_SECONDS)
            else:
                levels = {
                    str(m.user.id): level_of_status(m.status) for m in admins if m.status in STAFF
                }
                entry = _Entry(levels, self._now(), self._ttl)
            self._entries[chat] = entry
            return entry

    def invalidate(self, chat: str) -> None:
        self._entries.pop(chat, None)

    def observe(self, change: ChatMemberUpdated) -> None:
        """A member's status changed: if staff is involved, look the admins up again next time."""
        old, new = change.old_chat_member.status, change.new_chat_member.status
        if old in STAFF or new in STAFF:
            self.invalidate(str(change.chat.id))

    def move(self, old: str, new: str) -> None:
        entry = self._entries.pop(old, None)
        if entry is not None:
            self._entries[new] = entry
