"""Community ids and the activity ledger, aggregated in memory and written in batches.

A commit per chat message caps a process near 2k messages/s, so the hot path only bumps
counters in a dict; `flush()` runs about once a second and at shutdown. The ledger is the one
place member activity is counted: onboarding's role path, the hero of the week and the metrics
all read it (one definition per signal, see SIGNALS).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.canon import Canon, compact_id
from bot.core.clock import Clock
from bot.core.refs import CommunityRef, UserRef
from bot.core.replay import activity_key
from bot.core.tasks import cancel_task, every
from bot.db.chunks import write_chunks
from bot.db.dialect import execute_many, insert_for
from bot.db.models import ActivityCounter, EventWrite
from bot.db.models import Community as CommunityRow
from bot.db.models import Member as MemberRow
from bot.db.moves import fold_community, move_jobs
from bot.telemetry import FLUSH_SECONDS

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

    def moved_into(self, ref: CommunityRef) -> list[CommunityRef]:
        """The communities that became `ref` since start (rare: a group upgraded)."""
        return [old for old, new in self._moved.items() if new == ref]

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
            await move_jobs(session, old, new)
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


# The one definition of each signal of the ledger (a column of `activity_counters`, summed):
#   messages            a message the member wrote (not a command)
#   reactions           a reaction the member gave
#   commands            a command the member ran
#   votes               a vote the member cast in a poll (counted by the polls feature)
#   questions           a question the member asked the team (a support ticket)
#   reactions_received  reactions on the member's messages by someone else, not a bot (net:
#                       a removed reaction takes one back)
#   thanks_received     a thank-you reply or /thanks to the member (counted where recognised)
#   helpful_answers     a reply by the member that its asker thanked or reacted to
#   helpful_marks       a "helpful" emoji (the onboarding rule file's list) on their message
#   ugc                 a message by a member who is neither staff nor a bot that day
#   useful_ugc          such a message that got a usefulness signal (a reaction by someone
#                       else, a thank-you, a helpful mark), counted once, on the day it was
#                       posted
#   joins, leaves       the member joined or left
# Active (the metrics' "active share") means wrote, reacted, voted or asked that day.
SIGNALS = (
    "messages",
    "reactions",
    "commands",
    "votes",
    "questions",
    "reactions_received",
    "thanks_received",
    "helpful_answers",
    "helpful_marks",
    "ugc",
    "useful_ugc",
    "joins",
    "leaves",
)
# Markers (0 or 1 for the day, merged with max): the member acted as staff, or was a bot.
MARKS = ("staff", "bot")
COLUMNS = SIGNALS + MARKS
_INDEX = {name: i for i, name in enumerate(COLUMNS)}
ACTIVE = ("messages", "reactions", "votes", "questions")

# UGC messages remembered until a usefulness signal arrives (the oldest drop off first).
UGC_REMEMBERED = 50_000
# Zones of communities remembered (one per community; cleared past this many).
ZONES_REMEMBERED = 10_000
# Counter rows per write transaction: 18 values a row keeps a chunk near 7,000 bound values.
COUNT_CHUNK = 400
# Marker keys of the events whose counts wait for the flush (bot/core/replay.py), at most
# this many: past it (the database down for long) the oldest go unmarked, and only those
# could be counted twice if the process then crashed and their updates came again.
MARKS_PENDING = 200_000
MARK_CHUNK = 1_000

Cell = list[int]
UgcKey = tuple[CommunityRef, str, int | str]
CountKey = tuple[CommunityRef, str, date]


def _cell() -> Cell:
    return [0] * len(COLUMNS)


@dataclass
class _Seen:
    name: str
    is_bot: bool
    at: datetime
    joined_at: datetime | None = None
    left_at: datetime | None = None
    spoke_at: datetime | None = None


class ActivityRecorder:
    """The activity ledger: what each member did per local day, and who was seen when.

    Everything is counted in memory on the message path and written in batches by `flush()`
    (about once a second and at shutdown): a crash loses at most one flush interval. The day
    is the community's local day, so a week or month of the metrics is the community's own.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: CommunityDirectory,
        clock: Clock,
        zone_of: Callable[[CommunityRef], str] | None = None,
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._clock = clock
        self._zone_of = zone_of
        self._zones: dict[CommunityRef, ZoneInfo] = {}
        self._counts: defaultdict[CountKey, Cell] = defaultdict(_cell)
        self._seen: dict[tuple[CommunityRef, str], _Seen] = {}
        # Names of mentioned members (newest MENTIONED_NAMES): someone named in a command may
        # never have spoken where Kenes could see it.
        self._mentioned: OrderedDict[tuple[CommunityRef, str], str] = OrderedDict()
        # (community, chat id, message id) -> (author, day posted) of recent UGC messages.
        # Tens of thousands of entries: they share one copy of each community, chat, author
        # and day, and keep decimal message ids as ints (515 bytes an entry at the cap before,
        # 287 now: tests/core/test_activity_memory.py).
        self._ugc: OrderedDict[UgcKey, tuple[str, date]] = OrderedDict()
        self._communities: Canon[CommunityRef] = Canon(ZONES_REMEMBERED)
        self._chats: Canon[str] = Canon(UGC_REMEMBERED)
        self._authors: Canon[str] = Canon(UGC_REMEMBERED)
        self._days: Canon[date] = Canon(64)
        # Events whose activity is counted here and not yet marked as flushed (ordered: a dict).
        self._events: dict[str, None] = {}
        self._flushing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def day_of(self, community: CommunityRef, at: datetime) -> date:
        """The community's local day of `at` (UTC when no zone is known)."""
        if self._zone_of is None:
            return at.date()
        zone = self._zones.get(community)
        if zone is None:
            if len(self._zones) >= ZONES_REMEMBERED:
                self._zones.clear()
            zone = self._zones[community] = ZoneInfo(self._zone_of(community))
        return at.astimezone(zone).date()

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
        self.add(community, user.id, self.day_of(community, at), "joins")

    def left(self, community: CommunityRef, user: UserRef, at: datetime) -> None:
        entry = self._seen.setdefault((community, user.id), _Seen("", False, at))
        entry.left_at = at
        self.add(community, user.id, self.day_of(community, at), "leaves")

    def spoke(self, community: CommunityRef, user: UserRef, at: datetime) -> None:
        """The member wrote: the first time ever is kept on their row (the D7/D30 cohorts)."""
        entry = self._seen.setdefault((community, user.id), _Seen("", False, at))
        if entry.spoke_at is None:
            entry.spoke_at = at

    def _counting(self) -> bool:
        """Whether to count for the event being handled (not when a flush before a restart
        holds its counts already); remembers its marker for the next flush."""
        key = activity_key()
        if key is None:
            return False
        if key and key not in self._events:
            self._events[key] = None
            if len(self._events) > MARKS_PENDING:
                del self._events[next(iter(self._events))]
        return True

    def add(
        self, community: CommunityRef, user_id: str, day: date, signal: str, n: int = 1
    ) -> None:
        """Count `n` of `signal` (one of SIGNALS) for a member on a local day."""
        if not self._counting():
            return
        self._counts[(community, user_id, day)][_INDEX[signal]] += n

    def mark(self, community: CommunityRef, user_id: str, day: date, marker: str) -> None:
        """Note that a member acted as staff or was a bot that day (one of MARKS)."""
        if not self._counting():
            return
        self._counts[(community, user_id, day)][_INDEX[marker]] = 1

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
        if community.is_private or not self._counting():
            return
        cell = self._counts[(community, user.id, self.day_of(community, at))]
        cell[0] += messages
        cell[1] += reactions
        cell[2] += commands

    def posted_ugc(
        self, community: CommunityRef, chat_id: str, message_id: str, user_id: str, day: date
    ) -> None:
        """A member's message counts as UGC; remember it until a usefulness signal comes."""
        self.add(community, user_id, day, "ugc")
        key = (self._communities(community), self._chats(chat_id), compact_id(message_id))
        self._ugc[key] = (self._authors(user_id), self._days(day))
        if len(self._ugc) > UGC_REMEMBERED:
            self._ugc.popitem(last=False)

    def useful(self, community: CommunityRef, chat_id: str, message_id: str) -> None:
        """A usefulness signal on a message: a recent UGC message counts as useful, once."""
        found = self._ugc.pop((community, chat_id, compact_id(message_id)), None)
        if found is not None:
            self.add(community, found[0], found[1], "useful_ugc")

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

    def sizes(self) -> dict[str, int]:
        """Entries held by each in-memory structure (bounded-memory tests and the soak)."""
        return {
            "counts": len(self._counts),
            "seen": len(self._seen),
            "mentioned": len(self._mentioned),
            "ugc": len(self._ugc),
            "zones": len(self._zones),
            "events": len(self._events),
        }

    async def flush(self) -> int:
        """Write what accumulated, in short transactions of at most `FLUSH_CHUNK` rows each.

        A chunk that fails stays in memory with everything after it, for the next try; the
        chunks before it are written and are not written again.
        """
        # One flush at a time: a reader that flushes first (/stats) must not find the buffers
        # already swapped out by the periodic flush and read before that flush has written.
        async with self._flushing:
            return await self._flush()

    async def _flush(self) -> int:
        if not self._counts and not self._seen and not self._events:
            return 0
        counts, self._counts = self._counts, defaultdict(_cell)
        seen, self._seen = self._seen, {}
        with FLUSH_SECONDS.time():
            try:
                await self._write_marks()
            except BaseException:
                self._restore(counts, seen)
                raise
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
        try:
            # Whatever is written, the events it counts are marked first (all pending: cheap).
            await self._write_marks()
        except BaseException:
            self._restore(counts, seen)
            raise
        return await self._write_chunks(counts, seen)

    async def _write_marks(self) -> None:
        """Mark the events whose counts are about to be written, before writing them: a crash
        between the two loses those counts (the README's "at most the last flush"); an event
        handled again after the crash finds its marker and counts nothing twice."""
        keys, self._events = list(self._events), {}
        now = self._clock.now()

        async def write(chunk: list[str]) -> None:
            async with self._sessions.begin() as session:
                await execute_many(
                    session,
                    insert_for(session, EventWrite).on_conflict_do_nothing(),
                    [{"key": key, "result": None, "created_at": now} for key in chunk],
                )

        try:
            await write_chunks(keys, MARK_CHUNK, write)
        except BaseException:
            self._events = dict.fromkeys(keys) | self._events
            raise

    async def _write_chunks(
        self,
        counts: dict[CountKey, Cell],
        seen: dict[tuple[CommunityRef, str], _Seen],
    ) -> int:
        seen_items, count_items = list(seen.items()), list(counts.items())
        try:
            # Members first: a counter row's member exists by the time it is written.
            written = await write_chunks(seen_items, FLUSH_CHUNK, self._write_seen)
            written += await write_chunks(count_items, COUNT_CHUNK, self._write_counts)
        except BaseException:
            self._restore(dict(count_items), dict(seen_items))
            raise
        return written

    def _restore(
        self,
        counts: dict[CountKey, Cell],
        seen: dict[tuple[CommunityRef, str], _Seen],
    ) -> None:
        marks = range(len(SIGNALS), len(COLUMNS))
        for key, cell in counts.items():
            mine = self._counts[key]
            for i, value in enumerate(cell):
                mine[i] = max(mine[i], value) if i in marks else mine[i] + value
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
                "first_spoke_at": e.spoke_at,
            }
            for (ref, user_id), e in chunk
        ]
        async with self._sessions.begin() as session:
            stmt = insert_for(session, MemberRow)
            new = stmt.excluded
            # One statement for the whole chunk, so what a row knows is decided in SQL: an
            # empty name or a missing join keeps the stored one; a join clears an old leave.
            await execute_many(
                session,
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "user_id"],
                    set_={
                        "last_seen_at": new.last_seen_at,
                        "display_name": case(
                            (new.display_name != "", new.display_name),
                            else_=MemberRow.display_name,
                        ),
                        "joined_at": func.coalesce(new.joined_at, MemberRow.joined_at),
                        "first_spoke_at": func.coalesce(
                            MemberRow.first_spoke_at, new.first_spoke_at
                        ),
                        "left_at": case(
                            (new.left_at.is_not(None), new.left_at),
                            (new.joined_at.is_not(None), null()),
                            else_=MemberRow.left_at,
                        ),
                    },
                ),
                rows,
            )

    async def _write_counts(self, chunk: list[tuple[CountKey, Cell]]) -> None:
        ids = await self._ids({ref for (ref, _, _), _ in chunk})
        rows = [
            {
                "community_id": ids[ref],
                "user_id": user_id,
                "day": day,
                **dict(zip(COLUMNS, cell, strict=True)),
            }
            for (ref, user_id, day), cell in chunk
        ]
        async with self._sessions.begin() as session:
            stmt = insert_for(session, ActivityCounter)
            new = stmt.excluded
            changes: dict[str, Any] = {
                name: getattr(ActivityCounter, name) + getattr(new, name) for name in SIGNALS
            }
            for name in MARKS:
                mine = getattr(ActivityCounter, name)
                changes[name] = case((getattr(new, name) > mine, getattr(new, name)), else_=mine)
            await execute_many(
                session,
                stmt.on_conflict_do_update(
                    index_elements=["community_id", "user_id", "day"], set_=changes
                ),
                rows,
            )

    def start(self, interval: float = 1.0) -> None:
        self._task = every(interval, self.flush, name="activity counter flush")

    async def stop(self) -> None:
        await cancel_task(self._task, within=0.5)
        self._task = None
        await self.flush()
