"""Migration 0005 matches the onboarding and polls models and steps down and up cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

import bot.db.models
import bot.db.models_onboarding
import bot.db.models_polls  # noqa: F401
from bot.db.base import Base
from bot.db.engine import make_engine
from bot.db.migrate import downgrade_engine, upgrade_engine

OURS = {"onboarding_members", "onboarding_raid", "polls", "poll_votes"}


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migration_matches_models_and_cycles(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_tables) >= OURS
        await downgrade_engine(engine, "0001")
        async with engine.connect() as conn:
            assert not (await conn.run_sync(_tables)) & OURS
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) >= OURS
    finally:
        await engine.dispose()
