"""Telegram end to end: updates through the fake Bot API over HTTP, replies back; and the
same commands straight into `app.handle` with the memory adapter, for comparison.

    .venv/bin/python bench/telegram.py [updates] [chats]

The outgoing rate limiter is off: the fake server does not enforce Telegram's limits, and with
them on the run would measure the limiter (1 message/s per chat), not the adapter.
"""

# ruff: noqa: E402  (sys.path must be fixed before the imports; see below)
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path and this file would shadow the
# `telegram` package; the project root (for `bot` and `tests`) goes there instead.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import asyncio
import logging
import statistics
import tempfile
import time

from bot.adapters.memory import MemoryAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram.ratelimit import Limits
from bot.app import Kenes
from bot.config import TelegramSection
from bot.core.clock import SystemClock
from bot.core.events import CommandInvoked
from bot.core.refs import MessageRef
from bot.db.engine import make_engine
from bot.db.migrate import upgrade_engine
from tests.auxil.app import make_config
from tests.auxil.fake_telegram import TOKEN, FakeTelegram, supergroup, user

CHAT_BASE = -1001000000000
STEADY_PACE = 100.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def make_app(db: Path, adapter: TelegramAdapter | MemoryAdapter) -> Kenes:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade_engine(engine)
    # The core cog only: a hundred /ping a member would (rightly) trip the moderation flood limit.
    app = Kenes(make_config(bot={"cogs": ["core"]}), engine, SystemClock(), [adapter])
    await app.start(background=True, watch_rules=False)
    return app


async def close(app: Kenes) -> None:
    await app.stop()
    await app.engine.dispose()


async def telegram_run(
    folder: Path, total: int, chats: int, pace: float | None = None
) -> tuple[float, list[float]]:
    """Updates/s, and per update the time until its reply arrives at the fake server.

    Without `pace` every update is queued at once (throughput; latency includes the wait in
    line); with it, updates arrive at `pace` per second (latency at a steady load).
    """
    async with FakeTelegram() as fake:
        fake.max_poll_wait = 0.05
        section = TelegramSection(base_url=fake.base_url)
        adapter = TelegramAdapter(TOKEN, section, limits=Limits.unlimited(), poll_timeout=1)
        app = await make_app(folder / f"telegram-{total}-{pace or 0}.db", adapter)
        try:
            members = [user(1000 + n, f"Member {n}", f"member{n}") for n in range(chats)]
            groups = [supergroup(CHAT_BASE - n) for n in range(chats)]
            pushed: dict[tuple[int, int], float] = {}
            before = len(fake.of("sendMessage"))
            loop = asyncio.get_running_loop()
            start = loop.time()
            for index in range(total):
                group, member = groups[index % chats], members[index % chats]
                _, message = fake.say(group, member, "/ping")
                pushed[(group["id"], message["message_id"])] = loop.time()
                if pace:
                    await asyncio.sleep(max(0.0, start + (index + 1) / pace - loop.time()))
            await fake.wait_for("sendMessage", before + total, within=600)
            elapsed = loop.time() - start
            latencies = []
            for call in fake.calls:
                if call.method != "sendMessage":
                    continue
                key = (call.params["chat_id"], call.params["reply_parameters"]["message_id"])
                latencies.append(call.at - pushed[key])
            return total / elapsed, latencies
        finally:
            await close(app)


async def pipeline_run(folder: Path, total: int, chats: int) -> tuple[float, list[float]]:
    """The same /ping commands handed to `app.handle` directly, one after another."""
    memory = MemoryAdapter()
    app = await make_app(folder / "memory.db", memory)
    try:
        latencies = []
        start = time.perf_counter()
        for index in range(total):
            chat = memory.channel(f"chat{index % chats}")
            event = CommandInvoked(
                chat=chat,
                author=memory.author(f"member{index % chats}"),
                at=app.clock.now(),
                event_id=str(index),
                name="ping",
                message=MessageRef(chat, str(index)),
            )
            began = time.perf_counter()
            await app.handle(event)
            latencies.append(time.perf_counter() - began)
        elapsed = time.perf_counter() - start
        assert len(memory.actions) == total
        return total / elapsed, latencies
    finally:
        await close(app)


def report(name: str, rate: float, latencies: list[float]) -> None:
    print(
        f"{name:<34} {rate:>9,.0f} updates/s   "
        f"p50 {statistics.median(latencies) * 1000:>7.2f} ms   "
        f"p99 {percentile(latencies, 0.99) * 1000:>7.2f} ms"
    )


async def main(total: int, chats: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="kenes-bench-") as scratch:
        folder = Path(scratch)
        rate, latencies = await telegram_run(folder, total, chats)
        paced = min(total, 2_000)
        _, steady = await telegram_run(folder, paced, chats, pace=STEADY_PACE)
        pipe_rate, pipe_latencies = await pipeline_run(folder, total, chats)
    print(f"{total:,} /ping updates over {chats} chats, each answered with one sendMessage")
    report("telegram, all queued at once", rate, latencies)
    report(f"telegram, {paced:,} at {STEADY_PACE:.0f}/s (latency)", STEADY_PACE, steady)
    report("pipeline only (memory adapter)", pipe_rate, pipe_latencies)
    print(
        "telegram latency: from queueing the update at the fake server to its sendMessage "
        "arriving there; all at once it includes the wait in line. The fake server runs in "
        "the same process and shares its CPU; the outgoing rate limiter is off."
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(args[0] if args else 10_000, args[1] if len(args) > 1 else 100))
