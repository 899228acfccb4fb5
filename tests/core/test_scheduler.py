"""The durable scheduler: due order, idempotent keys, run once across restarts, retries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.clock import ManualClock
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_engine
from bot.db.models import ScheduledJob
from bot.scheduler import JobRun, Scheduler
from tests.auxil.app import START, make_config, running_app


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}")
    await upgrade_engine(engine)
    yield engine
    await engine.dispose()


class Log:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.runs: list[tuple[str, str]] = []

    async def __call__(self, run: JobRun) -> None:
        self.runs.append((str(run.payload["name"]), self.clock.now().strftime("%H:%M")))


def fresh(engine: AsyncEngine, clock: ManualClock, log: Log) -> Scheduler:
    scheduler = Scheduler(make_sessionmaker(engine), clock)
    scheduler.register("note", log)
    return scheduler


async def test_jobs_run_at_their_own_due_time_in_order(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    log = Log(clock)
    scheduler = fresh(engine, clock, log)
    await scheduler.schedule("note", START + timedelta(hours=2), {"name": "late"})
    await scheduler.schedule("note", START + timedelta(minutes=30), {"name": "early"})
    await scheduler.schedule("note", START + timedelta(days=2), {"name": "later"})
    assert await scheduler.advance(clock, timedelta(hours=3)) == 2
    assert log.runs == [("early", "09:30"), ("late", "11:00")]
    assert clock.now() == START + timedelta(hours=3)


async def test_a_key_moves_the_pending_job_instead_of_adding_one(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    log = Log(clock)
    scheduler = fresh(engine, clock, log)
    await scheduler.schedule("note", START + timedelta(hours=1), {"name": "a"}, key="unmute:bob")
    await scheduler.schedule("note", START + timedelta(hours=2), {"name": "b"}, key="unmute:bob")
    await scheduler.advance(clock, timedelta(hours=5))
    assert log.runs == [("b", "11:00")]
    assert await scheduler.cancel("unmute:bob") is False


async def test_a_daily_pass_is_due_at_its_next_hour_keyed_by_its_day(engine: AsyncEngine) -> None:
    clock = ManualClock(START)  # 09:00 UTC
    sessions = make_sessionmaker(engine)
    scheduler = Scheduler(sessions, clock)
    await scheduler.daily("pass", 10, 30, key="later")  # still ahead today
    await scheduler.daily("pass", 10, 30, key="later")  # asked again the same day: one job
    await scheduler.daily("pass", 9, 0, key="passed")  # now is not ahead: tomorrow
    async with sessions() as session:
        rows = (await session.scalars(select(ScheduledJob).order_by(ScheduledJob.due_at))).all()
    tomorrow = START + timedelta(days=1)
    assert [(row.key, row.due_at, row.payload) for row in rows] == [
        (f"later:{START.date()}", START.replace(hour=10, minute=30), {}),
        (f"passed:{tomorrow.date()}", tomorrow, {}),
    ]


async def test_cancel_drops_a_pending_job(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    log = Log(clock)
    scheduler = fresh(engine, clock, log)
    await scheduler.schedule("note", START + timedelta(hours=1), {"name": "a"}, key="k")
    assert await scheduler.cancel("k") is True
    await scheduler.advance(clock, timedelta(hours=2))
    assert log.runs == []


async def test_a_restart_neither_loses_nor_doubles_a_job(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    log = Log(clock)
    first = fresh(engine, clock, log)
    await first.schedule("note", START + timedelta(hours=1), {"name": "friday-ama"})
    await first.schedule("note", START + timedelta(hours=3), {"name": "digest"})
    await first.advance(clock, timedelta(hours=2))
    # The process stops; a new one starts on the same database file.
    second = fresh(engine, clock, log)
    await second.rearm()
    await second.advance(clock, timedelta(hours=2))
    third = fresh(engine, clock, log)
    await third.rearm()
    await third.advance(clock, timedelta(days=1))
    assert log.runs == [("friday-ama", "10:00"), ("digest", "12:00")]


async def test_a_job_interrupted_by_a_crash_is_re_armed(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    log = Log(clock)
    scheduler = fresh(engine, clock, log)
    await scheduler.schedule("note", START, {"name": "interrupted"})
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:  # what a crash mid-run leaves behind
        await session.execute(update(ScheduledJob).values(status="running"))
    restarted = fresh(engine, clock, log)
    assert await restarted.rearm() == 1
    await restarted.run_due()
    assert log.runs == [("interrupted", "09:00")]


async def test_a_failing_job_is_retried_then_marked_failed(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    attempts: list[int] = []

    async def broken(run: JobRun) -> None:
        attempts.append(run.attempt)
        raise RuntimeError("platform down")

    scheduler = Scheduler(make_sessionmaker(engine), clock)
    scheduler.register("broken", broken)
    await scheduler.schedule("broken", START)
    await scheduler.advance(clock, timedelta(days=1))
    assert attempts == [1, 2, 3, 4, 5]
    async with make_sessionmaker(engine)() as session:
        row = (await session.scalars(select(ScheduledJob))).one()
    assert row.status == "failed"
    assert row.last_error == "RuntimeError: platform down"


async def test_jobs_without_a_handler_wait_for_their_cog(engine: AsyncEngine) -> None:
    clock = ManualClock(START)
    log = Log(clock)
    bare = Scheduler(make_sessionmaker(engine), clock)
    await bare.schedule("note", START, {"name": "waiting"})
    await bare.advance(clock, timedelta(hours=1))
    assert log.runs == []
    later = fresh(engine, clock, log)
    await later.run_due()
    assert log.runs == [("waiting", "10:00")]


async def test_a_running_job_can_schedule_its_successor_under_its_own_key(
    engine: AsyncEngine,
) -> None:
    clock = ManualClock(START)
    runs: list[str] = []
    scheduler = Scheduler(make_sessionmaker(engine), clock)

    async def weekly(run: JobRun) -> None:
        runs.append(clock.now().strftime("%d %H:%M"))
        await scheduler.schedule("weekly", run.due_at + timedelta(days=7), key="digest")

    scheduler.register("weekly", weekly)
    await scheduler.schedule("weekly", START, key="digest")
    await scheduler.advance(clock, timedelta(days=15))
    assert runs == ["05 09:00", "12 09:00", "19 09:00"]
    assert [job.due_at for job in await scheduler.pending("weekly")] == [START + timedelta(days=21)]


async def test_the_job_lease_comes_from_the_config(tmp_path: Path) -> None:
    """`job_lease_seconds`: a claimed job is another instance's to take back after it."""
    config = make_config(bot={"job_lease_seconds": 60})
    clock = ManualClock(START)
    async with running_app(tmp_path / "lease.db", config, clock=clock) as app:
        seen: list[JobRun] = []

        async def slow(run: JobRun) -> None:
            seen.append(run)

        app.scheduler.register("lease.probe", slow)
        await app.scheduler.schedule("lease.probe", START)
        claimed = await app.scheduler._claim_next(START)
        assert claimed is not None
        async with app.services.sessions() as session:
            row = await session.get(ScheduledJob, claimed.id)
        assert row is not None
        assert row.lease_until is not None
        assert row.lease_until.replace(tzinfo=UTC) - START == timedelta(seconds=60)
