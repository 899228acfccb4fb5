"""Apply Alembic migrations from the CLI (sync) or from running code (async, shared connection)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def version_locations() -> list[Path]:
    """The core's revisions, then every feature's `migrations/` folder: one Alembic history.

    Each revision names its `down_revision`, so the order is readable from the files whichever
    folder they sit in; `tests/test_migrations.py` keeps the history at a single head.
    """
    from bot.core.features import feature_dirs

    features = [d / "migrations" for d in feature_dirs() if (d / "migrations").is_dir()]
    return [MIGRATIONS_DIR / "versions", *features]


def alembic_config(url: str | None = None, connection: Connection | None = None) -> AlembicConfig:
    """An Alembic config pointing at `migrations/`, for a URL or an open connection."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Paths may hold spaces; the OS path separator cannot appear inside one.
    cfg.set_main_option("path_separator", "os")
    locations = os.pathsep.join(str(p) for p in version_locations())
    cfg.set_main_option("version_locations", locations.replace("%", "%%"))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (blocking; call outside an event loop)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "-1") -> None:
    """Step the database at `url` back to `revision` (blocking)."""
    command.downgrade(alembic_config(url), revision)


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations through an engine from inside a running event loop."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(connection=sync), revision))


async def downgrade_engine(engine: AsyncEngine, revision: str) -> None:
    """Step back through an engine from inside a running event loop."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.downgrade(alembic_config(connection=sync), revision)
        )
