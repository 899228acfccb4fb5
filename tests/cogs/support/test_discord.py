"""The support desk on Discord: a private thread per ticket in the staff channel, replies relayed
both ways, with the real adapter and discord.py against the fake REST server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.discord.markup import plain
from tests.auxil.app import make_config
from tests.auxil.discord_world import CHANNEL_ID, GUILD_ID, World, discord_world
from tests.auxil.rituals import rules_copy

STAFF_CHANNEL = 1_100_000_000_000_000_150


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    staff = f'staff_chats = {{ "discord:{GUILD_ID}" = "{STAFF_CHANNEL}" }}\n'
    rules = rules_copy(tmp_path, {"support.toml": [("staff_chat = ", staff + "staff_chat = ")]})
    config = make_config(rules_dir=rules, bot={"cogs": ["core", "support"]})
    async with discord_world(tmp_path / "kenes.db", config=config) as running:
        yield running


def posted_in(world: World, channel: int | str) -> list[str]:
    """Posts in `channel` as Discord shows them (the bot escapes every markup character)."""
    return [
        plain(str(r.json.get("content", "")))
        for r in world.fake.calls("POST", rf"^/channels/{channel}/messages$")
    ]


async def test_each_ticket_gets_a_private_thread_and_replies_go_both_ways(world: World) -> None:
    await world.slash("alice", "help_request", text="The export button does nothing")
    (opened,) = world.fake.calls("POST", rf"^/channels/{STAFF_CHANNEL}/threads$")
    assert opened.json["type"] == 12  # private
    assert opened.json["invitable"] is False
    assert opened.json["name"].startswith("#1 Alice")
    thread = world.fake.threads[0]["id"]
    assert any("Ticket #1 from Alice" in text for text in posted_in(world, thread))
    assert posted_in(world, STAFF_CHANNEL) == []  # nothing about the ticket outside its thread

    # A moderator answers inside the thread: the member gets it in the channel they asked in.
    await world.gateway(
        "MESSAGE_CREATE", world.message("mod", "Which browser do you use?", channel_id=thread)
    )
    assert any(
        "Ticket #1, Mod from the team:" in text and "Which browser do you use?" in text
        for text in posted_in(world, CHANNEL_ID)
    )

    # The member's follow-up lands in the thread.
    await world.slash("alice", "help_request", text="Firefox 128")
    assert any("Alice adds:" in t and "Firefox 128" in t for t in posted_in(world, thread))
