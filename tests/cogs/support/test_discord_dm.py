"""Questions sent to the bot in a Discord DM: a ticket in the member's server, its private staff
thread, replies relayed both ways; and the support staff role checked by the core. The real
adapter and discord.py against the fake REST server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Community
from tests.auxil.discord_world import CHANNEL_ID, GUILD_ID, MEMBERS, World
from tests.cogs.support.platforms import STAFF_CHANNEL, discord_desk, posted_in

DM_CHANNEL = 1_100_000_000_000_000_160


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    # Only the "Helpers" role is support staff here: moderators are not.
    roles = 'staff_role = "Helpers"\nmoderators_are_staff = false\n'
    edits = [('staff_role = "support"\n', ""), ("moderators_are_staff = true\n", roles)]
    async with discord_desk(tmp_path, *edits) as running:
        yield running


def dm(world: World, name: str, text: str) -> dict[str, Any]:
    """A DM from `name` to the bot, as the gateway delivers it (no guild, no member)."""
    payload = world.message(name, text, channel_id=str(DM_CHANNEL))
    del payload["guild_id"], payload["member"]
    return payload


async def test_a_dm_opens_a_ticket_in_the_members_server_and_replies_come_back(
    world: World,
) -> None:
    await world.gateway("MESSAGE_CREATE", world.message("alice", "hi all"))
    await world.app.services.activity.flush()
    await world.gateway("MESSAGE_CREATE", dm(world, "alice", "The export button does nothing"))
    (opened,) = world.fake.calls("POST", rf"^/channels/{STAFF_CHANNEL}/threads$")
    assert opened.json["name"].startswith("#1 Alice")
    thread = world.fake.threads[0]["id"]
    dm_channel = world.fake.dms[str(MEMBERS["alice"][0])]
    assert any("Ticket #1 is open" in text for text in posted_in(world, dm_channel))

    # Support staff (the Helpers role) answer in the thread: the member gets it in the DM.
    await world.gateway(
        "MESSAGE_CREATE", world.message("helper", "Which browser do you use?", channel_id=thread)
    )
    assert any(
        "Ticket #1, Helper from the team:" in text and "Which browser do you use?" in text
        for text in posted_in(world, dm_channel)
    )
    # The member's next DM lands in the thread.
    await world.gateway("MESSAGE_CREATE", dm(world, "alice", "Firefox 128"))
    assert any("Alice adds:" in t and "Firefox 128" in t for t in posted_in(world, thread))
    assert any("Added to your open ticket #1." in t for t in posted_in(world, DM_CHANNEL))

    async with world.app.services.sessions() as session:
        communities = (await session.scalars(select(Community.external_id))).all()
    assert communities == [str(GUILD_ID)]  # the DM is no community


async def test_the_support_role_not_moderators_may_work_tickets(world: World) -> None:
    await world.slash("alice", "help_request", text="The export button does nothing")
    thread = world.fake.threads[0]["id"]
    # A moderator is not support staff here: the core refuses, and says why.
    await world.slash("mod", "claim", ticket=1)
    refusals = [r.json for r in world.fake.calls("POST", r"^/interactions/")]
    assert "Only the team that handles /claim and admins can use it." in str(refusals[-1])
    # A moderator writing in the ticket's thread is not relayed either.
    await world.gateway("MESSAGE_CREATE", world.message("mod", "hm", channel_id=thread))
    assert not any("Mod from the team" in t for t in posted_in(world, CHANNEL_ID))
    # The Helpers role may; so may an admin.
    await world.slash("helper", "claim", ticket=1)
    assert any("Ticket #1 is taken by Helper." in t for t in posted_in(world, STAFF_CHANNEL))
    await world.slash("admin", "tickets")
    assert "#1 Alice" in str([r.json for r in world.fake.calls("POST", r"^/interactions/")])


async def test_help_request_as_a_slash_command_in_a_dm(world: World) -> None:
    await world.gateway("MESSAGE_CREATE", world.message("alice", "hi all"))
    await world.app.services.activity.flush()
    option = {"name": "text", "type": 3, "value": "The export button does nothing"}
    data = {"id": "1", "name": "help_request", "type": 1, "options": [option]}
    payload = world._interaction("alice", 2, data)
    # In a DM, Discord sends the user (no member, no guild) and the DM channel.
    del payload["guild_id"], payload["member"]
    payload["user"] = {**world.message("alice", "")["author"]}
    payload["channel_id"] = str(DM_CHANNEL)
    payload["channel"] = {"id": str(DM_CHANNEL), "type": 1}
    payload["context"] = 1
    await world.gateway("INTERACTION_CREATE", payload)
    (opened,) = world.fake.calls("POST", rf"^/channels/{STAFF_CHANNEL}/threads$")
    assert opened.json["name"].startswith("#1 Alice")
