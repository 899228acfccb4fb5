"""The log and rules channels accept what ritual channels do (an id, a name, a mention where the
platform has names), are resolved per platform, and a setting naming nothing is told once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import SendMessage
from bot.core.clock import ManualClock
from tests.auxil.app import START, make_config, running_app
from tests.auxil.discord_world import CHANNEL_ID, SYSTEM_CHANNEL_ID, discord_world

SWEAR = "what the f.u.c.k"


def contents(world: object, channel: int) -> list[str]:
    """What the bot posted in `channel`, with Discord's markdown escapes taken off."""
    calls = world.fake.calls("POST", rf"^/channels/{channel}/messages$")  # type: ignore[attr-defined]
    return [str(call.json["content"]).replace("\\", "") for call in calls]


@pytest.mark.parametrize("setting", ["#welcome", "welcome", f"<#{SYSTEM_CHANNEL_ID}>"])
async def test_a_discord_log_channel_by_name_or_mention(tmp_path: Path, setting: str) -> None:
    config = make_config(
        bot={"cogs": ["core", "moderation"]},
        defaults={"log_channel": setting},
        platforms={"discord": {}},
    )
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.gateway("MESSAGE_CREATE", world.message("bob", SWEAR))
        logged = contents(world, SYSTEM_CHANNEL_ID)
        assert any("message removed" in line for line in logged), logged
        assert not any("no such channel" in line for line in contents(world, CHANNEL_ID))


async def test_a_discord_log_channel_that_names_nothing_is_told_once(tmp_path: Path) -> None:
    config = make_config(
        bot={"cogs": ["core", "moderation"]},
        defaults={"log_channel": "#mod-logs"},
        platforms={"discord": {}},
    )
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.gateway("MESSAGE_CREATE", world.message("alice", "hello"))
        await world.gateway("MESSAGE_CREATE", world.message("bob", SWEAR))
        await world.gateway("MESSAGE_CREATE", world.message("bob", SWEAR))
        told = [
            line
            for line in contents(world, SYSTEM_CHANNEL_ID)
            if "moderators' log channel is set to “#mod-logs”" in line
        ]
        assert len(told) == 1, told
        assert "no such channel in this Discord community" in told[0]
        assert "mention (#mod-log)" in told[0]


async def test_the_memory_platform_resolves_the_log_and_rules_channels(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    memory.channels = {"general", "mod-log", "rules"}
    config = make_config(defaults={"log_channel": "#mod-log", "rules_channel": "#nowhere"})
    async with running_app(tmp_path / "kenes.db", config, [memory], ManualClock(START)):
        await memory.say("alice", "hello")  # first sight: the settings are checked
        await memory.say("bob", SWEAR)
        logged = [a.text for a in memory.of_type(SendMessage) if a.chat.id == "mod-log"]
        assert any("message removed" in line for line in logged), logged
        [rules] = [a.text for a in memory.of_type(SendMessage) if "rules channel" in a.text]
        assert rules.startswith("The rules channel is set to “#nowhere”")
        [reply] = [a.text for a in await memory.say("bob", "/rules") if isinstance(a, SendMessage)]
        assert "kept in" not in reply, "a rules channel that names nothing is not pointed to"
