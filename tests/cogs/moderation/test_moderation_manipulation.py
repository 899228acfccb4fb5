"""Accounts that join and at once vote in a burst: later votes discounted, moderators told."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.core.clock import ManualClock
from bot.core.events import ReactionAdded
from bot.core.refs import MessageRef
from tests.auxil.app import START, make_config, running_app
from tests.auxil.moderation import cases
from tests.auxil.rituals import press

COGS = ["core", "moderation", "polls"]


async def react(memory: MemoryAdapter, clock: ManualClock, name: str, count: int) -> None:
    for i in range(count):
        await memory.push(
            ReactionAdded(
                chat=memory.chat,
                author=memory.author(name),
                at=clock.now(),
                message=MessageRef(memory.chat, f"m{i}"),
                emoji="👍",
            )
        )


async def test_a_fresh_account_voting_in_a_burst_is_flagged_and_discounted(
    tmp_path: Path,
) -> None:
    memory, clock = MemoryAdapter(), ManualClock(START)
    config = make_config(bot={"cogs": COGS}, defaults={"log_channel": "mod-log"})
    async with running_app(tmp_path / "k.db", config, [memory], clock) as app:
        await memory.say("alice", "/poll 30m Tea or coffee? | Tea | Coffee")
        await memory.join("puppet")
        await react(memory, clock, "puppet", 5)  # five reactions within seconds of joining
        flagged = [c for c in await cases(app) if c.rule == "manipulation"]
        assert [c.user_id for c in flagged] == ["puppet"]
        assert any("vote manipulation" in t or "votes or reactions" in t for t in memory.texts())
        assert await press(memory, "puppet", "poll:1:0") == []  # discounted: not counted
        # An established member may react as much as they like; so may a slow newcomer.
        await react(memory, clock, "alice", 20)
        await memory.join("calm")
        for _ in range(6):
            await app.advance(timedelta(minutes=2))
            await react(memory, clock, "calm", 1)
        voted = await press(memory, "calm", "poll:1:1")
        assert any("Your vote: Coffee" in getattr(a, "text", "") for a in voted)
        assert [c.user_id for c in await cases(app) if c.rule == "manipulation"] == ["puppet"]
