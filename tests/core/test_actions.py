"""Capabilities: an action a platform lacks raises UnsupportedAction; refusals are explained."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.base import Adapter
from bot.adapters.console.adapter import ConsoleAdapter
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.memory import MemoryAdapter
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.config import DiscordSection
from bot.core.actions import (
    ALL_ACTIONS,
    Action,
    DeleteMessage,
    FetchFile,
    GrantRole,
    OpenThread,
    Restrict,
    RevokeRole,
    SendMessage,
    SetSlowMode,
)
from bot.core.cogs import Cog
from bot.core.commands import command
from bot.core.context import Context
from bot.core.errors import UnsupportedAction
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
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


@dataclass(frozen=True, kw_only=True)
class Unheard(Action):
    """An action no adapter has a handler for (a new one, before any platform learns it)."""

    message: MessageRef

    @property
    def platform(self) -> str:
        return self.message.chat.platform


def _adapters() -> list[Adapter]:
    return [
        MemoryAdapter(),
        ConsoleAdapter("demo", "general", out=lambda _: None),
        TelegramAdapter("123:token"),
        DiscordAdapter("token", DiscordSection(), gateway=False),
    ]


@pytest.mark.parametrize("adapter", _adapters(), ids=lambda a: a.platform)
async def test_capabilities_are_the_registered_handlers_and_nothing_else_runs(
    adapter: Adapter,
) -> None:
    assert adapter.capabilities == adapter.handlers.types
    # Threads (support tickets) are beyond the common set: Telegram's forum topics, Discord's;
    # so are files attached to commands.
    assert adapter.capabilities <= ALL_ACTIONS | {OpenThread, FetchFile}
    where = CommunityRef(adapter.platform, "1")
    action = Unheard(message=MessageRef(ChatRef(adapter.platform, "1", where), "2"))
    with pytest.raises(UnsupportedAction, match="cannot perform Unheard"):
        await adapter.execute(action)  # never a silent `ActionResult()`


def test_each_platform_declares_what_it_lacks() -> None:
    telegram = TelegramAdapter("123:token").capabilities
    # Slow-mode is emulated by the core on Telegram; Telegram groups have no roles.
    assert ALL_ACTIONS - telegram == {SetSlowMode, GrantRole, RevokeRole}
    assert DiscordAdapter("token", DiscordSection(), gateway=False).capabilities == ALL_ACTIONS | {
        OpenThread,
        FetchFile,
    }
    assert FetchFile in telegram
    assert ConsoleAdapter("demo", "general").capabilities == ALL_ACTIONS | {FetchFile}
