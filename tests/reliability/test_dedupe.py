"""Persistent dedupe: a re-delivered event is dropped after a restart and after 10,000 others."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.core.clock import ManualClock
from bot.core.events import MessageCreated
from bot.core.refs import MessageRef
from tests.auxil.app import make_config, running_app


def message(memory: MemoryAdapter, clock: ManualClock, ident: str) -> MessageCreated:
    return MessageCreated(
        chat=memory.chat,
        author=memory.author("ann"),
        at=clock.now(),
        message=MessageRef(memory.chat, ident),
        text="/ping",
        event_id=ident,
    )


async def test_a_redelivery_after_a_restart_is_dropped(tmp_path: Path, clock: ManualClock) -> None:
    db = tmp_path / "kenes.db"
    memory = MemoryAdapter()
    first = message(memory, clock, "9001")
    async with running_app(db, adapters=[memory], clock=clock) as app:
        await app.handle(first)
        assert app.services.activity.pending > 0
    clock.advance(timedelta(minutes=5))
    again = MemoryAdapter()
    async with running_app(db, adapters=[again], clock=clock) as app:
        await app.handle(first)  # the platform sends it again after the restart
        assert app.dedupe.reads == 1
        assert app.services.activity.pending == 0  # dropped before anything counted it


async def test_a_redelivery_after_ten_thousand_others_is_dropped(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ["core"]})
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        early = message(memory, clock, "1")
        await app.handle(early)
        for n in range(2, 10_003):
            clock.advance(timedelta(milliseconds=1))
            await app.handle(message(memory, clock, str(n)))
        assert app.dedupe.reads == 0  # live traffic never reads the table
        await app.dedupe.flush()
        await app.services.activity.flush()
        await app.handle(early)
        assert app.dedupe.reads == 1
        assert app.services.activity.pending == 0
