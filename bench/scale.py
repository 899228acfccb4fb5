"""Benchmark one instance against two on the same PostgreSQL and Redis (not a test).

Run with `scripts/with-postgres scripts/with-redis python bench/scale.py [UPDATES]` (`make bench`
does), or with KENES_TEST_POSTGRES_URL and KENES_TEST_REDIS_URL set. Every update is a member's
message with a delivery id, through the whole pipeline (dedupe, moderation with its limits,
activity) and the moderation, onboarding and core cogs, on a fresh database:

* one instance, in-process state (no Redis): the single-instance baseline;
* one instance with Redis: the cost of the round trips per update (dedupe claim + limiter ring);
* two instances with Redis, each its own process, the updates split between them (each member's
  updates to one instance, as a webhook router keeping per-chat order would).

Prints updates/s for each, the Redis cost per update, and the two-instance ratio. On a machine
with fewer free cores than instances the ratio says more about the machine than about Kenes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.clock import ManualClock
from bot.core.events import MessageCreated
from bot.core.refs import MessageRef
from bot.db.engine import make_engine
from bot.db.migrate import upgrade_engine
from bot.shared import SharedState
from tests.auxil.app import START, make_config

MEMBERS = 200
COGS = ["core", "moderation", "onboarding"]


async def _drive(url: str, redis: str | None, part: int, parts: int, updates: int) -> float:
    """Push this part's share of the updates through one instance; return the seconds taken."""
    engine = make_engine(url)
    shared = await SharedState.connect(redis) if redis else None
    memory = MemoryAdapter()
    clock = ManualClock(START)
    app = Kenes(make_config(bot={"cogs": COGS}), engine, clock, [memory], shared)
    await app.start(background=False, watch_rules=False)
    mine = [n for n in range(updates) if (n % MEMBERS) % parts == part]
    try:
        began = time.perf_counter()
        for n in mine:
            author = memory.author(f"member{n % MEMBERS}")
            message = MessageRef(memory.chat, str(n))
            at = START + timedelta(seconds=n // MEMBERS * 5)  # a calm pace: no flood verdicts
            await memory.push(
                MessageCreated(
                    chat=memory.chat,
                    author=author,
                    at=at,
                    message=message,
                    text=f"message {n} about the weekly meetup",
                    event_id=f"u{n}",
                )
            )
        await app.services.activity.flush()
        return time.perf_counter() - began
    finally:
        await app.stop()
        if shared is not None:
            await shared.close()
        await engine.dispose()


async def _fresh_database(admin_url: str) -> str:
    name = f"kenes_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    await upgrade_engine(engine)
    await engine.dispose()
    return url


async def _reset(redis: str) -> None:
    state = await SharedState.connect(redis)
    await state.flush()
    await state.close()


def _workers(url: str, redis: str, parts: int, updates: int) -> float:
    """Run `parts` instances as processes at once; return the wall time of the slowest."""
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, redis, str(part), str(parts), str(updates)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for part in range(parts)
    ]
    outs = [json.loads(p.communicate()[0]) for p in procs]
    return max(float(o["seconds"]) for o in outs)


async def main(updates: int) -> None:
    pg, redis = os.environ.get("KENES_TEST_POSTGRES_URL"), os.environ.get("KENES_TEST_REDIS_URL")
    if not pg or not redis:
        print("bench/scale.py: needs PostgreSQL and Redis; run it under scripts/with-postgres")
        print("scripts/with-redis (make bench does). Skipped.")
        return
    print(
        f"{updates} updates from {MEMBERS} members, full pipeline, PostgreSQL + Redis on loopback"
    )
    local = await _drive(await _fresh_database(pg), None, 0, 1, updates)
    await _reset(redis)
    state = await SharedState.connect(redis)
    began = time.perf_counter()
    for n in range(2000):
        await state.claim(f"bench:{n}", 60)
    rtt = (time.perf_counter() - began) / 2000
    await state.close()
    await _reset(redis)
    one = await _drive(await _fresh_database(pg), redis, 0, 1, updates)
    await _reset(redis)
    two = _workers(await _fresh_database(pg), redis, 2, updates)
    await _reset(redis)
    print(f"  1 instance, in-process state : {updates / local:8.0f} updates/s")
    print(f"  1 instance, Redis            : {updates / one:8.0f} updates/s")
    print(
        f"  Redis cost per update        : {(one - local) / updates * 1e6:8.0f} µs "
        f"(2 round trips; one PING-sized round trip: {rtt * 1e6:.0f} µs)"
    )
    print(f"  2 instances, Redis           : {updates / two:8.0f} updates/s")
    print(f"  ratio 2 instances / 1 (Redis): {one / two:8.2f}×   (cores here: {os.cpu_count()})")


def _worker(argv: list[str]) -> None:
    url, redis, part, parts, updates = argv
    seconds = asyncio.run(_drive(url, redis, int(part), int(parts), int(updates)))
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2:])
    else:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000))
