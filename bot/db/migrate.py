"""Apply Alembic migrations from the CLI (sync) or from running code (async, shared connection)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.errors import KenesError

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def version_locations() -> list[Path]:
    """The core's revisions, then every feature's `migrations/` folder: one Alembic history.

    Each revision names its `down_revision`, so the order is readable from the files whichever
    folder they sit in; `tests/core/test_migrations.py` keeps the history at a single head.
    """
    from bot.core.discovery import feature_dirs

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


class SchemaMismatch(KenesError):
    """The database's schema is not the one this code was written for."""


def head_revision() -> str:
    """The newest revision this code knows."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    # One head is kept on purpose (tests check it); several would make "newest" ambiguous.
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return heads[0]


def _current(sync: Connection) -> str | None:
    heads = MigrationContext.configure(sync).get_current_heads()
    return heads[0] if heads else None


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def check_schema(engine: AsyncEngine, *, upgrade_older: bool) -> None:
    """Refuse to run on a schema other than this code's, saying what to run.

    With `upgrade_older` (one process on SQLite, where nobody else can be using the file at an
    older schema) an older schema is migrated here instead. With several instances sharing a
    PostgreSQL database, migrating is a deploy step (`kenes db upgrade`, once), never something
    each instance does at start, racing the others.
    """
    head = head_revision()
    current = await current_revision(engine)
    if current == head:
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = current is None or current in {rev.revision for rev in script.walk_revisions()}
    if not known:
        raise SchemaMismatch(
            f"the database schema is at revision {current}, newer than this Kenes (which knows "
            f"up to {head}): run the newer Kenes, or step the database back with the newer "
            f"version's `kenes db downgrade {head}`"
        )
    if upgrade_older:
        await upgrade_engine(engine)
        return
    # Revision ids are names, not an order ("0025 older than 0020" reads as a mistake):
    # say how many steps behind it is.
    behind = len(list(script.iterate_revisions(head, current)))
    steps = f"{behind} revision{'' if behind == 1 else 's'} behind"
    raise SchemaMismatch(
        f"the database schema is at revision {current or '(empty)'}, {steps} this Kenes "
        f"(at {head}): run `kenes db upgrade` once (a deploy step), then start the instances"
    )
