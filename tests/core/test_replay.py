"""Writes keyed by the event being handled: the same event handled again (its first run cut
short by a crash before it was marked handled) writes no second row, and its reply names the
row the first run wrote."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.clock import ManualClock
from bot.core.events import CommandInvoked
from bot.core.permissions import Level
from bot.core.refs import MessageRef
from bot.db.models import ActivityCounter, Delivery, EventWrite
from cogs.ama.models import AmaQuestion
from cogs.polls.models import Poll
from tests.auxil.app import make_config, running_app

COGS = ["core", "polls", "ama"]


def command(memory: MemoryAdapter, clock: ManualClock, ident: str, text: str) -> CommandInvoked:
    name, _, args = text[1:].partition(" ")
    return CommandInvoked(
        chat=memory.chat,
        author=memory.author("ann"),
        at=clock.now(),
        name=name,
        args=args,
        message=MessageRef(memory.chat, ident),
        event_id=ident,
    )


async def count(app: Kenes, model: type[Poll] | type[AmaQuestion]) -> int:
    async with app.services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_replayed_update_writes_no_second_poll_or_question(
    tmp_path: Path, clock: ManualClock
) -> None:
    db, config = tmp_path / "kenes.db", make_config(bot={"cogs": COGS})
    memory = MemoryAdapter()
    poll = command(memory, clock, "501", '/poll 1h "Tea?" | yes | no')
    ask = command(memory, clock, "502", "/ask When is the release?")
    async with running_app(db, config, [memory], clock) as app:
        await memory.say("mod", "/ama_open Roadmap", level=Level.MODERATOR)
        await app.handle(poll)
        await app.handle(ask)
        assert (await count(app, Poll), await count(app, AmaQuestion)) == (1, 1)
        async with app.services.sessions.begin() as session:
            # What a crash before the ids were marked handled leaves: the platform (or the
            # inbox) hands the same updates over again after the restart.
            await session.execute(delete(Delivery))
    clock.advance(timedelta(seconds=30))  # the restart: the updates are from before it
    again = MemoryAdapter()
    async with running_app(db, config, [again], clock) as app:
        async with app.services.sessions.begin() as session:
            await session.execute(delete(Delivery))
        replies = [*await again.push(poll), *await again.push(ask)]
        assert (await count(app, Poll), await count(app, AmaQuestion)) == (1, 1)
        assert any("Tea?" in text for text in again.texts()), replies
        async with app.services.sessions() as session:
            marks = (await session.scalars(select(EventWrite.key))).all()
        assert sorted(marks) == [
            "memory:501:CommandInvoked:activity",  # the ledger's: their counts were flushed
            "memory:501:CommandInvoked:polls.poll:0",
            "memory:502:CommandInvoked:activity",
            "memory:502:CommandInvoked:ama.question:0",
        ]
        await app.services.activity.flush()
        async with app.services.sessions() as session:
            commands = await session.scalar(
                select(func.sum(ActivityCounter.commands)).where(ActivityCounter.user_id == "ann")
            )
        assert commands == 2  # /poll and /ask once each: the replay counted neither again


async def test_writes_outside_an_event_are_not_keyed(tmp_path: Path, clock: ManualClock) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": COGS})
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        await memory.say("ann", '/poll 1h "Tea?" | yes | no')  # no delivery id: not keyed
        await memory.say("ann", '/poll 1h "Tea?" | yes | no')
        assert await count(app, Poll) == 2
