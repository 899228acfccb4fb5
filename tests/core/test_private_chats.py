"""A private chat is not a community: its events skip the community stages and handlers, and
nothing makes it a community row, a ritual or a counter."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.core.clock import ManualClock
from bot.core.context import Context
from bot.core.events import Author, MessageCreated
from bot.core.pipeline import Handler, Pipeline
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from tests.auxil.app import START, make_config, running_app


def message(chat: ChatRef, n: int) -> MessageCreated:
    return MessageCreated(
        chat=chat,
        author=Author(UserRef("memory", "alice"), "Alice"),
        at=START,
        event_id=f"e{n}",
        message=MessageRef(chat, str(n)),
        text="hello",
        direct=chat.is_private,
    )


async def test_a_dm_reaches_only_private_stages_and_handlers(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ["core"]})
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        staged: list[str] = []
        seen: list[str] = []

        class Moderation:
            async def __call__(self, handler: Handler, ctx: Context) -> None:
                staged.append(ctx.event.chat.id)
                await handler(ctx)

        async def community_only(ctx: Context) -> None:
            seen.append(f"community:{ctx.event.chat.id}")

        async def serves_dms(ctx: Context) -> None:
            seen.append(f"dms:{ctx.event.chat.id}")

        app.pipeline.install("moderation", Moderation())
        app.dispatcher.add(MessageCreated, community_only, 10)
        app.dispatcher.add(MessageCreated, serves_dms, 10, private=True)
        dm = ChatRef("memory", "dm-alice", CommunityRef.private("memory"))
        await app.handle(message(memory.chat, 1))
        counted = app.services.activity.pending
        await app.handle(message(dm, 2))

        assert staged == ["general"]  # no moderation ladder in a DM
        assert seen == ["community:general", "dms:general", "dms:dm-alice"]
        assert counted > 0
        assert app.services.activity.pending == counted  # nothing counted for the DM
        with pytest.raises(ValueError, match="private chat has no community id"):
            await app.services.directory.id_for(dm.community)


def test_private_stages_must_be_stages() -> None:
    async def endpoint(ctx: Context) -> None:
        return None

    with pytest.raises(KeyError, match="not stages of the pipeline"):
        Pipeline(("errors", "dedupe"), endpoint, private=("moderation",))
    assert CommunityRef.private("telegram").is_private
    assert not CommunityRef("telegram", "-100").is_private
