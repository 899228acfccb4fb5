"""Cogs may fill a pipeline slot through their host; unloading the cog empties it again."""

from __future__ import annotations

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import DeleteMessage
from bot.core.cogs import Cog
from bot.core.context import Context
from bot.core.pipeline import Handler


class Blocker(Cog):
    name = "blocker"

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        return  # swallows everything


async def test_unloading_the_moderation_cog_removes_its_stage(
    app: Kenes, memory: MemoryAdapter
) -> None:
    assert any(isinstance(a, DeleteMessage) for a in await memory.say("bob", "100% profit"))
    await app.cogs.unload_extension("cogs.moderation")
    assert await memory.say("bob", "100% profit") == []
    await app.cogs.load_extension("cogs.moderation")
    assert any(isinstance(a, DeleteMessage) for a in await memory.say("eve", "100% profit"))


async def test_a_slot_holds_one_stage_and_needs_a_loaded_cog(
    app: Kenes, memory: MemoryAdapter
) -> None:
    blocker = Blocker()
    with pytest.raises(ValueError, match="add the cog before"):
        app.cogs.install_stage(blocker, "moderation", blocker)
    await app.cogs.add_cog(blocker)
    with pytest.raises(ValueError, match="already taken"):
        app.cogs.install_stage(blocker, "moderation", blocker)
    await app.cogs.unload_extension("cogs.moderation")
    app.cogs.install_stage(blocker, "moderation", blocker)
    assert await memory.say("bob", "/ping") == []
    await app.cogs.remove_cog("blocker")
    assert len(await memory.say("bob", "/ping")) == 1
