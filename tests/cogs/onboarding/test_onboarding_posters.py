"""Where members were last seen posting: written in batches of one compiled statement.

The soak found the batch written by the message that filled it (every `FLUSH_AT` new posters),
one statement per row, each compiled anew on the event loop: 500 compilations inside one
member's message. Batches of every size must now run the same compiled statement, and keep
what a statement per row kept (an empty name or chat does not wipe the stored one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from bot.adapters.memory import MemoryAdapter
from bot.core.events import MessageCreated
from bot.core.refs import MessageRef
from cogs.onboarding.models import OnboardingMember
from cogs.onboarding.posters import FLUSH_AT
from cogs.onboarding.store import Poster
from tests.auxil.app import make_config, running_app

FLUSHES = 12


async def test_poster_batches_of_every_size_reuse_one_compiled_statement(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ["core", "onboarding"]})
    compiled: set[object] = set()
    executions = 0

    def seen(_conn: Any, _cursor: Any, statement: str, *rest: Any) -> None:
        nonlocal executions
        if statement.startswith("INSERT INTO onboarding_members "):
            executions += 1
            compiled.add(rest[1].compiled)  # kept: no id is reused

    async with running_app(tmp_path / "kenes.db", config, adapters=[memory]) as app:
        onboarding: Any = app.cogs.get("onboarding")
        event.listen(app.engine.sync_engine, "before_cursor_execute", seen)
        serial = 0
        for rows in [*range(1, FLUSHES + 1), FLUSH_AT]:  # the last batch: written by a message
            for member in range(rows):
                serial += 1
                await app.handle(
                    MessageCreated(
                        chat=memory.chat,
                        author=memory.author(f"u{rows}-{member}"),
                        at=app.clock.now(),
                        message=MessageRef(memory.chat, str(serial)),
                        text="hello there",
                        event_id=f"m{serial}",
                    )
                )
            await onboarding.flush()
        event.remove(app.engine.sync_engine, "before_cursor_execute", seen)
        async with app.services.sessions() as session:
            stored = (await session.scalars(select(OnboardingMember))).all()
    assert len(stored) == serial  # every poster written, once
    assert {row.chat_id for row in stored} == {memory.chat.id}
    # One statement per batch (executemany), not one per row; compiled at most twice (a single
    # row runs as a plain execute), whatever the batch size.
    assert executions == FLUSHES + 1, executions
    assert len(compiled) <= 2, len(compiled)


async def test_an_empty_name_or_chat_keeps_the_stored_one(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ["core", "onboarding"]})
    async with running_app(tmp_path / "kenes.db", config, adapters=[memory]) as app:
        onboarding: Any = app.cogs.get("onboarding")
        community_id = await app.services.directory.id_for(memory.chat.community)
        key = (community_id, "u1")

        async def stored() -> tuple[str, str]:
            async with app.services.sessions() as session:
                row = await session.get(OnboardingMember, key)
            assert row is not None
            return row.name, row.chat_id

        await onboarding.store.add_posters({key: Poster("Ann", "ch1")})
        assert await stored() == ("Ann", "ch1")
        await onboarding.store.add_posters({key: Poster("", "ch2")})
        assert await stored() == ("Ann", "ch2")
        await onboarding.store.add_posters({key: Poster("Bob", "")})
        assert await stored() == ("Bob", "ch2")
        await onboarding.store.add_posters({key: Poster("", "")})
        assert await stored() == ("Bob", "ch2")
