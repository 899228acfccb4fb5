"""Newcomers across a restart without a database read on each member's first message.

Counted in queries on the members table (SQLAlchemy's cursor events on the real SQLite file),
never in time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import DeleteMessage
from bot.core.clock import ManualClock
from bot.core.refs import ChatRef, CommunityRef
from cogs.moderation import newcomers
from cogs.moderation.cog import Moderation
from cogs.moderation.stage import ModerationStage
from tests.auxil.app import START
from tests.auxil.moderation import moderated

LINK = "great deals at example.com/deal"


@contextmanager
def member_reads(app: Kenes) -> Iterator[list[str]]:
    """The SELECTs on the members table issued while inside."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and " members" in statement:
            statements.append(statement)

    event.listen(app.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", seen)


def stage_of(app: Kenes) -> ModerationStage:
    cog = app.cogs.get("moderation")
    assert isinstance(cog, Moderation)
    return cog.stage


async def removed(memory: MemoryAdapter, name: str, text: str, chat: ChatRef | None = None) -> bool:
    return any(isinstance(a, DeleteMessage) for a in await memory.say(name, text, chat=chat))


async def join_many(app: Kenes, memory: MemoryAdapter, names: list[str]) -> None:
    for name in names:
        await memory.join(name)
        await app.advance(timedelta(seconds=10))  # each join at its own time


async def test_first_messages_after_a_restart_read_no_member_rows(tmp_path: Path) -> None:
    clock = ManualClock(START)
    joined = [f"new{i}" for i in range(30)]
    async with moderated(tmp_path, clock=clock) as (app, memory):
        await join_many(app, memory, joined)
        await app.advance(timedelta(hours=1))
    async with moderated(tmp_path, clock=clock) as (app, memory):
        assert len(stage_of(app).newcomers.known) == 30  # read once, at start
        with member_reads(app) as reads:
            # Newcomers still newcomers: their links go; members nobody saw join keep theirs.
            assert [await removed(memory, name, LINK) for name in joined] == [True] * 30
            assert [await removed(memory, f"old{i}", LINK) for i in range(30)] == [False] * 30
            # The spam check asks about every untrusted member's first messages too.
            for i in range(30):
                await memory.say(f"quiet{i}", "hello all")
        assert reads == []
        await app.advance(timedelta(hours=24))  # a day later: nobody is a newcomer
        assert not await removed(memory, "new0", LINK)


async def test_past_the_cap_the_rest_of_the_window_is_read_in_one_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newcomers, "KNOWN", 10)
    monkeypatch.setattr(newcomers, "LOOKED_UP", 20)
    clock = ManualClock(START)
    joined = [f"new{i}" for i in range(30)]
    async with moderated(tmp_path, clock=clock) as (app, memory):
        await join_many(app, memory, joined)
        await app.advance(timedelta(hours=1))
    async with moderated(tmp_path, clock=clock) as (app, memory):
        known = stage_of(app).newcomers
        assert sorted(u for _, u in known.known) == sorted(joined[-10:])  # the newest ten
        with member_reads(app) as reads:
            # Messages handled at once (several chats): the members not in memory wait
            # together for one query.
            results = await asyncio.gather(*(removed(memory, name, LINK) for name in joined))
        assert results == [True] * 30
        [read] = reads
        assert " IN " in read.upper()
        assert known.queries == 1
        assert len(known.looked_up) == 20
        with member_reads(app) as reads:
            for name in joined[-10:]:  # known: no query
                await memory.say(name, "again " + LINK)
            for i in range(5):  # never joined, but inside the uncovered part: looked up
                assert not await removed(memory, f"old{i}", LINK)
        assert len(reads) == 5
        assert len(known.looked_up) == 20  # bounded: the oldest answers went first
        assert (memory.community, "old4") in known.looked_up
        assert (memory.community, "new0") not in known.looked_up


async def test_several_instances_look_each_member_up_once(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with moderated(tmp_path, clock=clock) as (app, memory):
        await join_many(app, memory, ["nina"])
    async with moderated(tmp_path, clock=clock) as (app, memory):
        stage = stage_of(app)
        stage.newcomers = newcomers.Newcomers(stage._joined_many)  # as without the start read
        with member_reads(app) as reads:
            assert await removed(memory, "nina", LINK)
            assert not await removed(memory, "bob", LINK)
            await memory.say("nina", "hello again")
            await memory.say("bob", "hello again")
        assert len(reads) == 2  # one per member, then cached


def test_joins_in_memory_are_capped_and_say_from_when_they_are_complete() -> None:
    community = CommunityRef("memory", "c")
    index = newcomers.Newcomers(None, known=3)
    index.prefetched([((community, "a"), START)], START - timedelta(hours=24))
    assert index.complete_from == START - timedelta(hours=24)
    for i in range(5):
        index.add((community, f"u{i}"), START + timedelta(minutes=i))
    assert list(index.known) == [(community, f"u{i}") for i in (2, 3, 4)]
    # u1 (at START + 1 min) was dropped: from just after it on, memory is complete.
    assert index.complete_from == START + timedelta(minutes=1, microseconds=1)
    index.prune(START + timedelta(hours=24, minutes=3), timedelta(hours=24))
    assert list(index.known) == [(community, "u4")]
    assert index.complete_from == START + timedelta(minutes=3)


async def test_a_group_that_moved_keeps_its_newcomers(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        await app.services.directory.id_for(memory.community)  # its row exists
        await memory.join("nina")
        new = CommunityRef(memory.platform, "upgraded")
        assert await app.services.directory.move(memory.community, new)
        chat = ChatRef(memory.platform, "upgraded", new)
        with member_reads(app) as reads:
            assert await removed(memory, "nina", LINK, chat=chat)
            assert not await removed(memory, "bob", LINK, chat=chat)
        assert reads == []
