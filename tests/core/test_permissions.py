"""Permission levels are checked in the core and fail closed, on every adapter."""

from __future__ import annotations

import io
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.adapters.memory import MemoryAdapter
from bot.core.actions import SendMessage
from bot.core.cogs import Cog
from bot.core.commands import command
from bot.core.context import Context
from bot.core.permissions import Level
from bot.core.refs import UserRef
from tests.auxil.app import make_config, running_app


class Guarded(Cog):
    name = "guarded"

    def __init__(self) -> None:
        self.calls: list[str] = []

    @command(level=Level.MODERATOR)
    async def lockdown(self, ctx: Context) -> None:
        self.calls.append(f"lockdown by {ctx.actor.user.id}")
        await ctx.send_text("locked")

    @command(level=Level.ADMIN)
    async def wipe(self, ctx: Context) -> None:
        self.calls.append(f"wipe by {ctx.actor.user.id}")


async def test_member_is_refused_a_moderator_command_with_a_private_reason(
    tmp_path: Path,
) -> None:
    memory = MemoryAdapter()
    async with running_app(tmp_path / "k.db", adapters=[memory]) as app:
        cog = Guarded()
        await app.cogs.add_cog(cog)
        refusal = (await memory.say("mallory", "/lockdown"))[0]
        assert isinstance(refusal, SendMessage)
        assert refusal.ephemeral_to == UserRef("memory", "mallory")
        assert "moderator" in refusal.text
        assert cog.calls == []
        await memory.say("mod", "/lockdown", level=Level.MODERATOR)
        await memory.say("mod", "/wipe", level=Level.MODERATOR)
        await memory.say("boss", "/wipe", level=Level.ADMIN)
        assert cog.calls == ["lockdown by mod", "wipe by boss"]


async def test_config_lists_grant_levels_on_top_of_the_platform(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    config = make_config(permissions={"moderators": ["memory:carol"], "admins": ["memory:dana"]})
    async with running_app(tmp_path / "k.db", config=config, adapters=[memory]) as app:
        cog = Guarded()
        await app.cogs.add_cog(cog)
        await memory.say("carol", "/lockdown")
        await memory.say("carol", "/wipe")
        await memory.say("dana", "/wipe")
        assert cog.calls == ["lockdown by carol", "wipe by dana"]


async def test_a_user_id_on_another_platform_grants_nothing(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    config = make_config(permissions={"admins": ["console:erin"]})
    async with running_app(tmp_path / "k.db", config=config, adapters=[memory]) as app:
        cog = Guarded()
        await app.cogs.add_cog(cog)
        await memory.say("erin", "/wipe")
        assert cog.calls == []


async def test_console_member_is_refused_and_moderator_allowed(tmp_path: Path) -> None:
    out: list[str] = []
    console = ConsoleAdapter("demo", "general", out=out.append)
    async with running_app(tmp_path / "k.db", adapters=[console]) as app:
        cog = Guarded()
        await app.cogs.add_cog(cog)
        lines = ["bob: /lockdown", "alice is moderator", "alice: /lockdown"]
        assert await replay(console, lines, errors=io.StringIO()) == 0
    assert cog.calls == ["lockdown by alice"]
    assert any("only bob sees it" in line and "moderator" in line for line in out)


async def test_level_of_someone_combines_the_platform_and_the_config(tmp_path: Path) -> None:
    from bot.core.refs import CommunityRef

    memory = MemoryAdapter()
    config = make_config(permissions={"admins": ["memory:dana"]})
    async with running_app(tmp_path / "k.db", config=config, adapters=[memory]) as app:
        await memory.say("mod", "hi", level=Level.MODERATOR)
        here = memory.community
        assert await app.level_of(here, memory.user("mod")) == Level.MODERATOR
        assert await app.level_of(here, memory.user("dana")) == Level.ADMIN
        assert await app.level_of(here, memory.user("stranger")) == Level.MEMBER
        elsewhere = CommunityRef("nowhere", "1")
        assert await app.level_of(elsewhere, UserRef("nowhere", "x")) is None
