"""The admission stage: features' policies decide, before any handler, whether a member may
speak, vote or press; a refusal ends the event; a cog's policies leave with the cog."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.app import PIPELINE_STAGES, Kenes
from bot.core.actions import SendMessage
from bot.core.admission import admission
from bot.core.clock import ManualClock
from bot.core.cogs import Cog, listen
from bot.core.context import Context
from bot.core.events import ButtonPressed, MessageCreated
from bot.core.permissions import Level
from tests.auxil.app import START, make_config, running_app


class Quiet(Cog):
    """Refuses every message of `eve`; records what it was asked and what handlers saw."""

    name = "quiet"

    def __init__(self, log: list[str]) -> None:
        self.log = log

    @admission(MessageCreated)
    async def no_eve(self, ctx: Context) -> bool:
        self.log.append(f"quiet:{ctx.actor.user.id}")
        return ctx.actor.user.id != "eve"

    @listen(MessageCreated, group=-100)
    async def first_handler(self, ctx: Context[MessageCreated]) -> None:
        assert ctx.event.text  # typed by the Context's parameter: no isinstance needed
        self.log.append(f"handler:{ctx.actor.user.id}")


class Second(Cog):
    name = "second"

    def __init__(self, log: list[str]) -> None:
        self.log = log

    @admission(MessageCreated, ButtonPressed)
    async def everyone(self, ctx: Context) -> bool:
        self.log.append(f"second:{ctx.actor.user.id}")
        return True


def test_admission_is_the_last_stage_before_the_handlers() -> None:
    assert PIPELINE_STAGES[-1] == "admission"
    assert PIPELINE_STAGES.index("activity") < PIPELINE_STAGES.index("admission")


async def test_a_refusal_ends_the_event_before_any_handler(
    app: Kenes, memory: MemoryAdapter
) -> None:
    log: list[str] = []
    await app.cogs.add_cog(Quiet(log))
    await app.cogs.add_cog(Second(log))
    await memory.say("bob", "hello")
    assert log == ["quiet:bob", "second:bob", "handler:bob"]  # in load order, then handlers
    log.clear()
    refused = app.admission.refused
    await memory.say("eve", "hello")
    assert log == ["quiet:eve"]  # neither the later policy nor a group -100 handler saw it
    assert app.admission.refused == refused + 1
    log.clear()
    await memory.press("eve", "vote:1")
    assert log == ["second:eve"]  # a policy is asked only for the events it names


async def test_unloading_a_cog_takes_its_policies_away(app: Kenes, memory: MemoryAdapter) -> None:
    log: list[str] = []
    await app.cogs.add_cog(Quiet(log))
    await app.cogs.remove_cog("quiet")
    assert len(await memory.say("eve", "/ping")) == 1
    await memory.say("eve", "hello")
    assert log == []


async def test_a_feature_switched_off_in_a_community_admits_everyone(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    config = make_config(
        communities={str(memory.community): {"features_off": ["quiet"]}},
    )
    async with running_app(
        tmp_path / "k.db", config, adapters=[memory], clock=ManualClock(START)
    ) as app:
        log: list[str] = []
        await app.cogs.add_cog(Quiet(log))
        await app.cogs.add_cog(Second(log))
        await memory.say("eve", "hello")
        assert log == ["second:eve"]  # quiet's policy was not asked; the event went on
        assert app.admission.refused == 0


async def test_a_muted_member_cannot_vote_and_a_gated_one_cannot_speak(tmp_path: Path) -> None:
    """The shipped policies: moderation's mute and onboarding's gate refuse at admission."""
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ["core", "moderation", "onboarding"]})
    clock = ManualClock(START)
    async with running_app(tmp_path / "k.db", config, adapters=[memory], clock=clock) as app:
        eve = memory.user("eve")
        await memory.say("mod", "/mute @eve 10m rude", level=Level.MODERATOR, mentions=(eve,))
        refused = app.admission.refused
        assert await memory.press("eve", "poll:1:0") == []
        assert app.admission.refused == refused + 1
        await memory.join("newbie")  # the shipped onboarding gate holds a new member
        memory.clear()
        actions = await memory.say("newbie", "/ping")
        assert app.admission.refused == refused + 2
        assert not any(isinstance(a, SendMessage) and "Pong" in a.text for a in actions)
