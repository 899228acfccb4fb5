"""Several instances on one PostgreSQL database: scheduled jobs are claimed once, and the jobs of
an instance killed with SIGKILL are taken over by the others when their lease runs out."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.telegram import store
from bot.core.clock import ManualClock
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_engine
from bot.scheduler import LEASE, RENEW_EVERY, JobRun, Scheduler
from tests.auxil.app import ROOT
from tests.auxil.telegram import until
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


async def test_a_job_running_past_its_lease_renews_it_and_runs_once(
    shared: list[AsyncEngine],
) -> None:
    clock = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    a, b = (_instance(e, name, clock) for e, name in zip(shared, "ab", strict=True))
    started, release = asyncio.Event(), asyncio.Event()

    async def long(run: JobRun) -> None:  # a ritual posting to many chats, slowly
        started.set()
        await release.wait()
        async with make_sessionmaker(shared[0]).begin() as session:
            await session.execute(
                text("INSERT INTO run_log (n, instance) VALUES (:n, 'a')"), {"n": run.payload["n"]}
            )

    a.register("multi.long", long)
    b.register("multi.long", long)
    await a.schedule("multi.long", clock.now(), {"n": 7})
    running = asyncio.create_task(a.run_due())
    await asyncio.wait_for(started.wait(), timeout=30)
    step = LEASE / RENEW_EVERY
    for beat in range(1, 2 * RENEW_EVERY + 1):  # twice the lease in all
        clock.advance(step)
        a.tick()
        await until(partial(_at_least, a, beat), within=30, what=f"renewal {beat}")
        async with shared[1].connect() as conn:
            lease = await conn.scalar(text("SELECT lease_until FROM scheduled_jobs"))
        assert lease > clock.now(), "the lease runs ahead of the clock while the job runs"
        assert await b.run_due() == 0, "the other instance leaves a live job alone"
    release.set()
    assert await asyncio.wait_for(running, timeout=30) == 1
    assert await _runs(shared[0]) == [(7, "a")]
    assert await b.run_due() == 0


def _at_least(scheduler: Scheduler, renewals: int) -> bool:
    return scheduler.renewals >= renewals


async def test_an_instance_starting_takes_only_its_own_inbox_rows(
    shared: list[AsyncEngine],
) -> None:
    """The Telegram inbox with several webhook instances: a row belongs to the instance that
    stored it while that one lives; once its claim runs out, exactly one other takes it."""
    a, b, c = (make_sessionmaker(e) for e in (shared[0], shared[1], shared[1]))
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    source = "telegram:1"
    updates = [{"update_id": n, "message": {"n": n}} for n in (10, 11, 12)]
    assert len(await store.inbox_store(a, source, updates, now, "a")) == 3
    assert await store.inbox_store(b, source, updates[:1], now, "b") == [], "stored once"
    # b starts while a lives: nothing of a's is replayed.
    assert await store.inbox_claim(b, source, "b", now) == []
    # a renews while it lives; a restarted a takes back its own at once.
    assert await store.inbox_renew(a, source, "a", now + store.INBOX_LEASE / 2) == 3
    assert await store.inbox_claim(b, source, "b", now + store.INBOX_LEASE) == []
    await store.inbox_handled(a, source, [10], now)
    assert [s.update_id for s in await store.inbox_claim(a, source, "a", now)] == [11, 12]
    # a dies: past its lease, b and c look at the same moment and only one takes each row.
    later = now + 2 * store.INBOX_LEASE
    taken = await asyncio.gather(
        store.inbox_claim(b, source, "b", later, own=False),
        store.inbox_claim(c, source, "c", later, own=False),
    )
    assert sorted(s.update_id for got in taken for s in got) == [11, 12]
