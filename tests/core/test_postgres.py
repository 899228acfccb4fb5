"""The same models, migrations and upserts on PostgreSQL (asyncpg), when a server is available.

`make test` starts a throwaway server (scripts/with-postgres) and sets KENES_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters.memory import MemoryAdapter
from bot.core.clock import ManualClock
from bot.db.models import ActivityCounter, Community
from bot.scheduler import JobRun
from tests.auxil.app import START, running_app
from tests.core.test_migrations import assert_migrations_match_and_cycle

HOW_TO_GET_ONE = "set KENES_TEST_POSTGRES_URL or run `make test`, which starts one"
ADMIN_URL = os.environ.get("KENES_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(
    not ADMIN_URL,
    reason="no PostgreSQL: " + os.environ.get("KENES_TEST_POSTGRES_SKIP", HOW_TO_GET_ONE),
)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    name = f"kenes_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_migrations_cycle_and_match_the_models(pg_url: str) -> None:
    await assert_migrations_match_and_cycle(pg_url)


async def test_the_app_runs_on_postgres(pg_url: str) -> None:
    memory = MemoryAdapter()
    clock = ManualClock(START)
    async with running_app(pg_url, adapters=[memory], clock=clock) as app:
        reply = await memory.say("alice", "/ping")
        assert "Pong" in getattr(reply[0], "text", "")
        for _ in range(3):
            await memory.say("alice", "hello")
        await app.services.activity.flush()
        await memory.say("alice", "again")
        await app.services.activity.flush()
        async with app.services.sessions() as session:
            counter = (await session.scalars(select(ActivityCounter))).one()
            communities = await session.scalar(select(func.count()).select_from(Community))
        assert counter.messages == 4
        assert counter.commands == 1
        assert communities == 1

        runs: list[str] = []

        async def note(run: JobRun) -> None:
            runs.append(str(run.payload["n"]))

        app.scheduler.register("pg.note", note)
        await app.scheduler.schedule("pg.note", START + timedelta(hours=1), {"n": 1}, key="k")
        await app.scheduler.schedule("pg.note", START + timedelta(hours=2), {"n": 2}, key="k")
        await app.advance(timedelta(hours=3))
        assert runs == ["2"]
