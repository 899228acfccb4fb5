"""Recognition signals, counted in memory per member per local day and written in batches.

The message path only bumps a dict; `flush()` writes everything in one transaction every few
seconds, before each weekly announcement, and when the cog unloads (as bot/activity.py does).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.activity import CommunityDirectory
from bot.core.refs import CommunityRef
from bot.core.tasks import cancel_task, every
from bot.db.dialect import insert_for
from cogs.heroes.models import HeroSignal

log = logging.getLogger(__name__)

HELPFUL = "helpful_answer"
THANKS = "thanks_received"
REACTIONS = "reaction_received"
AMA_ANSWER = "ama_answer"
IDEA_SHIPPED = "idea_shipped"
UGC_FEATURED = "ugc_featured"
# Markers, not points: the member acted as a moderator (or admin) or a bot that day.
STAFF = "_staff"
BOT = "_bot"

Key = tuple[CommunityRef, date, str, str]


class SignalBuffer:
    """Counts signals in memory; `flush()` upserts them, keeping them on failure."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], directory: CommunityDirectory
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._counts: defaultdict[Key, int] = defaultdict(int)
        self._names: dict[tuple[CommunityRef, str], str] = {}
        self._marks: set[Key] = set()
        self._task: asyncio.Task[None] | None = None

    def add(self, ref: CommunityRef, day: date, user_id: str, signal: str, count: int = 1) -> None:
        self._counts[(ref, day, user_id, signal)] += count

    def mark(self, ref: CommunityRef, day: date, user_id: str, marker: str) -> None:
        """Note once per day that a member acted as staff or a bot (cheap on repeat)."""
        key = (ref, day, user_id, marker)
        if key not in self._marks:
            self._marks.add(key)
            self._counts[key] = 1

    def name(self, ref: CommunityRef, user_id: str, name: str) -> None:
        if name:
            self._names[(ref, user_id)] = name[:200]

    def known_name(self, ref: CommunityRef, user_id: str) -> str | None:
        return self._names.get((ref, user_id))

    @property
    def pending(self) -> int:
        return len(self._counts)

    async def flush(self) -> int:
        """Write what accumulated in one transaction; on failure keep it for the next try."""
        if not self._counts:
            return 0
        counts, self._counts = self._counts, defaultdict(int)
        try:
            await self._write(counts)
        except Exception:
            for key, value in counts.items():
                self._counts[key] += value
            raise
        if len(self._marks) > 100_000:
            self._marks.clear()
        return len(counts)

    async def _write(self, counts: dict[Key, int]) -> None:
        ids = {ref: await self._directory.id_for(ref) for ref in {k[0] for k in counts}}
        rows = [
            {
                "community_id": ids[ref],
                "day": day,
                "user_id": user_id,
                "signal": signal,
                "count": value,
                "name": self._names.get((ref, user_id), ""),
            }
            for (ref, day, user_id, signal), value in counts.items()
        ]
        async with self._sessions.begin() as session:
            stmt = insert_for(session, HeroSignal)
            # Markers stay at 1; counts add up; a known name replaces an empty one.
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "day", "user_id", "signal"],
                    set_={
                        "count": HeroSignal.count + stmt.excluded.count,
                        "name": func.coalesce(func.nullif(stmt.excluded.name, ""), HeroSignal.name),
                    },
                ),
                rows,
            )

    def start(self, interval: float) -> None:
        self._task = every(interval, self.flush, name="hero signal flush")

    async def stop(self) -> None:
        await cancel_task(self._task)
        self._task = None
        await self.flush()
