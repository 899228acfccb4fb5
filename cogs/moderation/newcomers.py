"""When members joined, for the newcomer checks, without a database read on the message path.

A newcomer (joined within `limits.links.newcomer_hours`) stays a newcomer across a restart, so
the answer for a member this process has not seen join lives in the members table. Reading it
on each member's first message put a query on that message's latency (9-10 ms p99 over a soak
of 20,000 members). Instead:

- at start, the joins still inside the window are read once (newest first, at most `KNOWN`);
- every join seen since is added as it happens;
- so every join at or after `complete_from` is known in memory, and a member missing from it
  who would need an older join to be a newcomer is not one: no query.

The database is still asked (batched: the keys that wait in one turn of the event loop share
one `IN (...)` query, cached, bounded) only when the memory cannot be complete: the window
reaches further back than `complete_from` (the start-up read hit its cap, the window was made
longer after start, or an event from a backlog is stamped earlier), or several instances share
the communities (`shared`: another instance may have seen the join).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta

from bot.core.refs import CommunityRef

Key = tuple[CommunityRef, str]
# Reads the join times of members of one community (missing: unknown, or left since).
BatchLookup = Callable[[CommunityRef, list[str]], Awaitable[Mapping[str, datetime]]]

# Joins kept in memory (recent first wins): about 200 bytes each, so 10 MB at the cap. A
# community with more joins than this inside its newcomer window falls back to the database
# for the older part of the window.
KNOWN = 50_000
# Answers read from the database, kept until the next prune (or until this many).
LOOKED_UP = 20_000
# Keys per `IN (...)` query: well under SQLite's bound-variable limit.
LOOKUP_CHUNK = 500
# Before the start-up read, nothing is complete.
NEVER = datetime.max.replace(tzinfo=UTC)


class Newcomers:
    """Join times of members: complete in memory from `complete_from` on, the rest looked up."""

    def __init__(
        self, lookup: BatchLookup | None, known: int | None = None, looked_up: int | None = None
    ) -> None:
        self._lookup = lookup
        self.cap = KNOWN if known is None else known
        self._looked_up_cap = LOOKED_UP if looked_up is None else looked_up
        # Ordered by join time, oldest first (a dict keeps insertion order; see `add`).
        self.known: dict[Key, datetime] = {}
        # Every join at or after this is in `known` (in-memory answers are complete there).
        self.complete_from = NEVER
        self.looked_up: dict[Key, datetime | None] = {}
        self._waiting: dict[Key, asyncio.Future[datetime | None]] = {}
        self._batch: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()  # strong references while they run
        self.queries = 0  # `IN (...)` queries issued (tests count them)

    def prefetched(self, rows: Iterable[tuple[Key, datetime]], since: datetime) -> None:
        """Joins read at start, oldest first: all of those at or after `since`, or (when there
        were more than the cap) the newest of them, which moves `complete_from` past the rest."""
        self.complete_from = since
        for key, at in rows:
            self._remember(key, at)

    def add(self, key: Key, at: datetime) -> None:
        """A join seen now (kept oldest first: a join re-seen moves to the end)."""
        self.known.pop(key, None)
        self._remember(key, at)
        self.looked_up.pop(key, None)

    def _remember(self, key: Key, at: datetime) -> None:
        self.known[key] = at
        if len(self.known) > self.cap:
            # The oldest join goes; joins up to its time may now be missing from memory.
            dropped = self.known.pop(next(iter(self.known)))
            if self.complete_from <= dropped:
                self.complete_from = dropped + timedelta(microseconds=1)

    def prune(self, now: datetime, window: timedelta) -> None:
        """Drop joins older than the window (and forget database answers: a join another
        instance recorded, or flushed late, is read again)."""
        cut = now - window
        self.known = {k: at for k, at in self.known.items() if at > cut}
        if self.complete_from < cut:
            self.complete_from = cut
        self.looked_up = {}

    def seen_join(self, key: Key) -> datetime | None:
        """The join time memory holds (seen, read at start or looked up), without a query."""
        return self.known.get(key) or self.looked_up.get(key)

    async def joined_within(self, key: Key, at: datetime, window: timedelta) -> bool:
        """Whether the member joined within `window` before `at`."""
        joined = self.known.get(key)
        if joined is None:
            if at - window >= self.complete_from:
                return False  # any join of theirs in the window would be in memory
            joined = await self.joined_at(key)
        return joined is not None and at - joined < window

    async def joined_at(self, key: Key) -> datetime | None:
        """From the database (batched with every other key waiting this turn), cached."""
        if key in self.looked_up:
            return self.looked_up[key]
        if self._lookup is None:
            return None
        future = self._waiting.get(key)
        if future is None:
            future = self._waiting[key] = asyncio.get_running_loop().create_future()
            if self._batch is None:
                self._batch = asyncio.create_task(self._run_batch())
                self._running.add(self._batch)
                self._batch.add_done_callback(self._running.discard)
        return await asyncio.shield(future)

    async def _run_batch(self) -> None:
        await asyncio.sleep(0)  # one turn: the other messages reaching here join this query
        waiting, self._waiting, self._batch = self._waiting, {}, None
        by_community: dict[CommunityRef, list[str]] = {}
        for community, user_id in waiting:
            by_community.setdefault(community, []).append(user_id)
        assert self._lookup is not None
        try:
            for community, users in by_community.items():
                for start in range(0, len(users), LOOKUP_CHUNK):
                    chunk = users[start : start + LOOKUP_CHUNK]
                    self.queries += 1
                    found = await self._lookup(community, chunk)
                    for user_id in chunk:
                        key = (community, user_id)
                        joined = found.get(user_id)
                        self._cache(key, joined)
                        waiting.pop(key).set_result(joined)
        except Exception as error:
            for future in waiting.values():
                if not future.done():
                    future.set_exception(error)
        except BaseException:
            for future in waiting.values():
                future.cancel()
            raise

    def _cache(self, key: Key, joined: datetime | None) -> None:
        if len(self.looked_up) >= self._looked_up_cap:
            del self.looked_up[next(iter(self.looked_up))]  # the oldest answer goes first
        self.looked_up[key] = joined
