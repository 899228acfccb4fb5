"""Pipeline order, empty slots, the dispatcher's priority groups and the stop signal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import PIPELINE_STAGES, Kenes
from bot.core.cogs import Cog, listen
from bot.core.context import Context
from bot.core.dispatch import StopPropagation
from bot.core.events import Author, MessageCreated
from bot.core.pipeline import Handler, Pipeline
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef


class Recorder:
    def __init__(self, name: str, log: list[str], stop: bool = False) -> None:
        self.name, self.log, self.stop = name, log, stop

    async def __call__(self, handler: Handler, ctx: Context) -> None:
        self.log.append(f"{self.name}>")
        if not self.stop:
            await handler(ctx)
        self.log.append(f"<{self.name}")


async def test_stages_wrap_each_other_in_declared_order(app: Kenes) -> None:
    log: list[str] = []

    async def endpoint(ctx: Context) -> None:
        log.append("endpoint")

    pipeline = Pipeline(("a", "b", "c"), endpoint)
    pipeline.install("c", Recorder("c", log))
    pipeline.install("a", Recorder("a", log))
    await pipeline(app.context_for(_message(app)))
    assert log == ["a>", "c>", "endpoint", "<c", "<a"], "empty slot b must pass through"


async def test_a_stage_that_does_not_call_on_ends_the_event(app: Kenes) -> None:
    log: list[str] = []

    async def endpoint(ctx: Context) -> None:
        log.append("endpoint")

    pipeline = Pipeline(("a", "b"), endpoint)
    pipeline.install("a", Recorder("a", log, stop=True))
    pipeline.install("b", Recorder("b", log))
    await pipeline(app.context_for(_message(app)))
    assert log == ["a>", "<a"]


def test_unknown_or_taken_stage_is_refused() -> None:
    async def endpoint(ctx: Context) -> None:
        return None

    pipeline = Pipeline(("a",), endpoint)
    with pytest.raises(KeyError, match="no pipeline stage 'zzz'"):
        pipeline.install("zzz", Recorder("x", []))
    pipeline.install("a", Recorder("x", []))
    with pytest.raises(ValueError, match="already taken"):
        pipeline.install("a", Recorder("y", []))


def test_the_app_pipeline_order_is_errors_dedupe_moderation_activity() -> None:
    assert PIPELINE_STAGES == ("errors", "dedupe", "moderation", "backlog", "activity", "admission")


class Groups(Cog):
    name = "groups"

    def __init__(self) -> None:
        self.log: list[str] = []

    @listen(MessageCreated, group=5)
    async def late(self, ctx: Context) -> None:
        self.log.append("late")

    @listen(MessageCreated, group=-5)
    async def early(self, ctx: Context) -> None:
        self.log.append("early")
        if isinstance(ctx.event, MessageCreated) and ctx.event.text == "stop":
            raise StopPropagation

    @listen(MessageCreated, group=0)
    async def middle(self, ctx: Context) -> None:
        self.log.append("middle")


async def test_groups_run_lowest_first_and_stop_propagation_ends_dispatch(
    app: Kenes, memory: MemoryAdapter
) -> None:
    cog = Groups()
    await app.cogs.add_cog(cog)
    await memory.say("alice", "hello")
    assert cog.log == ["early", "middle", "late"]
    cog.log.clear()
    await memory.say("alice", "stop")
    assert cog.log == ["early"]


async def test_a_failing_handler_is_contained_and_later_events_still_run(
    app: Kenes, memory: MemoryAdapter
) -> None:
    class Broken(Cog):
        name = "broken"

        @listen(MessageCreated)
        async def explode(self, ctx: Context) -> None:
            raise RuntimeError("boom")

    await app.cogs.add_cog(Broken())
    await memory.say("alice", "first")
    actions = await memory.say("alice", "/ping")
    assert len(actions) == 1


async def test_a_redelivered_event_is_handled_once(app: Kenes, memory: MemoryAdapter) -> None:
    cog = Groups()
    await app.cogs.add_cog(cog)
    event = _message(app, event_id="update-7")
    await app.handle(event)
    await app.handle(event)
    assert cog.log == ["early", "middle", "late"]


def _message(app: Kenes, event_id: str | None = None) -> MessageCreated:
    community = CommunityRef("memory", "c1")
    chat = ChatRef("memory", "general", community)
    return MessageCreated(
        chat=chat,
        author=Author(user=UserRef("memory", "alice"), name="Alice"),
        at=datetime(2026, 1, 5, tzinfo=UTC),
        event_id=event_id,
        message=MessageRef(chat, "1"),
        text="hi",
    )
