"""Engine and session factory: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.core.errors import KenesError

BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a batch is written; foreign keys are off by default in SQLite;
    # the busy timeout turns a briefly locked database into a short wait instead of an error.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; SQLite connections get the pragmas above."""
    engine = create_async_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """One session per event or job, never shared across tasks."""
    return async_sessionmaker(engine, expire_on_commit=False)


class DatabaseUnavailable(KenesError):
    """The configured database cannot be opened or reached."""


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "")


def _check_sqlite_path(path: Path) -> None:
    # SQLite only says "unable to open database file"; name the folder and what is wrong with it.
    folder = path.parent
    if not folder.exists():
        raise DatabaseUnavailable(
            f"cannot open the database {path}: folder {folder} does not exist"
        )
    if not folder.is_dir():
        raise DatabaseUnavailable(f"cannot open the database {path}: {folder} is not a folder")
    # WAL mode writes `-wal` and `-shm` files beside the database, so the folder must be writable.
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseUnavailable(
            f"cannot write the database {path}: folder {folder} is not writable by this user"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseUnavailable(f"cannot write the database {path}: the file is read-only")


async def check_database(engine: AsyncEngine) -> None:
    """Open one connection now, so a wrong path or a server that is down is one clear line."""
    url = engine.url
    path = sqlite_file(url.render_as_string(hide_password=False))
    if path is not None:
        _check_sqlite_path(path)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (OSError, SQLAlchemyError) as exc:
        reason = getattr(exc, "orig", None) or exc
        where = path if path is not None else url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(
            f"cannot connect to the database {where}: {_one_line(reason)}"
            + ("" if path is not None else "; is the server running and reachable from here?")
        ) from None


def _one_line(exc: BaseException) -> str:
    text_ = str(exc).strip().splitlines()
    return text_[0] if text_ else type(exc).__name__
