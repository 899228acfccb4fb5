"""Replies on Discord name members by their display name, never by their user id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.adapters.discord.markup import plain
from tests.auxil.discord_world import World, discord_config, discord_world


def contents(world: World) -> list[str]:
    """Every text the bot sent: interaction answers, follow-ups and channel messages."""
    texts = []
    for request in world.fake.requests:
        body: Any = request.json
        if request.method not in ("POST", "PATCH") or not isinstance(body, dict):
            continue
        data = body.get("data") if isinstance(body.get("data"), dict) else body
        if isinstance(data, dict) and data.get("content"):
            texts.append(plain(str(data["content"])))  # as Discord shows it, unescaped
    return texts


async def test_a_case_reply_names_the_member_not_their_id(tmp_path: Path) -> None:
    config = discord_config(cogs=("core", "moderation"))
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.slash("mod", "ban", member="@bob", reason="2h spam")  # bob never spoke
        texts = contents(world)
        assert "Case #1: Bob: ban for 2 hours." in texts, texts
        assert not any("1300000000000000003" in t or ": 4:" in t for t in texts)


async def test_thanks_names_the_member_not_a_number(tmp_path: Path) -> None:
    config = discord_config(cogs=("core", "heroes"))
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.slash("alice", "thanks", member="@bob", reason="for the tip")
        texts = contents(world)
        assert any(t.startswith("Alice thanks Bob") for t in texts), texts
