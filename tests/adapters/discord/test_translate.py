"""Gateway events, parsed by discord.py itself, reach the cogs as core events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.events import (
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageEdited,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from tests.auxil.app import START
from tests.auxil.discord_world import (
    CHANNEL_ID,
    GUILD_ID,
    MEMBERS,
    SYSTEM_CHANNEL_ID,
    Seen,
    World,
    discord_world,
    member_payload,
    user_payload,
)

COMMUNITY = CommunityRef("discord", str(GUILD_ID))
CHAT = ChatRef("discord", str(CHANNEL_ID), COMMUNITY)


def who(name: str) -> UserRef:
    return UserRef("discord", str(MEMBERS[name][0]))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_world(tmp_path / "kenes.db") as running:
        yield running


@pytest.fixture
async def seen(world: World) -> Seen:
    cog = Seen()
    await world.app.cogs.add_cog(cog)
    return cog


async def test_a_message_becomes_message_created_with_identity_and_mentions(
    world: World, seen: Seen
) -> None:
    mentioned = {**user_payload("bob"), "member": member_payload("bob", with_user=False)}
    payload = world.message("alice", "hi <@4>", mentions=[mentioned])
    await world.gateway("MESSAGE_CREATE", payload)
    [event] = seen.of(MessageCreated)
    assert event.chat == CHAT
    assert event.message == MessageRef(CHAT, payload["id"])
    assert event.author.user == who("alice")
    assert event.author.name == "Alice"
    assert event.author.roles == ("Veteran",)
    assert event.author.platform_level is Level.MEMBER
    assert event.mentions == (who("bob"),)
    assert event.text == "hi <@4>"
    assert event.at == START
    assert event.event_id == payload["id"]


async def test_a_reply_names_the_message_and_its_author(world: World, seen: Seen) -> None:
    first = world.message("bob", "question")
    await world.gateway("MESSAGE_CREATE", first)
    reply = world.message(
        "alice",
        "answer",
        type=19,
        message_reference={"message_id": first["id"], "channel_id": str(CHANNEL_ID)},
        referenced_message=first,
    )
    await world.gateway("MESSAGE_CREATE", reply)
    event = seen.of(MessageCreated)[-1]
    assert event.reply_to == MessageRef(CHAT, first["id"])
    assert event.reply_to_author == who("bob")


async def test_moderator_permissions_show_on_the_author(world: World, seen: Seen) -> None:
    await world.gateway("MESSAGE_CREATE", world.message("mod", "hello"))
    await world.gateway("MESSAGE_CREATE", world.message("admin", "hello"))
    levels = [e.author.platform_level for e in seen.of(MessageCreated)]
    assert levels == [Level.MODERATOR, Level.ADMIN]


async def test_the_bots_own_messages_are_not_events(world: World, seen: Seen) -> None:
    await world.gateway("MESSAGE_CREATE", world.message("kenes", "I said this"))
    assert seen.events == []


async def test_an_edit_becomes_message_edited(world: World, seen: Seen) -> None:
    payload = world.message("alice", "helo")
    await world.gateway("MESSAGE_CREATE", payload)
    await world.gateway("MESSAGE_UPDATE", {**payload, "content": "hello"})
    [edit] = seen.of(MessageEdited)
    assert edit.message == MessageRef(CHAT, payload["id"])
    assert edit.text == "hello"
    assert edit.author.user == who("alice")


async def test_joins_and_leaves_happen_at_the_system_channel(world: World, seen: Seen) -> None:
    newcomer = {
        "user": {"id": "77", "username": "newbie", "discriminator": "0", "avatar": None},
        "roles": [],
        "joined_at": START.isoformat(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "guild_id": str(GUILD_ID),
    }
    await world.gateway("GUILD_MEMBER_ADD", newcomer)
    await world.gateway(
        "GUILD_MEMBER_REMOVE", {"guild_id": str(GUILD_ID), "user": newcomer["user"]}
    )
    [joined] = seen.of(MemberJoined)
    [left] = seen.of(MemberLeft)
    front_door = ChatRef("discord", str(SYSTEM_CHANNEL_ID), COMMUNITY)
    assert joined.author.user == UserRef("discord", "77")
    assert joined.chat == front_door
    assert left.author.user == UserRef("discord", "77")
    assert left.chat == front_door


async def test_reactions_added_and_removed(world: World, seen: Seen) -> None:
    base = {
        "user_id": str(MEMBERS["alice"][0]),
        "channel_id": str(CHANNEL_ID),
        "message_id": "555",
        "guild_id": str(GUILD_ID),
        "emoji": {"id": None, "name": "👍"},
        "message_author_id": str(MEMBERS["bob"][0]),
        "type": 0,
        "burst": False,
    }
    await world.gateway("MESSAGE_REACTION_ADD", {**base, "member": member_payload("alice")})
    await world.gateway("MESSAGE_REACTION_REMOVE", base)
    [added] = seen.of(ReactionAdded)
    [removed] = seen.of(ReactionRemoved)
    for event in (added, removed):
        assert event.emoji == "👍"
        assert event.message == MessageRef(CHAT, "555")
        assert event.author.user == who("alice")
        assert event.message_author == who("bob")


async def test_poll_votes_report_the_members_whole_choice(world: World, seen: Seen) -> None:
    vote = {
        "user_id": str(MEMBERS["alice"][0]),
        "channel_id": str(CHANNEL_ID),
        "message_id": "777",
        "guild_id": str(GUILD_ID),
    }
    await world.gateway("MESSAGE_POLL_VOTE_ADD", {**vote, "answer_id": 1})
    await world.gateway("MESSAGE_POLL_VOTE_ADD", {**vote, "answer_id": 3})
    await world.gateway("MESSAGE_POLL_VOTE_REMOVE", {**vote, "answer_id": 1})
    await world.gateway("MESSAGE_POLL_VOTE_REMOVE", {**vote, "answer_id": 3})
    answers = seen.of(PollAnswered)
    assert [a.options for a in answers] == [(0,), (0, 2), (2,), ()]
    changes = [(a.added, a.removed) for a in answers]
    assert changes == [(0, None), (2, None), (None, 0), (None, 2)]
    assert {a.poll_id for a in answers} == {"777"}
    assert answers[0].author.user == who("alice")
