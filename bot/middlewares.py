"""The core's own pipeline stages: error boundary, re-delivery dedupe, activity counting."""

from __future__ import annotations

import logging
from collections import OrderedDict

from bot.core.context import Context
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.events import (
    CommandInvoked,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    ReactionAdded,
)
from bot.core.pipeline import Handler

log = logging.getLogger(__name__)


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
    """Drops an event whose delivery id was seen recently (platform re-delivery after a crash).

    With several instances (Redis configured) the first instance to claim the id in Redis
    handles it, whichever instance the platform delivered it to; the local memory still answers
    repeats seen here without a round trip. The claim is a short lease until the update is
    handled, then a long "done" mark: an instance killed mid-update does not make the
    platform's re-delivery look like a duplicate to the others.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._size = size

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        event_id = ctx.event.event_id
        if event_id is not None:
            platform = ctx.event.chat.platform
            key = (platform, event_id)
            if key in self._seen:
                ctx.log.info("dropping re-delivered event %s", event_id)
                return
            shared = ctx.services.shared
            mark = f"seen:{platform}:{event_id}"
            # Remembered here only once this instance owns it: a re-delivery dropped while
            # another instance held the lease must still be taken if that instance died.
            if shared is not None and not await shared.begin(mark, SHARED_WORK_SECONDS):
                ctx.log.info("dropping event %s another instance handles", event_id)
                return
            self._seen[key] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
            if shared is not None:
                await handler(ctx)
                await shared.finish(mark, SHARED_DEDUPE_SECONDS)
                return
        await handler(ctx)


class ActivityStage:
    """Counts what members do, in memory; written to the database in batches."""

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        event = ctx.event
        recorder = ctx.services.activity
        community, user = ctx.community.ref, ctx.actor.user
        recorder.seen(community, user, ctx.actor.name, ctx.actor.is_bot, event.at)
        if isinstance(event, MessageCreated):
            recorder.count(community, user, event.at, messages=1)
        elif isinstance(event, CommandInvoked):
            recorder.count(community, user, event.at, commands=1)
        elif isinstance(event, ReactionAdded):
            recorder.count(community, user, event.at, reactions=1)
        elif isinstance(event, MemberJoined):
            recorder.joined(community, user, event.at)
        elif isinstance(event, MemberLeft):
            recorder.left(community, user, event.at)
        await handler(ctx)
