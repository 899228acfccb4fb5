"""The rituals' tables: the migration creates what the models declare, and goes back down."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

import bot.db.models
import bot.db.models_rituals  # noqa: F401  (registers the rituals' tables)
from bot.db.base import Base
from bot.db.engine import make_engine
from bot.db.migrate import downgrade_engine, upgrade_engine

RITUAL_TABLES = {
    "ama_sessions",
    "ama_questions",
    "ama_askers",
    "ama_votes",
    "hero_signals",
    "hero_weeks",
    "digest_state",
    "digest_issues",
}


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_models_and_migration_do_not_drift(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'drift.db'}")
    try:
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
            tables = await conn.run_sync(_tables)
        assert tables >= RITUAL_TABLES
        assert diff == []
        await downgrade_engine(engine, "0001")
        async with engine.connect() as conn:
            left = await conn.run_sync(_tables)
        assert not (RITUAL_TABLES & left)
    finally:
        await engine.dispose()
