"""Engine and session factory: SQLite (WAL, foreign keys, one writer at a time) or PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, text
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
# How long a session waits for one of the pool's connections before failing. A burst is served
# in arrival order, so a session waits for the burst ahead of it: a thousand votes at once on a
# loaded two-core machine kept one waiting 17.6 s, too close to SQLAlchemy's default of 30 s.
POOL_WAIT_SECONDS = 120


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a batch is written; foreign keys are off by default in SQLite;
    # the busy timeout turns a briefly locked database into a short wait instead of an error.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Statements that make the sqlite3 driver open a transaction (its "legacy" transaction control,
# the default through Python 3.15): a transaction starts at its first write, never at a read.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteGate:
    """Hands SQLite's one write lock to this process's writers in turn, first come first served.

    SQLite lets one transaction write at a time and makes the others poll for the lock from
    their threads until the busy timeout. Under load that loses writes: a writer keeps the lock
    from its first INSERT until its COMMIT, and reaching the COMMIT takes turns of the event
    loop, which a burst of updates delays by seconds; meanwhile a pool's worth of other writers
    poll, unfairly (whoever wakes at the right moment wins), and one that has polled for
    `BUSY_TIMEOUT_MS` gets "database is locked". Queued here instead, a writer costs no thread,
    meets no deadline and keeps its place. Readers never wait: in WAL they read the last commit.

    A transaction takes the gate just before its first write, where the driver opens it with
    BEGIN IMMEDIATE: it holds SQLite's write lock from its start, so it never has to upgrade a
    read snapshot (which SQLite refuses at once, busy timeout or not, when another writer
    committed since). The gate is given back when its COMMIT or ROLLBACK is done. Writers in
    other processes on the same file (`kenes` commands) still meet the busy timeout.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._holder: object | None = None  # the DBAPI connection writing now
        self._task: asyncio.Task[Any] | None = None
        self.waiting = 0  # writers queued right now
        self.queued = 0  # writers that ever had to queue

    def holds(self, connection: object) -> bool:
        return self._holder is connection

    async def acquire(self, connection: object) -> None:
        task = asyncio.current_task()
        if self._holder is not None and task is not None and self._task is task:
            # The same task writing in a second session while its first one holds the lock
            # would wait for itself forever.
            raise NestedWrite(
                "a second write transaction was opened while this task's first one still "
                "holds the SQLite write lock: commit the first before writing in another"
            )
        if self._lock.locked():
            self.queued += 1
        self.waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self.waiting -= 1
        self._holder, self._task = connection, task

    def release(self, connection: object) -> None:
        if self._holder is connection:
            self._holder = self._task = None
            self._lock.release()


class NestedWrite(KenesError):
    """A task opened a second write transaction while its first still held the write lock."""


def _dbapi(connection: Any) -> Any:
    # SQLAlchemy passes the pool's proxy (a "fairy") or the DBAPI connection itself.
    return getattr(connection, "dbapi_connection", connection)


def _install_write_gate(engine: AsyncEngine) -> WriteGate:
    gate = WriteGate()
    sync_engine = engine.sync_engine
    dialect = sync_engine.dialect

    def before_execute(
        conn: Connection, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        dbapi = _dbapi(conn.connection)
        if gate.holds(dbapi) or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        dbapi.run_async(lambda _driver: gate.acquire(dbapi))

    # Given back once the driver's COMMIT or ROLLBACK returned, so the next writer finds
    # SQLite's lock free; SQLAlchemy's "commit" event fires before the COMMIT, too early.
    # The dialect is this engine's own instance: other engines are not touched.
    plain_commit, plain_rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(connection: Any) -> None:
        try:
            plain_commit(connection)
        finally:
            gate.release(_dbapi(connection))

    def do_rollback(connection: Any) -> None:
        try:
            plain_rollback(connection)
        finally:
            gate.release(_dbapi(connection))

    def dropped(dbapi: Any, *_: Any) -> None:  # a connection invalidated or closed mid-write
        gate.release(dbapi)

    setattr(dialect, "do_commit", do_commit)  # noqa: B010 - an instance, not the class
    setattr(dialect, "do_rollback", do_rollback)  # noqa: B010
    event.listen(sync_engine, "before_cursor_execute", before_execute)
    event.listen(sync_engine.pool, "invalidate", dropped)
    event.listen(sync_engine.pool, "close", dropped)
    return gate


def write_gate(engine: AsyncEngine) -> WriteGate | None:
    """The write gate of a SQLite file's engine; None for PostgreSQL and in-memory SQLite."""
    return _GATES.get(engine.sync_engine)


_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


def make_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; a SQLite file's engine gets the pragmas and the write gate."""
    if sqlite_file(url) is None:
        engine = create_async_engine(url)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # The driver opens a transaction at its first write, as BEGIN IMMEDIATE (see WriteGate).
    engine = create_async_engine(
        url, connect_args={"isolation_level": "IMMEDIATE"}, pool_timeout=POOL_WAIT_SECONDS
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    _GATES[engine.sync_engine] = _install_write_gate(engine)
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
