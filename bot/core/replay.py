"""Writes keyed by the event being handled, so a re-handled event doubles nothing.

A platform event is handled, then marked handled (the Telegram inbox row, the dedupe id). A
crash between the two hands the event over again at the next start, and without more, every
row its handlers wrote (a moderation case, a report, a poll, a question, a ticket) would be
written twice. So each such write, made inside `event_scope(event)`, also stores a marker keyed
by the event's delivery id, the event's kind and the write's rank within the event, in the same
transaction as the write:

    async with sessions.begin() as session:
        mark = await event_write(session, "moderation.case")
        if mark.done:
            return mark.result  # written by the run that crashed: the same id, no new row
        row = ...; session.add(row); await session.flush()
        await mark.record(session, row.id)

A replay takes the same path through the handlers, so the n-th write of a kind gets the same
key; it finds the marker and returns what the first run wrote, and the rest of the handler
(the reply naming "case #7") goes on as if it had written it. Outside an event (a scheduled
job: those key their own effects, bot/scheduler.py) `event_write` marks nothing.

Activity counts (bot/activity.py) are not written with the event but by the ledger's flush,
about once a second, so they get a marker of their own: the flush stores `activity_key()` of
every event whose counts it holds, in a transaction before the counts themselves. An event
that may be handled a second time (`handled_before_maybe()`: the Telegram inbox hands over an
update left unfinished; the dedupe read the table for an event from before the start) looks
its marker up once (`look_up_activity`), and when found, counts nothing again: a crash can
lose the counts of the last flush, never double them.
"""

from __future__ import annotations

import contextvars
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.events import Event
from bot.db.models import EventWrite

log = logging.getLogger(__name__)

# Markers are needed while an event could be handed over again: the inbox keeps unhandled
# updates for at most a day or two, platforms re-deliver within hours.
KEEP = timedelta(days=3)


@dataclass
class _Scope:
    key: str
    now: datetime
    ranks: Counter[str] = field(default_factory=Counter)
    # May this event have been handled before (its activity flushed)? Then `counted` says,
    # once looked up, whether its activity is in the ledger already.
    suspect: bool = False
    counted: bool | None = None


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "kenes_event_scope", default=None
)
# Set by an adapter around an update it hands over again (one a crashed run may have handled).
_again: contextvars.ContextVar[bool] = contextvars.ContextVar("kenes_handled_again", default=False)


@contextmanager
def handled_before_maybe(again: bool = True) -> Iterator[None]:
    """The events handled inside may have been handled by a run that crashed."""
    token = _again.set(again)
    try:
        yield
    finally:
        _again.reset(token)


@contextmanager
def event_scope(event: Event, now: datetime) -> Iterator[None]:
    """Key the writes made while handling `event` (one with a delivery id) by that id."""
    if not event.event_id:
        yield
        return
    key = f"{event.chat.platform}:{event.event_id}:{type(event).__name__}"
    token = _scope.set(_Scope(key, now, suspect=_again.get()))
    try:
        yield
    finally:
        _scope.reset(token)


def suspect() -> None:
    """The event being handled may have been handled before (read from before our start)."""
    scope = _scope.get()
    if scope is not None:
        scope.suspect = True


def activity_key() -> str | None:
    """The ledger's marker key of the event being handled; None when its activity was
    counted before a restart (count nothing) or there is no event (count, mark nothing)."""
    scope = _scope.get()
    if scope is None:
        return ""
    if scope.counted:
        return None
    return f"{scope.key}:activity"[:200]


async def look_up_activity(sessions: async_sessionmaker[AsyncSession]) -> None:
    """For a suspect event, find once whether a flush before the restart holds its activity."""
    scope = _scope.get()
    if scope is None or not scope.suspect or scope.counted is not None:
        return
    async with sessions() as session:
        found = await session.get(EventWrite, f"{scope.key}:activity"[:200])
    scope.counted = found is not None
    if scope.counted:
        log.info("activity of %s was counted before a restart; not again", scope.key)


@dataclass(frozen=True, slots=True)
class Mark:
    """One write's marker: `done` when a run before this one made the write."""

    key: str | None
    done: bool = False
    result: int | None = None
    now: datetime | None = None

    async def record(self, session: AsyncSession, result: int | None = None) -> None:
        """Store the marker in the write's transaction (nothing outside an event)."""
        if self.key is not None and self.now is not None:
            session.add(EventWrite(key=self.key, result=result, created_at=self.now))


async def event_write(session: AsyncSession, what: str) -> Mark:
    """The marker of the next write of kind `what` in the event being handled."""
    scope = _scope.get()
    if scope is None:
        return Mark(None)
    rank = scope.ranks[what]
    scope.ranks[what] += 1
    key = f"{scope.key}:{what}:{rank}"[:200]
    found = await session.scalar(select(EventWrite).where(EventWrite.key == key))
    if found is not None:
        log.info("write %s was made before a restart; not again", key)
        return Mark(key, done=True, result=found.result)
    return Mark(key, now=scope.now)


async def forget_old(session: AsyncSession, now: datetime) -> None:
    """Drop markers no replay can need any more."""
    await session.execute(delete(EventWrite).where(EventWrite.created_at < now - KEEP))
