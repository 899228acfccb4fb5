"""Cog registry: load and unload, and a failed load rolls back everything it registered."""

from __future__ import annotations

import sys
import types

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.cogs import Cog, CogHost, listen
from bot.core.commands import command
from bot.core.context import Context
from bot.core.events import MessageCreated


class Flaky(Cog):
    name = "flaky"

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.seen: list[str] = []

    @command()
    async def flaky(self, ctx: Context) -> None:
        await ctx.send_text("flaky here")

    @listen(MessageCreated)
    async def watch(self, ctx: Context) -> None:
        self.seen.append("message")

    async def load(self) -> None:
        if self.fail:
            raise RuntimeError("database not reachable")


async def test_failed_load_leaves_no_command_or_listener(app: Kenes, memory: MemoryAdapter) -> None:
    broken = Flaky(fail=True)
    with pytest.raises(RuntimeError, match="not reachable"):
        await app.cogs.add_cog(broken)
    assert app.commands.get("flaky") is None
    await memory.say("alice", "hello")
    assert broken.seen == []
    assert "flaky" not in app.cogs.names
    working = Flaky(fail=False)
    await app.cogs.add_cog(working)
    await memory.say("alice", "hello")
    assert working.seen == ["message"]


async def test_unload_removes_commands_and_listeners(app: Kenes, memory: MemoryAdapter) -> None:
    cog = Flaky(fail=False)
    await app.cogs.add_cog(cog)
    await app.cogs.remove_cog("flaky")
    reply = (await memory.say("alice", "/flaky"))[0]
    await memory.say("alice", "hello")
    assert cog.seen == []
    assert "don't know" in getattr(reply, "text", "")


async def test_extension_whose_setup_fails_midway_is_rolled_back(app: Kenes) -> None:
    module = types.ModuleType("cogs_test_half")

    async def setup(host: CogHost) -> None:
        await host.add_cog(Flaky(fail=False))
        raise RuntimeError("second cog failed")

    module.setup = setup  # type: ignore[attr-defined]
    sys.modules["cogs_test_half"] = module
    try:
        with pytest.raises(RuntimeError, match="second cog failed"):
            await app.cogs.load_extension("cogs_test_half")
    finally:
        del sys.modules["cogs_test_half"]
    assert "flaky" not in app.cogs.names
    assert app.commands.get("flaky") is None


async def test_two_cogs_cannot_claim_one_command(app: Kenes) -> None:
    await app.cogs.add_cog(Flaky(fail=False))

    class Other(Flaky):
        name = "other"

    with pytest.raises(ValueError, match="already registered"):
        await app.cogs.add_cog(Other(fail=False))
    assert "other" not in app.cogs.names
