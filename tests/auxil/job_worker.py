"""A scheduler in its own process, for tests that kill an instance with SIGKILL.

Usage: python -m tests.auxil.job_worker DATABASE_URL INSTANCE
Runs the due `multi.note` jobs once. Each run is logged in `run_log`; a job whose payload says
`hang` logs itself and then blocks (printing "hanging"), so the test can kill the process while
the job is claimed.
"""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import text

from bot.core.clock import SystemClock
from bot.db.engine import make_engine, make_sessionmaker
from bot.scheduler import JobRun, Scheduler


async def main(url: str, instance: str) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    scheduler = Scheduler(sessions, SystemClock(), instance=instance)

    async def note(run: JobRun) -> None:
        async with sessions.begin() as session:
            await session.execute(
                text("INSERT INTO run_log (n, instance) VALUES (:n, :i)"),
                {"n": run.payload["n"], "i": instance},
            )
        if run.payload.get("hang"):
            print("hanging", flush=True)
            await asyncio.Event().wait()

    scheduler.register("multi.note", note)
    ran = await scheduler.run_due()
    print(f"ran {ran}", flush=True)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
