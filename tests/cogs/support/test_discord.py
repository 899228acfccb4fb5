"""The support desk on Discord: a private thread per ticket in the staff channel, replies relayed
both ways, with the real adapter and discord.py against the fake REST server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.auxil.discord_world import CHANNEL_ID, World
from tests.cogs.support.platforms import STAFF_CHANNEL, discord_desk, posted_in


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_desk(tmp_path) as running:
        yield running


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
