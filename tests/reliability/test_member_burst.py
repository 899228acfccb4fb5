"""A burst of 20,000 new members: counters are written in short transactions, nothing locks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.activity import COUNT_CHUNK, FLUSH_CHUNK
from bot.adapters.memory import MemoryAdapter
from bot.core.clock import ManualClock
from bot.core.events import MemberJoined
from bot.db.models import Member
from tests.auxil.app import running_app

BURST = 20_000


@contextmanager
def statements_per_transaction(engine: AsyncEngine) -> Iterator[list[int]]:
    """Count the statements of each transaction on `engine` (one entry per commit)."""
    counts: list[int] = []
    open_: dict[int, int] = {}

    def begin(conn: Any) -> None:
        open_[id(conn)] = 0

    def executed(conn: Any, *_: Any) -> None:
        if id(conn) in open_:
            open_[id(conn)] += 1

    def commit(conn: Any) -> None:
        counts.append(open_.pop(id(conn), 0))

    sync = engine.sync_engine
    hooks = (("begin", begin), ("after_cursor_execute", executed), ("commit", commit))
    for name, hook in hooks:
        event.listen(sync, name, hook)
    try:
        yield counts
    finally:
        for name, hook in hooks:
            event.remove(sync, name, hook)


async def test_twenty_thousand_new_members_are_written_in_short_transactions(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    memory = MemoryAdapter()
    async with running_app(tmp_path / "kenes.db", adapters=[memory], clock=clock) as app:
        for n in range(BURST):
            author = memory.author(f"m{n}")
            await app.handle(MemberJoined(chat=memory.chat, author=author, at=clock.now()))
        # Each join is a member row and a ledger row (the day's "joins"), both pending.
        assert app.services.activity.pending == 2 * BURST

        other_writes = 0

        async def another_writer() -> None:
            # What failed under the old one-transaction flush: the scheduler's own writes.
            nonlocal other_writes
            for n in range(40):
                await app.scheduler.schedule(
                    "test.noop", clock.now() + timedelta(days=1), key=f"w{n}"
                )
                other_writes += 1

        with caplog.at_level(logging.WARNING), statements_per_transaction(app.engine) as counts:
            written, _ = await asyncio.gather(app.services.activity.flush(), another_writer())

        assert written == 2 * BURST
        assert other_writes == 40
        assert app.services.activity.pending == 0
        # One short transaction per chunk at least, members then ledger rows.
        assert len(counts) >= BURST // FLUSH_CHUNK + BURST // COUNT_CHUNK
        assert max(counts) <= 4  # a chunk is one multi-row statement, never one per member
        assert "database is locked" not in caplog.text
        async with app.services.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(Member))
        assert stored == BURST
