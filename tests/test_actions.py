"""Capabilities: an action a platform lacks raises UnsupportedAction; refusals are explained."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import ALL_ACTIONS, DeleteMessage, Restrict, SendMessage, SetSlowMode
from bot.core.cogs import Cog
from bot.core.commands import command
from bot.core.context import Context
from bot.core.errors import UnsupportedAction
from bot.core.permissions import Level
from bot.core.refs import MessageRef, UserRef
from tests.auxil.app import running_app


class Slow(Cog):
    name = "slow"

    def __init__(self) -> None:
        self.native: list[bool] = []

    @command(level=Level.MODERATOR)
    async def slow(self, ctx: Context, seconds: int) -> None:
        self.native.append(ctx.supports(SetSlowMode))
        await ctx.act(SetSlowMode(chat=ctx.event.chat, seconds=seconds))

    @command(level=Level.MODERATOR)
    async def hush(self, ctx: Context, member: UserRef) -> None:
        await ctx.act(
            Restrict(community=ctx.community.ref, user=member, duration=timedelta(minutes=5))
        )


async def test_unsupported_action_raises_a_clear_error(tmp_path: Path) -> None:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SetSlowMode})
    async with running_app(tmp_path / "k.db", adapters=[memory]) as app:
        with pytest.raises(UnsupportedAction, match="memory adapter cannot perform SetSlowMode"):
            await app.execute(SetSlowMode(chat=memory.chat, seconds=30))


async def test_a_command_hitting_an_unsupported_action_tells_the_moderator(
    tmp_path: Path,
) -> None:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SetSlowMode})
    async with running_app(tmp_path / "k.db", adapters=[memory]) as app:
        cog = Slow()
        await app.cogs.add_cog(cog)
        reply = (await memory.say("mod", "/slow 30", level=Level.MODERATOR))[0]
    assert cog.native == [False]
    assert isinstance(reply, SendMessage)
    assert "SetSlowMode" in reply.text


async def test_a_refused_action_is_explained_and_the_bot_goes_on(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    memory.refuse[Restrict] = "the bot lacks the right to restrict members"
    async with running_app(tmp_path / "k.db", adapters=[memory]) as app:
        await app.cogs.add_cog(Slow())
        bob = memory.user("bob")
        reply = (await memory.say("mod", "/hush @bob", level=Level.MODERATOR, mentions=(bob,)))[0]
        assert isinstance(reply, SendMessage)
        assert "lacks the right to restrict" in reply.text
        assert (await memory.say("alice", "/ping"))[0]


async def test_unknown_platform_is_unsupported(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    async with running_app(tmp_path / "k.db", adapters=[memory]) as app:
        other = MessageRef(memory.channel("x").__class__("nowhere", "x", memory.community), "1")
        with pytest.raises(UnsupportedAction):
            await app.execute(DeleteMessage(message=other))
