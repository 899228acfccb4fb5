"""Content switched off in /setup: its publish, debate and challenge jobs wait, and run once
when it is switched on again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.db.models import ScheduledJob
from tests.auxil.app import make_config, running_app

COGS = ["core", "polls", "support", "content", "settings"]
MOD, ADMIN = Level.MODERATOR, Level.ADMIN


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    config = make_config(bot={"cogs": COGS})
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as running:
        yield running


async def switch(memory: MemoryAdapter) -> None:
    """An admin presses content's button in /setup (off when on, on when off)."""
    await memory.press("ada", "setup:feature:content", level=ADMIN)


async def paused(app: Kenes, kind: str) -> list[str]:
    async with app.services.sessions() as session:
        rows = await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == kind))
        return [
            row.last_error or ""
            for row in rows
            if row.status == "pending" and (row.last_error or "").startswith("paused: content")
        ]


def said(memory: MemoryAdapter, needle: str) -> int:
    return sum(1 for text in memory.texts() if needle in text)


async def test_a_scheduled_post_waits_while_content_is_off_and_goes_out_once_when_on(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("mod", "/post new question Which editor do you use?", level=MOD)
    await memory.say("mod", "/post next 1 question", level=MOD)
    await memory.say("mod", "/post schedule 1 2h", level=MOD)
    await switch(memory)
    await app.advance(timedelta(hours=3))
    assert said(memory, "Which editor do you use?") == 0
    assert len(await paused(app, "content.publish")) == 1, "waiting, not failed nor dropped"
    await switch(memory)  # on again: the waiting post goes out at once
    await app.advance(timedelta(seconds=1))
    assert said(memory, "Which editor do you use?") == 1
    assert await paused(app, "content.publish") == []
    await app.advance(timedelta(days=1))
    assert said(memory, "Which editor do you use?") == 1, "once"


async def test_a_debate_and_a_challenge_close_only_when_content_is_on(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("mod", "/debate Dark theme? | Yes | No", level=MOD)
    await memory.say("mod", "/challenge 1d Read one guide a day", level=MOD)
    await switch(memory)
    await app.advance(timedelta(days=3))
    assert said(memory, "has ended") == 0
    assert len(await paused(app, "content.debate_close")) == 1
    assert len(await paused(app, "content.challenge_close")) == 1
    await switch(memory)
    await app.advance(timedelta(seconds=1))
    assert said(memory, "Debate 1 has ended") == 1
    assert said(memory, "Challenge 1 has ended") == 1
    assert await paused(app, "content.debate_close") == []
    assert await paused(app, "content.challenge_close") == []
