"""The batch writes behind the message path compile their statements once.

The soak's p99 (25-32 ms at 200 messages/s) came from these flushes: each wrote one multi-row
VALUES statement, which SQLAlchemy compiles anew for every flush on the event loop (65 ms for
200 rows of 3 columns, 285 ms for 200 rows of 18, measured under load), so a message arriving
then waited for it. Flushes of 1, 2, ... 40 rows must now run the same few compiled statements.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot.adapters.memory import MemoryAdapter
from bot.core.events import MessageCreated
from bot.core.refs import MessageRef
from tests.auxil.app import make_config, running_app

FLUSHES = 40
BATCH_TABLES = ("activity_counters", "members", "deliveries", "mod_recent_messages", "event_writes")


async def test_flushes_of_every_size_reuse_one_compiled_statement_each(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ["core", "moderation"]})
    compiled: dict[str, set[object]] = {table: set() for table in BATCH_TABLES}

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        context = _[1]
        for table in BATCH_TABLES:
            if statement.startswith(f"INSERT INTO {table} "):
                compiled[table].add(context.compiled)  # kept: no id is reused

    async with running_app(tmp_path / "kenes.db", config, adapters=[memory]) as app:
        recent = app.cogs.get("moderation").recent  # type: ignore[union-attr]
        event.listen(app.engine.sync_engine, "before_cursor_execute", seen)
        serial = 0
        for rows in range(1, FLUSHES + 1):
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
            assert await app.services.activity.flush() > 0
            assert await app.dedupe.flush() == rows
            await recent.flush()
        event.remove(app.engine.sync_engine, "before_cursor_execute", seen)
    counts = {table: len(found) for table, found in compiled.items()}
    print(f"compiled statements over {FLUSHES} flushes of 1..{FLUSHES} rows: {counts}")
    assert all(counts.values()), counts  # each batch write ran
    # One compiled statement each (two: a single row runs as a plain execute), whatever the
    # size; a statement per flush before.
    assert max(counts.values()) <= 2, counts
