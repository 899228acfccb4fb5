"""A member muted by moderation cannot vote, react to polls or upvote while the mute lasts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from tests.auxil.app import START, make_config, running_app
from tests.auxil.rituals import press

COGS = ["core", "moderation", "polls"]


async def test_a_muted_members_vote_does_not_count_until_the_mute_ends(tmp_path: Path) -> None:
    memory, clock = MemoryAdapter(), ManualClock(START)
    config = make_config(bot={"cogs": COGS})
    bob = memory.user("bob")
    async with running_app(tmp_path / "k.db", config, [memory], clock) as app:
        await memory.say("mod", "/mute @bob 1h spam", level=Level.MODERATOR, mentions=(bob,))
        await memory.say("alice", "/poll 30m Tea or coffee? | Tea | Coffee")
        assert await press(memory, "bob", "poll:1:0") == []  # nothing said, nothing counted
        await app.advance(timedelta(minutes=30))
        assert any("No votes this time." in text for text in memory.texts())
    # The mute survives a restart: it is rebuilt from the pending unmute job.
    async with running_app(tmp_path / "k.db", config, [memory], clock) as app:
        await memory.say("alice", "/poll 10m Lunch? | Plov | Soup")
        assert await press(memory, "bob", "poll:2:0") == []
        await app.advance(timedelta(minutes=40))  # the mute ended after 1h
        await memory.say("alice", "/poll 10m Dinner? | Plov | Soup")
        voted = await press(memory, "bob", "poll:3:0")
        assert any("Your vote: Plov" in getattr(a, "text", "") for a in voted)
