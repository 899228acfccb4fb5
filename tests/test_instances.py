"""Several instances on one PostgreSQL database: scheduled jobs are claimed once, and the jobs of
an instance killed with SIGKILL are taken over by the others when their lease runs out."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.clock import ManualClock
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_engine
from bot.scheduler import LEASE, JobRun, Scheduler
from tests.auxil.app import ROOT
from tests.core.test_postgres import pg_url  # noqa: F401  (fixture: a fresh database per test)

pytestmark = pytest.mark.skipif(
    not os.environ.get("KENES_TEST_POSTGRES_URL"),
    reason="no PostgreSQL: "
    + os.environ.get("KENES_TEST_POSTGRES_SKIP", "run `make test`, which starts one"),
)


@pytest.fixture
async def shared(pg_url: str) -> AsyncIterator[list[AsyncEngine]]:  # noqa: F811
    """Two engines on one database: what two instances hold."""
    engines = [make_engine(pg_url), make_engine(pg_url)]
    await upgrade_engine(engines[0])
    async with engines[0].begin() as conn:
        await conn.execute(text("CREATE TABLE run_log (n integer, instance text)"))
    try:
        yield engines
    finally:
        for engine in engines:
            await engine.dispose()


def _instance(engine: AsyncEngine, name: str, clock: ManualClock) -> Scheduler:
    sessions = make_sessionmaker(engine)
    scheduler = Scheduler(sessions, clock, instance=name)

    async def note(run: JobRun) -> None:
        async with sessions.begin() as session:
            await session.execute(
                text("INSERT INTO run_log (n, instance) VALUES (:n, :i)"),
                {"n": run.payload["n"], "i": name},
            )

    scheduler.register("multi.note", note)
    return scheduler


async def _runs(engine: AsyncEngine) -> list[tuple[int, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT n, instance FROM run_log ORDER BY n"))
        return [(int(n), str(i)) for n, i in rows]


async def test_jobs_due_together_run_once_across_two_instances(
    shared: list[AsyncEngine],
) -> None:
    clock = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    a, b = (_instance(e, name, clock) for e, name in zip(shared, "ab", strict=True))
    due = clock.now()
    for n in range(60):
        await a.schedule("multi.note", due, {"n": n}, key=f"note:{n}")
    ran = await asyncio.gather(a.run_due(), b.run_due())
    runs = await _runs(shared[0])
    assert sorted(n for n, _ in runs) == list(range(60)), "every job once"
    assert sum(ran) == 60
    assert len({i for _, i in runs}) == 2, f"both instances took jobs: {ran}"


async def test_a_killed_instance_loses_no_job(pg_url: str, shared: list[AsyncEngine]) -> None:  # noqa: F811
    now = datetime.now(UTC).replace(microsecond=0)
    survivor_clock = ManualClock(now)
    survivor = _instance(shared[1], "survivor", survivor_clock)
    # The first job due makes the doomed instance hang while it holds the claim.
    await survivor.schedule("multi.note", now - timedelta(minutes=2), {"n": 0, "hang": True})
    for n in range(1, 20):
        await survivor.schedule("multi.note", now - timedelta(minutes=1), {"n": n})

    doomed = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.auxil.job_worker",
        pg_url,
        "doomed",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert doomed.stdout is not None
    line = await asyncio.wait_for(doomed.stdout.readline(), timeout=60)
    assert line.strip() == b"hanging"
    doomed.kill()  # SIGKILL: no clean-up, the claim stays in the database
    await doomed.wait()

    # The claim's lease still holds: the survivor runs everything else, not job 0.
    assert await survivor.run_due() == 19
    assert Counter(n for n, _ in await _runs(shared[0]))[0] == 1
    # Past the lease, the dead instance's job is taken back and run.
    survivor_clock.set(now + LEASE + timedelta(minutes=2))  # the worker claimed on real time
    assert await survivor.run_due() == 1
    runs = await _runs(shared[0])
    assert Counter(n for n, _ in runs) == Counter({0: 2, **dict.fromkeys(range(1, 20), 1)})
    assert sorted(i for n, i in runs if n == 0) == ["doomed", "survivor"]
    async with shared[0].connect() as conn:
        left = await conn.scalar(text("SELECT count(*) FROM scheduled_jobs WHERE status <> 'done'"))
    assert left == 0


async def test_a_restarted_instance_takes_back_its_own_jobs_at_once(
    shared: list[AsyncEngine],
) -> None:
    clock = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    first = _instance(shared[0], "a", clock)
    await first.schedule("multi.note", clock.now(), {"n": 1})
    async with shared[0].begin() as conn:  # what a crash mid-job leaves behind
        await conn.execute(
            text(
                "UPDATE scheduled_jobs SET status = 'running', claimed_by = 'a', "
                "lease_until = :until"
            ),
            {"until": clock.now() + LEASE},
        )
    other = _instance(shared[1], "b", clock)
    assert await other.rearm() == 0  # not b's, and the lease holds
    again = _instance(shared[0], "a", clock)
    assert await again.rearm() == 1
    assert await again.run_due() == 1
