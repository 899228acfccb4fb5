"""Discord permissions and configured role names map to Kenes levels."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.adapters.discord.roles import level_of, outranks
from bot.config import DiscordSection
from bot.core.permissions import Level
from tests.auxil.discord_cogs import Moderation
from tests.auxil.discord_world import discord_config, discord_world


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("owner", Level.ADMIN),  # the owner has every permission
        ("admin", Level.ADMIN),  # administrator
        ("mod", Level.MODERATOR),  # moderate/kick/ban/manage messages
        ("alice", Level.MEMBER),
        ("helper", Level.MEMBER),  # a role without rights, not configured
    ],
)
async def test_permissions_map_to_levels(tmp_path: Path, name: str, level: Level) -> None:
    async with discord_world(tmp_path / "kenes.db") as world:
        assert level_of(world.member(name), DiscordSection()) is level


@pytest.mark.parametrize(
    ("permission", "level"),
    [
        ("manage_guild", Level.ADMIN),
        ("moderate_members", Level.MODERATOR),
        ("kick_members", Level.MODERATOR),
        ("ban_members", Level.MODERATOR),
        ("manage_messages", Level.MODERATOR),
        ("send_messages", Level.MEMBER),
    ],
)
async def test_each_permission_counts(tmp_path: Path, permission: str, level: Level) -> None:
    async with discord_world(tmp_path / "kenes.db") as world:
        extra = discord.Permissions(**{permission: True})
        assert level_of(world.member("alice"), DiscordSection(), extra) is level


async def test_configured_role_names_grant_levels(tmp_path: Path) -> None:
    section = DiscordSection(moderator_roles=("helpers",), admin_roles=("Elders",))
    async with discord_world(tmp_path / "kenes.db") as world:
        assert level_of(world.member("helper"), section) is Level.MODERATOR
        assert level_of(world.member("elder"), section) is Level.ADMIN
        assert level_of(world.member("alice"), section) is Level.MEMBER


async def test_a_configured_moderator_role_can_use_moderator_commands(tmp_path: Path) -> None:
    config = discord_config(moderator_roles=["Helpers"])
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.app.cogs.add_cog(Moderation())
        await world.slash("helper", "ban", member="@bob")
        assert len(world.fake.calls("PUT", r"/bans/")) == 1


def test_hierarchy_rule(world_members: dict[str, discord.Member]) -> None:
    m = world_members
    assert outranks(m["owner"], m["admin"])  # the owner outranks everyone
    assert not outranks(m["admin"], m["owner"])  # nobody acts on the owner
    assert outranks(m["kenes"], m["mod"])
    assert not outranks(m["kenes"], m["elder"])  # above the bot's role
    assert not outranks(m["mod"], m["junior"])  # same role: equal is not enough


@pytest.fixture
async def world_members(tmp_path: Path) -> dict[str, discord.Member]:
    async with discord_world(tmp_path / "kenes.db") as world:
        return {
            name: world.member(name)
            for name in ("owner", "admin", "kenes", "mod", "elder", "junior")
        }
