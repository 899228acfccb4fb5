"""Slash commands: generated from the core registry, synced at start, and run end to end."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord.commands import attachments, command_payload
from bot.core.cogs import Cog
from bot.core.commands import command
from bot.core.context import Context
from bot.core.events import Attachment, CommandInvoked
from bot.core.refs import UserRef
from bot.i18n import t
from tests.auxil.app import START
from tests.auxil.discord_cogs import Moderation
from tests.auxil.discord_world import (
    CHANNEL_ID,
    GUILD_ID,
    MEMBERS,
    World,
    discord_config,
    discord_world,
)
from tests.auxil.fake_discord import APPLICATION_ID, Request

BANS = rf"^/guilds/{GUILD_ID}/bans/"
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
EPHEMERAL = 64


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_world(tmp_path / "kenes.db") as running:
        await running.app.cogs.add_cog(Moderation())
        yield running


def replies(world: World) -> list[dict[str, Any]]:
    """The messages sent as interaction responses, in order."""
    return [r.json["data"] for r in world.fake.calls("POST", CALLBACK) if r.json["type"] == 4]


def synced(requests: list[Request]) -> dict[str, dict[str, Any]]:
    [put] = requests
    return {c["name"]: c for c in put.json}


async def test_commands_are_synced_globally_at_start(world: World) -> None:
    commands = synced(world.fake.calls("PUT", rf"^/applications/{APPLICATION_ID}/commands$"))
    assert {"ping", "help", "rules", "about"} <= set(commands)
    ping = commands["ping"]
    assert ping["description"] == t("en", "commands.ping.description")
    assert ping["description_localizations"] == {
        "ru": t("ru", "commands.ping.description"),
        "en-US": t("en", "commands.ping.description"),
        "en-GB": t("en", "commands.ping.description"),
    }
    assert ping["default_member_permissions"] is None
    assert ping["contexts"] == [0, 1]  # works in the bot's DMs too
    assert commands["rules"]["contexts"] == [0]  # a community's rules: guilds only


async def test_guild_sync_when_configured(tmp_path: Path) -> None:
    config = discord_config(sync_guilds=[GUILD_ID])
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        guild_put = world.fake.calls("PUT", rf"/guilds/{GUILD_ID}/commands$")
        assert "ping" in synced(guild_put)
        assert world.fake.calls("PUT", rf"^/applications/{APPLICATION_ID}/commands$") == []


async def test_typed_options_and_level_permissions(world: World) -> None:
    await world.adapter.sync_commands()
    commands = synced(world.fake.calls("PUT", r"/commands$")[-1:])
    ban = commands["ban"]
    assert [(o["name"], o["type"], o["required"]) for o in ban["options"]] == [
        ("member", 6, True),  # user option
        ("duration", 3, False),
        ("reason", 3, False),
    ]
    moderator = discord.Permissions(moderate_members=True, manage_messages=True)
    assert ban["default_member_permissions"] == str(moderator.value)
    purge = commands["purge"]
    assert purge["options"][0]["type"] == 4  # integer
    assert purge["default_member_permissions"] == str(discord.Permissions(administrator=True).value)
    member_option = ban["options"][0]
    assert set(member_option["description_localizations"]) == {"ru", "en-US", "en-GB"}


def test_kazakh_default_description_and_length_limits() -> None:
    class Kk(Cog):
        @command()
        async def ping(self, ctx: Context) -> None: ...

    spec = Kk.ping.__kenes_command__  # type: ignore[attr-defined]
    payload = command_payload(spec, "kk")
    assert payload["description"] == t("kk", "commands.ping.description")
    assert all(len(text) <= 100 for text in payload["description_localizations"].values())


def test_a_command_that_takes_files_has_an_optional_attachment_option() -> None:
    class Files(Cog):
        @command(files=True)
        async def post(self, ctx: Context, action: str) -> None: ...

    spec = Files.post.__kenes_command__  # type: ignore[attr-defined]
    options = command_payload(spec, "en")["options"]
    assert [(o["name"], o["type"], o["required"]) for o in options] == [
        ("action", 3, True),
        ("file", 11, False),  # Discord's attachment option
    ]
    assert options[1]["description"] == t("en", "commands.post.params.file")
    data = {
        "options": [
            {"name": "action", "type": 3, "value": "media"},
            {"name": "file", "type": 11, "value": "77"},
        ],
        "resolved": {
            "attachments": {
                "77": {"id": "77", "filename": "a.png", "size": 5, "url": "https://cdn/a.png"}
            }
        },
    }
    assert attachments(data) == (Attachment("https://cdn/a.png", "a.png", 5),)
    assert attachments({"options": data["options"]}) == ()  # nothing resolved: no file


async def test_a_moderators_ban_bans_and_the_reply_pings_nobody(world: World) -> None:
    await world.slash("mod", "ban", member="@bob", reason="spam")
    [ban] = world.fake.calls("PUT", BANS)
    assert ban.path.endswith(f"/{MEMBERS['bob'][0]}")
    assert ban.reason == "spam"
    [reply] = replies(world)
    assert reply["content"].startswith(f"{MEMBERS['bob'][0]} is banned")
    assert reply["allowed_mentions"] == {"parse": []}
    assert not int(reply.get("flags", 0)) & EPHEMERAL


async def test_a_members_ban_is_refused_privately_and_bans_nobody(world: World) -> None:
    await world.slash("alice", "ban", member="@bob")
    assert world.fake.calls("PUT", BANS) == []
    [reply] = replies(world)
    assert int(reply["flags"]) & EPHEMERAL
    assert reply["content"] == t("en", "core.errors.permission_moderator", name="ban")
    assert reply["content"] == "Only moderators and admins can use /ban."


async def test_a_moderator_cannot_ban_someone_of_equal_rank(world: World) -> None:
    await world.slash("mod", "ban", member="@junior")
    assert world.fake.calls("PUT", BANS) == []
    [reply] = replies(world)
    assert int(reply["flags"]) & EPHEMERAL
    assert "not below yours" in reply["content"]


async def test_a_silent_command_is_still_answered(world: World) -> None:
    await world.slash("mod", "mute", member="@alice", duration="10m")
    [patch] = world.fake.calls("PATCH", rf"/members/{MEMBERS['alice'][0]}$")
    until = (START + timedelta(minutes=10)).isoformat()
    assert patch.json == {"communication_disabled_until": until}
    [reply] = replies(world)
    assert reply["content"] == t("en", "discord.done")
    assert int(reply["flags"]) & EPHEMERAL


async def test_interaction_becomes_command_invoked_with_options(world: World) -> None:
    contexts: list[Context] = []
    original = world.app.handle

    async def spy(event: Any) -> Context:
        ctx = await original(event)
        contexts.append(ctx)
        return ctx

    world.app.handle = spy  # type: ignore[method-assign]
    link = f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/1234567890123456789"
    payload = await world.slash("admin", "purge", count=5, since=link)
    [ctx] = contexts
    event = ctx.event
    assert isinstance(event, CommandInvoked)
    assert event.interaction_id == payload["id"]
    assert event.event_id == payload["id"]
    assert event.options == {"count": "5"}
    assert event.reply_to is not None
    assert event.reply_to.id == "1234567890123456789"
    assert ctx.state["purge"] == (5, event.reply_to)


async def test_user_options_carry_the_mentioned_member(world: World) -> None:
    contexts: list[Context] = []
    original = world.app.handle

    async def spy(event: Any) -> Context:
        ctx = await original(event)
        contexts.append(ctx)
        return ctx

    world.app.handle = spy  # type: ignore[method-assign]
    await world.slash("mod", "ban", member="@bob", duration="1d")
    event = contexts[0].event
    assert isinstance(event, CommandInvoked)
    bob = UserRef("discord", str(MEMBERS["bob"][0]))
    assert event.options == {"member": bob.id, "duration": "1d"}
    assert event.mentions == (bob,)


async def test_a_slow_command_is_deferred_in_time_and_answered_by_a_follow_up(
    world: World,
) -> None:
    gate = asyncio.Event()

    class Slow(Cog):
        name = "slow"

        @command()
        async def report(self, ctx: Context) -> None:
            await gate.wait()  # still working when the answer is due
            await ctx.send_text("Here is your report.")

    await world.app.cogs.add_cog(Slow())
    world.adapter.answer_within = 0.0  # as if the 2.5 seconds had passed
    world.fake.on_request = lambda r: gate.set() if r.path.endswith("/callback") else None
    payload = await world.slash("alice", "report")
    [callback] = world.fake.calls("POST", CALLBACK)
    assert callback.json["type"] == 5  # "thinking…", privately
    assert int(callback.json["data"]["flags"]) & EPHEMERAL
    [follow_up] = world.fake.calls("POST", rf"^/webhooks/{APPLICATION_ID}/{payload['token']}$")
    assert follow_up.json["content"] == "Here is your report."
    assert follow_up.json["allowed_mentions"] == {"parse": []}


async def test_a_fast_reply_is_the_only_answer_even_when_the_deadline_races_it(
    world: World,
) -> None:
    world.adapter.answer_within = 0.0
    await world.slash("alice", "ping")
    [callback] = world.fake.calls("POST", CALLBACK)  # never a reply *and* a "thinking…"
    assert callback.json["data"]["content"] == t("en", "core.ping.reply")


async def test_every_shipped_command_is_a_valid_discord_command(tmp_path: Path) -> None:
    shipped = ("core", "moderation", "onboarding", "polls", "ama", "heroes", "digest", "content")
    config = discord_config(cogs=shipped)
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        [put] = world.fake.calls("PUT", rf"^/applications/{APPLICATION_ID}/commands$")
    commands = put.json
    names = [c["name"] for c in commands]
    assert len(names) == len(set(names)) <= 100
    assert "ban" in names  # the moderation cog's commands are there
    name_rule = re.compile(r"^[-_a-z0-9]{1,32}$")
    for c in commands:
        assert name_rule.match(c["name"]), c["name"]
        texts = [c["description"], *c["description_localizations"].values()]
        assert all(1 <= len(text) <= 100 for text in texts), c["name"]
        assert not any(text.startswith("commands.") for text in texts), c["name"]
        options = c["options"]
        assert len(options) <= 25
        required = [o["required"] for o in options]
        assert required == sorted(required, reverse=True), c["name"]  # required ones first
        for option in options:
            assert name_rule.match(option["name"]), option["name"]
            assert 1 <= len(option["description"]) <= 100
