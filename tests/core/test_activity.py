"""Activity counters stay in memory on the message path and are written in batches."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.clock import ManualClock
from bot.core.events import ReactionAdded
from bot.core.permissions import Level
from bot.core.refs import MessageRef
from bot.db.engine import write_gate
from bot.db.models import ActivityCounter, Member


async def count_rows(app: Kenes) -> tuple[int, int]:
    async with app.services.sessions() as session:
        counters = await session.scalar(select(func.count()).select_from(ActivityCounter))
        members = await session.scalar(select(func.count()).select_from(Member))
    return counters or 0, members or 0


async def test_messages_are_counted_in_memory_then_flushed_in_one_batch(
    app: Kenes, memory: MemoryAdapter, clock: ManualClock
) -> None:
    for number in range(50):
        await memory.say("alice", f"message number {number}")
        clock.advance(timedelta(minutes=1))
    await memory.say("bob", "/ping")
    assert await count_rows(app) == (0, 0), "nothing may be written per message"
    await app.services.activity.flush()
    async with app.services.sessions() as session:
        rows = {r.user_id: r for r in await session.scalars(select(ActivityCounter))}
    assert rows["alice"].messages == 50
    assert rows["bob"].commands == 1
    assert rows["bob"].messages == 0


async def test_flushes_add_up(app: Kenes, memory: MemoryAdapter) -> None:
    await memory.say("alice", "one")
    await app.services.activity.flush()
    await memory.say("alice", "two")
    await memory.join("carol")
    await app.services.activity.flush()
    async with app.services.sessions() as session:
        counter = (
            await session.scalars(select(ActivityCounter).where(ActivityCounter.user_id == "alice"))
        ).one()
        joins = await session.scalar(
            select(ActivityCounter.joins).where(ActivityCounter.user_id == "carol")
        )
        carol = await session.scalar(select(Member).where(Member.user_id == "carol"))
    assert counter.messages == 2
    assert joins == 1
    assert carol is not None
    assert carol.joined_at is not None


async def test_a_failed_flush_keeps_the_counts(app: Kenes, memory: MemoryAdapter) -> None:
    await memory.say("alice", "one")
    recorder = app.services.activity
    async with app.engine.begin() as conn:  # the database refuses the write: table gone
        await conn.execute(text("ALTER TABLE activity_counters RENAME TO parked"))
    with pytest.raises(OperationalError):
        await recorder.flush()
    assert recorder.pending > 0
    async with app.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE parked RENAME TO activity_counters"))
    await memory.say("alice", "two")
    await recorder.flush()
    async with app.services.sessions() as session:
        assert (await session.scalars(select(ActivityCounter))).one().messages == 2


async def test_the_ledger_day_is_the_communitys_local_day(
    app: Kenes, memory: MemoryAdapter, clock: ManualClock
) -> None:
    """Asia/Almaty is UTC+5: 20:00 UTC on the 5th is already the 6th there."""
    clock.set(datetime(2026, 1, 5, 20, 0, tzinfo=UTC))
    await memory.say("alice", "late evening in UTC, next morning in Almaty")
    await app.services.activity.flush()
    async with app.services.sessions() as session:
        day = await session.scalar(select(ActivityCounter.day))
    assert day == date(2026, 1, 6)


async def test_ugc_usefulness_and_staff_markers(
    app: Kenes, memory: MemoryAdapter, clock: ManualClock
) -> None:
    """A member's message is UGC; two reactions on it make it useful once (and are reactions
    received). A moderator's message is not UGC, and the moderator is marked as staff."""
    await memory.say("alice", "here is how to fix it")  # the adapter numbers it 1000
    posted = MessageRef(memory.chat, "1000")
    for who in ("bob", "cat"):
        await memory.push(
            ReactionAdded(chat=memory.chat, author=memory.author(who), at=clock.now(),
                          message=posted, emoji="👍", message_author=memory.user("alice"))
        )  # fmt: skip
    await memory.say("mia", "thanks for the report", level=Level.MODERATOR)
    await app.services.activity.flush()
    async with app.services.sessions() as session:
        rows = {r.user_id: r for r in await session.scalars(select(ActivityCounter))}
    alice, mia = rows["alice"], rows["mia"]
    assert (alice.ugc, alice.useful_ugc, alice.reactions_received, alice.staff) == (1, 1, 2, 0)
    assert (rows["bob"].reactions, rows["cat"].reactions) == (1, 1)
    assert (mia.messages, mia.ugc, mia.staff) == (1, 0, 1)


async def test_a_flush_waits_for_the_flush_in_progress(app: Kenes, memory: MemoryAdapter) -> None:
    # /stats flushes, then reads: it must not find the buffers already taken by the periodic
    # flush and read before that flush has written them (a docs transcript once counted 3 of 4).
    await memory.say("alice", "one")
    recorder = app.services.activity
    assert write_gate(app.engine) is not None, "the test needs a SQLite file's write gate"
    async with app.engine.begin() as conn:
        await conn.execute(text("UPDATE communities SET name = name WHERE 0"))  # holds the gate
        periodic = asyncio.create_task(recorder.flush())
        await asyncio.sleep(0)
        reader = asyncio.create_task(recorder.flush())
        for _ in range(10):
            await asyncio.sleep(0)  # turns of the loop, not a wait
        assert not reader.done(), "a second flush returned before the first had written"
    await periodic
    await reader
    async with app.services.sessions() as session:
        assert (await session.scalars(select(ActivityCounter))).one().messages == 1
