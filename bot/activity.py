"""Community ids and activity counters, aggregated in memory and written in batches.

A commit per chat message caps a process near 2k messages/s, so the hot path only bumps
counters in a dict; `flush()` runs about once a second and at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.refs import CommunityRef, UserRef
from bot.core.tasks import cancel_task, every
from bot.db.dialect import insert_for
from bot.db.models import ActivityCounter
from bot.db.models import Community as CommunityRow
from bot.db.models import Member as MemberRow
from bot.db.moves import fold_community

log = logging.getLogger(__name__)

MENTIONED_NAMES = 10_000

# Rows per write transaction: 500 members is about 4,000 bound values (under SQLite's limit)
# and a few milliseconds of write lock, so a burst of new members never holds the lock long
# enough for another writer's busy timeout to run out.
FLUSH_CHUNK = 500


class CommunityDirectory:
    """Maps a CommunityRef to its database id, creating the row once and caching it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._ids: dict[CommunityRef, int] = {}
        # Communities that moved (old -> new) since start; moves are rare, so this stays small.
        self._moved: dict[CommunityRef, CommunityRef] = {}
        self._lock = asyncio.Lock()

    async def id_for(self, ref: CommunityRef) -> int:
        if ref.is_private:
            # Fail closed: a DM must never become a community row (with rituals and state).
            raise ValueError(f"a private chat has no community id ({ref.platform})")
        # Write-behind buffers may still hold the old id of a moved community: it means the new.
        ref = self._moved.get(ref, ref)
        cached = self._ids.get(ref)
        if cached is not None:
            return cached
        async with self._lock, self._sessions.begin() as session:
            stmt = insert_for(session, CommunityRow).values(
                platform=ref.platform, external_id=ref.id, name="", created_at=self._clock.now()
            )
            await session.execute(
                stmt.on_conflict_do_nothing(index_elements=["platform", "external_id"])
            )
            found = await session.scalar(
                select(CommunityRow.id).where(
                    CommunityRow.platform == ref.platform, CommunityRow.external_id == ref.id
                )
            )
        assert found is not None
        self._ids[ref] = found
        return found

    def forget(self, ref: CommunityRef) -> None:
        self._ids.pop(ref, None)

    async def move(self, old: CommunityRef, new: CommunityRef) -> bool:
        """The community `old` is now `new` (a Telegram group upgraded to a supergroup).

        Usually only `old` is known and its row takes the new id, so every row that refers to
        it follows. If `new` was seen first, every feature's rows of `old` are folded into it
        (`bot/db/moves.py`). Returns whether there was anything to move.
        """
        async with self._lock, self._sessions.begin() as session:
            old_id = await self._find(session, old)
            if old_id is None:
                return False
            new_id = await self._find(session, new)
            if new_id is None:
                await session.execute(
                    update(CommunityRow)
                    .where(CommunityRow.id == old_id)
                    .values(platform=new.platform, external_id=new.id)
                )
            else:
                await fold_community(session, old_id, new_id)
        self._moved[old] = new
        self.forget(old)
        self.forget(new)
        return True

    @staticmethod
    async def _find(session: AsyncSession, ref: CommunityRef) -> int | None:
        return await session.scalar(
            select(CommunityRow.id).where(
                CommunityRow.platform == ref.platform, CommunityRow.external_id == ref.id
            )
        )


@dataclass
class _Seen:
    name: str
    is_bot: bool
    at: datetime
    joined_at: datetime | None = None
    left_at: datetime | None = None


class ActivityRecorder:
    """Counts messages, reactions and commands per member per day, and who was seen when."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: CommunityDirectory,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._clock = clock
        self._counts: defaultdict[tuple[CommunityRef, str, date], list[int]] = defaultdict(
            lambda: [0, 0, 0]
        )
        self._seen: dict[tuple[CommunityRef, str], _Seen] = {}
        # Names of mentioned members (newest MENTIONED_NAMES): someone named in a command may
        # never have spoken where Kenes could see it.
        self._mentioned: OrderedDict[tuple[CommunityRef, str], str] = OrderedDict()
        self._task: asyncio.Task[None] | None = None

    def seen(
        self, community: CommunityRef, user: UserRef, name: str, is_bot: bool, at: datetime
    ) -> None:
        if community.is_private:
            return  # a DM is no community: nobody is "seen" in it
        key = (community, user.id)
        entry = self._seen.get(key)
        if entry is None:
            self._seen[key] = _Seen(name, is_bot, at)
        else:
            entry.name, entry.at = name, at

    def joined(self, community: CommunityRef, user: UserRef, at: datetime) -> None:
        entry = self._seen.setdefault((community, user.id), _Seen("", False, at))
        entry.joined_at, entry.left_at = at, None

    def left(self, community: CommunityRef, user: UserRef, at: datetime) -> None:
        entry = self._seen.setdefault((community, user.id), _Seen("", False, at))
        entry.left_at = at

    def count(
        self,
        community: CommunityRef,
        user: UserRef,
        at: datetime,
        *,
        messages: int = 0,
        reactions: int = 0,
        commands: int = 0,
    ) -> None:
        if community.is_private:
            return
        cell = self._counts[(community, user.id, at.date())]
        cell[0] += messages
        cell[1] += reactions
        cell[2] += commands

    def name_of(self, community: CommunityRef, user: UserRef) -> str | None:
        """The display name seen since the last flush, if any (not yet in the members table)."""
        entry = self._seen.get((community, user.id))
        return entry.name if entry is not None and entry.name else None

    def mentioned(self, community: CommunityRef, user_id: str, name: str) -> None:
        """The platform showed `name` for a member mentioned in a message or command."""
        if not name:
            return
        key = (community, user_id)
        self._mentioned[key] = name
        self._mentioned.move_to_end(key)
        if len(self._mentioned) > MENTIONED_NAMES:
            self._mentioned.popitem(last=False)

    async def display_name(self, community: CommunityRef, user: UserRef) -> str:
        """How people know a member: the latest name seen, else the stored one, else the name
        the platform showed in a mention, else the id."""
        pending = self.name_of(community, user)
        if pending:
            return pending
        community_id = await self._directory.id_for(community)
        async with self._sessions() as session:
            stored = await session.scalar(
                select(MemberRow.display_name).where(
                    MemberRow.community_id == community_id, MemberRow.user_id == user.id
                )
            )
        return stored or self._mentioned.get((community, user.id)) or user.id

    @property
    def pending(self) -> int:
        return len(self._counts) + len(self._seen)

    async def flush(self) -> int:
        """Write what accumulated, in short transactions of at most `FLUSH_CHUNK` rows each.

        A chunk that fails stays in memory with everything after it, for the next try; the
        chunks before it are written and are not written again.
        """
        if not self._counts and not self._seen:
            return 0
        counts, self._counts = self._counts, defaultdict(lambda: [0, 0, 0])
        seen, self._seen = self._seen, {}
        return await self._write_chunks(counts, seen)

    async def flush_member(self, community: CommunityRef, user: UserRef) -> int:
        """Write only what is pending for one member (a member command reading its own row).

        Flushing everyone inside a member's command held the write lock for seconds under
        load and delayed every later message of that chat.
        """
        counts = {
            k: self._counts.pop(k)
            for k in [k for k in self._counts if k[:2] == (community, user.id)]
        }
        entry = self._seen.pop((community, user.id), None)
        seen = {(community, user.id): entry} if entry is not None else {}
        if not counts and not seen:
            return 0
        return await self._write_chunks(counts, seen)

    async def _write_chunks(
        self,
        counts: dict[tuple[CommunityRef, str, date], list[int]],
        seen: dict[tuple[CommunityRef, str], _Seen],
    ) -> int:
        seen_items, count_items = list(seen.items()), list(counts.items())
        written = 0
        try:
            # Members first: a counter row's member exists by the time it is written.
            while seen_items:
                chunk = seen_items[:FLUSH_CHUNK]
                await self._write_seen(chunk)
                del seen_items[: len(chunk)]
                written += len(chunk)
            while count_items:
                chunk_counts = count_items[:FLUSH_CHUNK]
                await self._write_counts(chunk_counts)
                del count_items[: len(chunk_counts)]
                written += len(chunk_counts)
        except BaseException:
            self._restore(dict(count_items), dict(seen_items))
            raise
        return written

    def _restore(
        self,
        counts: dict[tuple[CommunityRef, str, date], list[int]],
        seen: dict[tuple[CommunityRef, str], _Seen],
    ) -> None:
        for key, cell in counts.items():
            mine = self._counts[key]
            for i in range(3):
                mine[i] += cell[i]
        for seen_key, entry in seen.items():
            self._seen.setdefault(seen_key, entry)

    async def _ids(self, refs: set[CommunityRef]) -> dict[CommunityRef, int]:
        return {ref: await self._directory.id_for(ref) for ref in refs}

    async def _write_seen(self, chunk: list[tuple[tuple[CommunityRef, str], _Seen]]) -> None:
        ids = await self._ids({ref for (ref, _), _ in chunk})
        rows = [
            {
                "community_id": ids[ref],
                "user_id": user_id,
                "display_name": e.name[:200],
                "is_bot": e.is_bot,
                "joined_at": e.joined_at,
                "left_at": e.left_at,
                "first_seen_at": e.at,
                "last_seen_at": e.at,
            }
            for (ref, user_id), e in chunk
        ]
        async with self._sessions.begin() as session:
            stmt = insert_for(session, MemberRow).values(rows)
            new = stmt.excluded
            # One statement for the whole chunk, so what a row knows is decided in SQL: an
            # empty name or a missing join keeps the stored one; a join clears an old leave.
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "user_id"],
                    set_={
                        "last_seen_at": new.last_seen_at,
                        "display_name": case(
                            (new.display_name != "", new.display_name),
                            else_=MemberRow.display_name,
                        ),
                        "joined_at": func.coalesce(new.joined_at, MemberRow.joined_at),
                        "left_at": case(
                            (new.left_at.is_not(None), new.left_at),
                            (new.joined_at.is_not(None), null()),
                            else_=MemberRow.left_at,
                        ),
                    },
                )
            )

    async def _write_counts(
        self, chunk: list[tuple[tuple[CommunityRef, str, date], list[int]]]
    ) -> None:
        ids = await self._ids({ref for (ref, _, _), _ in chunk})
        rows = [
            {
                "community_id": ids[ref],
                "user_id": user_id,
                "day": day,
                "messages": messages,
                "reactions": reactions,
                "commands": commands,
            }
            for (ref, user_id, day), (messages, reactions, commands) in chunk
        ]
        async with self._sessions.begin() as session:
            stmt = insert_for(session, ActivityCounter).values(rows)
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "user_id", "day"],
                    set_={
                        "messages": ActivityCounter.messages + stmt.excluded.messages,
                        "reactions": ActivityCounter.reactions + stmt.excluded.reactions,
                        "commands": ActivityCounter.commands + stmt.excluded.commands,
                    },
                )
            )

    def start(self, interval: float = 1.0) -> None:
        self._task = every(interval, self.flush, name="activity counter flush")

    async def stop(self) -> None:
        await cancel_task(self._task, within=0.5)
        self._task = None
        await self.flush()
