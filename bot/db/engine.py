"""Engine and session factory: SQLite (WAL, foreign keys, one writer at a time) or PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
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
# How long a writer of this process waits for another one of this process before it fails. No
# burst comes near it (a thousand votes at once on a loaded machine: under a second); only a
# task that writes in a second session while its first one holds the lock waits it out.
GATE_WAIT_SECONDS = 60.0


class WriteGate:
    """Hands SQLite's one write lock to this process's writers in turn, without polling.

    SQLite lets one transaction write at a time; the others poll for the lock from their
    threads, sleeping up to 100 ms between tries, until the busy timeout. Under load that lost
    writes: a writer keeps the lock from its first INSERT to its COMMIT, and reaching the COMMIT
    takes turns of the event loop, which a burst of updates delays; a pool's worth of writers
    poll meanwhile, unfairly (whoever wakes at the right moment wins), and one that polled for
    `BUSY_TIMEOUT_MS` got "database is locked". Here each connection's worker thread waits on
    this lock instead: it is woken the moment the writer before it commits, and the hand-over
    needs no turn of the event loop. Readers never wait: in WAL they read the last commit.

    The gate is taken in the worker thread just before a transaction's first write, where the
    driver opens it with BEGIN IMMEDIATE, so a transaction holds SQLite's write lock from its
    start and never upgrades a read snapshot (which SQLite refuses at once, busy timeout or
    not, when another writer committed since). It is given back once COMMIT or ROLLBACK is done.
    Writers in other processes on the same file (`kenes` commands) still meet the busy timeout.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: sqlite3.Connection | None = None
        self._counts = threading.Lock()
        self.waiting = 0  # writers queued right now
        self.queued = 0  # writers that ever had to queue

    def holds(self, connection: object) -> bool:
        return self._holder is connection

    def acquire(self, connection: sqlite3.Connection) -> None:
        if self._holder is connection:
            return
        if not self._lock.acquire(blocking=False):
            with self._counts:
                self.queued += 1
                self.waiting += 1
            try:
                taken = self._lock.acquire(timeout=GATE_WAIT_SECONDS)
            finally:
                with self._counts:
                    self.waiting -= 1
            if not taken:
                raise sqlite3.OperationalError(
                    f"database is locked: another transaction of this process has held the "
                    f"write lock for {GATE_WAIT_SECONDS:g} s (a task writing in a second "
                    f"session while its first one is open waits for itself)"
                )
        self._holder = connection

    def release(self, connection: sqlite3.Connection) -> None:
        if self._holder is connection:
            self._holder = None
            self._lock.release()


class _GatedCursor(sqlite3.Cursor):
    # Runs in the connection's worker thread (aiosqlite), as every sqlite3 call does.
    connection: _GatedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> _GatedCursor:
        self.connection.before(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _GatedCursor:
        self.connection.before(sql)
        return super().executemany(sql, seq_of_parameters)


class _GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that takes its engine's WriteGate for each write transaction."""

    gate: WriteGate  # one per engine: set on the subclass `make_engine` makes

    def before(self, sql: str) -> None:
        if not self.in_transaction and sql.lstrip()[:7].upper().startswith(_WRITES):
            self.gate.acquire(self)

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _GatedCursor)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.gate.release(self)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.gate.release(self)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.gate.release(self)


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
    gate = WriteGate()
    connection = type("GatedConnection", (_GatedConnection,), {"gate": gate})
    # The driver opens a transaction at its first write, as BEGIN IMMEDIATE (see WriteGate).
    engine = create_async_engine(
        url,
        connect_args={"isolation_level": "IMMEDIATE", "factory": connection},
        pool_timeout=POOL_WAIT_SECONDS,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    _GATES[engine.sync_engine] = gate
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
