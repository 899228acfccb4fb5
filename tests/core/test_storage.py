"""SQLite is opened the way the bot relies on: WAL, foreign keys enforced, a busy timeout,
and this process's writers handed the write lock in turn."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

import bot.db.engine as engine_module
from bot.db.engine import (
    BUSY_TIMEOUT_MS,
    _sqlite_pragmas,
    make_engine,
    make_sessionmaker,
    write_gate,
)
from bot.db.migrate import upgrade_engine
from tests.auxil.telegram import until


async def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == BUSY_TIMEOUT_MS
    finally:
        await engine.dispose()


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'fk.db'}")
    try:
        await upgrade_engine(engine)
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO channels (community_id, external_id, name) "
                        "VALUES (999, '1', 'orphan')"
                    )
                )
    finally:
        await engine.dispose()


# -- one writer at a time: the write gate ----------------------------------------------------

T_SQL = "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"


async def make_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(T_SQL))


async def insert(sessions: async_sessionmaker[AsyncSession], v: int) -> None:
    async with sessions.begin() as session:
        await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": v})


async def values(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT v FROM t ORDER BY v"))).scalars())


def engine_without_gate(url: str) -> AsyncEngine:
    """The engine as it was before the write gate: the same pragmas, the driver's defaults."""
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


async def test_a_read_then_a_write_survives_a_commit_in_between(tmp_path: Path) -> None:
    """SQLite refuses to upgrade a read snapshot to a write once another writer has committed,
    at once, whatever the busy timeout: shown on two plain connections. A session of ours
    reads, another commits, the session writes: the write lands."""
    db = tmp_path / "upgrade.db"
    first = sqlite3.connect(db, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    second = sqlite3.connect(db, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        first.execute("PRAGMA journal_mode=WAL")
        first.execute(T_SQL)
        first.execute("BEGIN")
        first.execute("SELECT count(*) FROM t").fetchall()  # a read snapshot
        second.execute("INSERT INTO t (v) VALUES (1)")  # another writer commits
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            first.execute("INSERT INTO t (v) VALUES (2)")  # no waiting helps this one
        first.execute("ROLLBACK")
    finally:
        first.close()
        second.close()

    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    sessions = make_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            seen = await session.scalar(text("SELECT count(*) FROM t"))
            await insert(sessions, 10)  # another writer commits in between
            await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": 20 + seen})
        assert await values(engine) == [1, 10, 21]
    finally:
        await engine.dispose()


async def test_a_writer_behind_a_slow_transaction_waits_its_turn_instead_of_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transaction keeps the write lock from its first write to its commit, and reaching
    the commit can take longer than the busy timeout when the event loop is busy. A busy
    timeout of 0 stands for "longer than the timeout" without waiting for it in a test."""
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 0)
    url = f"sqlite+aiosqlite:///{tmp_path / 'slow.db'}"
    before = engine_without_gate(url)
    await make_table(before)
    sessions = make_sessionmaker(before)
    try:
        async with sessions.begin() as slow:
            await slow.execute(text("INSERT INTO t (v) VALUES (1)"))
            with pytest.raises(OperationalError, match="database is locked"):
                await insert(sessions, 2)  # the lost vote, as it was lost
    finally:
        await before.dispose()

    engine = make_engine(url)
    gate = write_gate(engine)
    assert gate is not None
    sessions = make_sessionmaker(engine)
    try:
        async with sessions.begin() as slow:
            await slow.execute(text("INSERT INTO t (v) VALUES (3)"))
            behind = asyncio.create_task(insert(sessions, 4))
            await until(lambda: gate.waiting == 1, what="the second writer to queue")
            assert not behind.done()
        await behind
        assert await values(engine) == [1, 3, 4]
        assert (gate.queued, gate.waiting, gate.holds(None)) == (1, 0, True)
        assert not behind.exception()
    finally:
        await engine.dispose()


async def test_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'read.db'}")
    await make_table(engine)
    sessions = make_sessionmaker(engine)
    try:
        await insert(sessions, 1)
        async with sessions.begin() as writing:
            await writing.execute(text("INSERT INTO t (v) VALUES (2)"))
            # Read while the write is open: the last commit, at once, and no queueing.
            async with asyncio.timeout(30), sessions() as reading:
                assert list((await reading.execute(text("SELECT v FROM t"))).scalars()) == [1]
            async with asyncio.timeout(30), engine.connect() as conn:
                assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1
        gate = write_gate(engine)
        assert gate is not None
        assert gate.queued == 0
    finally:
        await engine.dispose()


async def test_a_failed_or_abandoned_write_gives_the_lock_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'fail.db'}")
    await make_table(engine)
    sessions = make_sessionmaker(engine)
    gate = write_gate(engine)
    assert gate is not None
    try:
        with pytest.raises(IntegrityError):
            async with sessions.begin() as session:
                await session.execute(text("INSERT INTO t (v) VALUES (NULL)"))
        assert gate.holds(None)

        started = asyncio.Event()

        async def abandoned() -> None:
            async with sessions.begin() as session:
                await session.execute(text("INSERT INTO t (v) VALUES (5)"))
                started.set()
                await asyncio.Event().wait()  # never commits: cancelled below

        task = asyncio.create_task(abandoned())
        await started.wait()
        assert not gate.holds(None)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await insert(sessions, 6)  # would wait forever if the cancelled one kept the gate
        assert await values(engine) == [6]
    finally:
        await engine.dispose()


async def test_a_second_write_session_in_the_same_task_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "GATE_WAIT_SECONDS", 0.05)  # 60 s in earnest
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested.db'}")
    await make_table(engine)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions.begin() as outer:
            await outer.execute(text("INSERT INTO t (v) VALUES (1)"))
            with pytest.raises(OperationalError, match="waits for itself"):
                await insert(sessions, 2)
        assert await values(engine) == [1]
    finally:
        await engine.dispose()


def test_postgresql_and_memory_engines_are_left_as_they_were() -> None:
    for url in ("postgresql+asyncpg://kenes@localhost/kenes", "sqlite+aiosqlite:///:memory:"):
        engine = make_engine(url)  # nothing connects yet
        assert write_gate(engine) is None
