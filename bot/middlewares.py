"""The core's own pipeline stages: error boundary, re-delivery dedupe, activity counting."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import Clock
from bot.core.context import Context
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.events import (
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.permissions import Level
from bot.core.pipeline import Handler
from bot.core.replay import forget_old, look_up_activity, suspect
from bot.core.tasks import cancel_task, every
from bot.db.dialect import execute_many, insert_for
from bot.db.models import Delivery

log = logging.getLogger(__name__)

FLUSH_ROWS = 500  # ids per write transaction, like the activity flush
MAX_UNWRITTEN = 100_000  # ids waiting for a database that is down, at most
PRUNE_EVERY = 600  # flushes between two prunes of old ids (ten minutes at one a second)


class ErrorBoundary:
    """Outermost stage: one failing handler is logged and never takes the bot down."""

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        try:
            await handler(ctx)
        except (ActionRefused, UnsupportedAction) as exc:
            ctx.log.warning("action not done for %s: %s", type(ctx.event).__name__, exc)
        except Exception:
            ctx.log.exception("handler failed on %s", type(ctx.event).__name__)


# How long a delivery id is remembered across instances: platforms re-deliver within hours.
SHARED_DEDUPE_SECONDS = 24 * 3600
# How long an instance may work on one update before another may take the re-delivery.
SHARED_WORK_SECONDS = 60


class Dedupe:
    """Drops an event whose delivery id was handled before, by this process or an earlier one.

    With several instances (Redis configured) the first instance to claim the id in Redis
    handles it, whichever instance the platform delivered it to. The claim is a short lease
    until the update is handled, then a long "done" mark: an instance killed mid-update does
    not make the platform's re-delivery look like a duplicate to the others.

    Recent ids are kept in memory (at most `size`); every id is also written, in batches of
    one multi-row statement a second, to the `deliveries` table, kept `keep` long. The table
    is read only for an event the memory cannot answer for: one stamped at or before the
    newest event the memory has let go of, or before this process started (a re-delivery
    after a restart, a backfill). Live traffic never costs a read.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        size: int = 10_000,
        keep: timedelta = timedelta(days=2),
        persistent: Callable[[str], bool] = lambda platform: True,
    ) -> None:
        self._sessions = sessions
        self._persistent = persistent
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._unwritten: dict[tuple[str, str], datetime] = {}
        self._size = size
        self._keep = keep
        # Events stamped after this are all in memory: at first, everything from our start on.
        self._horizon = clock.now() - timedelta(microseconds=1)
        self._task: asyncio.Task[None] | None = None
        self._flushes = 0
        self.reads = 0  # database look-ups made (tests check that live events make none)

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        event = ctx.event
        if event.event_id is not None:
            key = (event.chat.platform, event.event_id)
            durable = self._persistent(key[0])
            if (
                key in self._seen
                or key in self._unwritten
                or (durable and await self._stored(key, event.at))
            ):
                ctx.log.info("dropping re-delivered event %s", event.event_id)
                return
            # A platform with an inbox dedupes across instances there (each row is claimed by
            # one instance, and taken over when that one dies); a Redis mark left by a dead
            # instance would make the one taking over drop the update.
            shared = ctx.services.shared if durable else None
            mark = f"seen:{key[0]}:{event.event_id}"
            # Remembered here only once this instance owns it: a re-delivery dropped while
            # another instance held the lease must still be taken if that instance died.
            if shared is not None and not await shared.begin(mark, SHARED_WORK_SECONDS):
                ctx.log.info("dropping event %s another instance handles", event.event_id)
                return
            self._seen[key] = event.at
            if durable:
                self._unwritten[key] = self._clock.now()
            if len(self._seen) > self._size:
                _, at = self._seen.popitem(last=False)
                self._horizon = max(self._horizon, at)
            if len(self._unwritten) > MAX_UNWRITTEN:  # the database is down for long: bounded
                self._unwritten.pop(next(iter(self._unwritten)))
            if shared is not None:
                await handler(ctx)
                await shared.finish(mark, SHARED_DEDUPE_SECONDS)
                return
        await handler(ctx)

    async def _stored(self, key: tuple[str, str], at: datetime) -> bool:
        if at > self._horizon:
            return False
        self.reads += 1
        async with self._sessions() as session:
            found = await session.get(Delivery, (key[0], key[1][:64]))
        if found is None:
            # From before our start and not marked handled: a crashed run may have counted it.
            suspect()
            await look_up_activity(self._sessions)
        return found is not None

    async def flush(self) -> int:
        """Write the ids handled since the last flush; kept in memory for the next try."""
        batch, self._unwritten = self._unwritten, {}
        items = list(batch.items())
        try:
            for start in range(0, len(items), FLUSH_ROWS):
                chunk = items[start : start + FLUSH_ROWS]
                async with self._sessions.begin() as session:
                    await execute_many(
                        session,
                        insert_for(session, Delivery).on_conflict_do_nothing(),
                        [
                            {"platform": platform, "delivery_id": ident[:64], "seen_at": at}
                            for (platform, ident), at in chunk
                        ],
                    )
                for key, _ in chunk:
                    batch.pop(key, None)
        except BaseException:
            batch.update(self._unwritten)
            self._unwritten = batch
            raise
        self._flushes += 1
        if self._flushes % PRUNE_EVERY == 1:
            async with self._sessions.begin() as session:
                await forget_old(session, self._clock.now())  # event-keyed write markers
                await session.execute(
                    delete(Delivery).where(Delivery.seen_at < self._clock.now() - self._keep)
                )
        return len(items)

    def start(self, interval: float = 1.0) -> None:
        self._task = every(interval, self.flush, name="delivery id flush")

    async def stop(self) -> None:
        await cancel_task(self._task, within=0.5)
        self._task = None
        await self.flush()


class BacklogStop:
    """Ends a backlog message (history read back after a restart) once it was moderated.

    It was posted while the bot was away: moderation must still see it, but activity,
    handlers and commands must not, or a restart would count and answer it late (or twice).
    """

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        event = ctx.event
        if isinstance(event, MessageCreated) and event.backlog:
            return
        await handler(ctx)


class ActivityStage:
    """Counts what members do in the activity ledger, in memory; written in batches."""

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        event = ctx.event
        recorder = ctx.services.activity
        community, actor = ctx.community.ref, ctx.actor
        user = actor.user
        recorder.seen(community, user, actor.name, actor.is_bot, event.at)
        day = recorder.day_of(community, event.at)
        if actor.is_bot:
            recorder.mark(community, user.id, day, "bot")
        elif actor.level >= Level.MODERATOR:
            recorder.mark(community, user.id, day, "staff")
        if isinstance(event, MessageCreated | CommandInvoked):
            for user_id, name in event.mention_names:
                recorder.mentioned(community, user_id, name)
        if isinstance(event, MessageCreated):
            recorder.add(community, user.id, day, "messages")
            recorder.spoke(community, user, event.at)
            if not actor.is_bot and actor.level < Level.MODERATOR:
                ugc = event.message
                recorder.posted_ugc(community, ugc.chat.id, ugc.id, user.id, day)
        elif isinstance(event, CommandInvoked):
            recorder.add(community, user.id, day, "commands")
        elif isinstance(event, ReactionAdded | ReactionRemoved):
            if isinstance(event, ReactionAdded):
                recorder.add(community, user.id, day, "reactions")
            author = event.message_author
            if author is not None and author != user and not actor.is_bot:
                # Net reactions received: a removed one takes one back.
                delta = 1 if isinstance(event, ReactionAdded) else -1
                recorder.add(community, author.id, day, "reactions_received", delta)
                if delta > 0:
                    recorder.useful(community, event.message.chat.id, event.message.id)
        elif isinstance(event, MemberJoined):
            recorder.joined(community, user, event.at)
        elif isinstance(event, MemberLeft):
            recorder.left(community, user, event.at)
        await handler(ctx)
