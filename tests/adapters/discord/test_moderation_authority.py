"""Whose rank a moderation action carries on Discord, and what a refused action leaves behind."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.adapters.discord.markup import plain
from cogs.moderation.models import ModCase
from tests.auxil.app import make_config
from tests.auxil.discord_world import GUILD_ID, MEMBERS, discord_world

EPHEMERAL = 64


async def test_a_refused_ban_is_recorded_as_refused_and_not_announced(tmp_path: Path) -> None:
    config = make_config(bot={"cogs": ["core", "moderation"]})
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        # Elders rank above the moderator (and above Kenes): Discord would refuse the ban.
        await world.slash("mod", "ban", member="@elder", reason="spam")
        assert world.fake.calls("PUT", rf"^/guilds/{GUILD_ID}/bans/") == []
        async with world.app.services.sessions() as session:
            [case] = list(await session.scalars(select(ModCase)))
        assert case.action == "ban"
        assert case.refused
        replies = [
            r.json.get("data", r.json)
            for r in world.fake.requests
            if r.method == "POST" and ("/callback" in r.path or "/webhooks/" in r.path)
        ]
        texts = [plain(r.get("content", "")) for r in replies]
        assert not any(text.startswith("Case #") for text in texts), texts
        [refused] = [r for r in replies if "Not done" in plain(r.get("content", ""))]
        assert int(refused.get("flags", 0)) & EPHEMERAL
        posted = [
            plain(r.json["content"])
            for r in world.fake.requests
            if r.method == "POST" and r.path.endswith("/messages")
        ]
        assert not any("is banned" in text for text in posted)


async def test_automatic_moderation_in_a_slash_command_acts_as_the_bot(tmp_path: Path) -> None:
    config = make_config(bot={"cogs": ["core", "moderation"]})
    alice = MEMBERS["alice"][0]
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        for _ in range(7):  # the seventh command in ten seconds crosses the flood limit
            await world.slash("alice", "ping")
        [timeout] = world.fake.calls("PATCH", rf"^/guilds/{GUILD_ID}/members/{alice}$")
        assert timeout.json["communication_disabled_until"] is not None
