"""The bot's own posts per community and local day, by the next step they ask for.

The one outbound port (`bot/outbound.py`) tells this counter of every post the bot makes in a
community chat with its next-step kind (a poll, buttons, a thread, a question, a link, a
command; "" for none). Like the activity ledger it only counts in memory on that path and
writes behind, about once a second, one upsert per chunk of rows (no commit per post); a crash
loses at most that last second. It is its own small buffer rather than the ledger's, whose
rows are per member: the bot's posts are per community, and the ledger's columns are the
members' signals.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.activity import CommunityDirectory
from bot.core.refs import CommunityRef
from bot.core.tasks import cancel_task, every
from bot.db.chunks import write_chunks
from bot.db.dialect import insert_for
from cogs.metrics.models import BotPostsDay

CHUNK = 500  # rows per write (4 values each)
# Distinct (community, day, kind) counts held in memory at most; past it a flush is due at once.
KEPT = 10_000
EARLY = "bot post counter early flush"

Key = tuple[CommunityRef, date, str]


class PostCounter:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: CommunityDirectory,
        day_of: Callable[[CommunityRef, datetime], date],
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._day_of = day_of
        self._counts: Counter[Key] = Counter()
        self._task: asyncio.Task[None] | None = None
        self._early: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()

    def __call__(self, community: CommunityRef, at: datetime, step: str) -> None:
        """One bot post (the outbound port's call: in memory only)."""
        self._counts[(community, self._day_of(community, at), step)] += 1
        if len(self._counts) > KEPT and self._task is not None and self._early is None:
            # Bounded memory: thousands of communities in a second write now, not later.
            self._early = asyncio.get_running_loop().create_task(self._flush_early(), name=EARLY)

    async def _flush_early(self) -> None:
        try:
            await self.flush()
        finally:
            self._early = None

    @property
    def pending(self) -> int:
        return len(self._counts)

    async def flush(self) -> int:
        """Write what was counted; a failed chunk and the rest stay for the next try.

        One flush at a time: `/stats` flushes before it reads, and must not find the counts
        already taken by the periodic flush and read before that flush has written them.
        """
        async with self._flushing:
            return await self._flush()

    async def _flush(self) -> int:
        if not self._counts:
            return 0
        items, self._counts = list(self._counts.items()), Counter()
        try:
            return await write_chunks(items, CHUNK, self._write)
        except BaseException:
            self._counts.update(dict(items))
            raise

    async def _write(self, chunk: list[tuple[Key, int]]) -> None:
        ids = {ref: await self._directory.id_for(ref) for (ref, _, _), _ in chunk}
        rows = [
            {"community_id": ids[ref], "day": day, "kind": kind, "posts": n}
            for (ref, day, kind), n in chunk
        ]
        async with self._sessions.begin() as session:
            stmt = insert_for(session, BotPostsDay).values(rows)
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "day", "kind"],
                    set_={"posts": BotPostsDay.posts + stmt.excluded.posts},
                )
            )

    def start(self, interval: float = 1.0) -> None:
        self._task = every(interval, self.flush, name="bot post counter flush")

    async def stop(self) -> None:
        await cancel_task(self._task, within=0.5)
        self._task = None
        await self.flush()
