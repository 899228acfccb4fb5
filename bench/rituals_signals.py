"""Benchmark: chat messages, replies and reactions through the full app with the ritual cogs.

Prints events per second through the pipeline (every signal counted in memory by the core
ledger) and how long one batched flush of the week's signals takes. Run with `make bench`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bot.adapters.memory import MemoryAdapter
from bot.core.events import MessageCreated, ReactionAdded
from bot.core.refs import MessageRef
from tests.auxil.app import running_app
from tests.auxil.rituals_weekly import ritual_config

EVENTS = 20_000
MEMBERS = 500


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        memory = MemoryAdapter()
        async with running_app(Path(folder) / "bench.db", ritual_config(), [memory]) as app:
            heroes = app.cogs.get("heroes")
            assert heroes is not None
            now = app.clock.now()
            commits = 0

            def count_commit(_connection: object) -> None:
                nonlocal commits
                commits += 1

            event.listen(app.engine.sync_engine, "commit", count_commit)
            await memory.say("warmup", "hello")  # first sight of the community arms its jobs
            assert commits > 0, "the commit counter must see the arming commits"
            commits = 0
            started = time.perf_counter()
            for i in range(EVENTS):
                who, to = f"u{i % MEMBERS}", f"u{(i * 7 + 1) % MEMBERS}"
                message = MessageRef(memory.chat, f"m{i}")
                if i % 3 == 2:
                    await memory.push(
                        ReactionAdded(
                            chat=memory.chat, author=memory.author(who), at=now,
                            message=MessageRef(memory.chat, f"m{i - 1}"), emoji="👍",
                            message_author=memory.user(to),
                        )
                    )  # fmt: skip
                else:
                    await memory.push(
                        MessageCreated(
                            chat=memory.chat, author=memory.author(who), at=now, message=message,
                            text="thanks, that helped" if i % 5 == 0 else "a normal message",
                            reply_to=MessageRef(memory.chat, f"m{i - 1}") if i % 2 else None,
                            reply_to_author=memory.user(to) if i % 2 else None,
                        )
                    )  # fmt: skip
            elapsed = time.perf_counter() - started
            loop_commits = commits
            pending = app.services.activity.pending
            flush_started = time.perf_counter()
            await app.services.activity.flush()
            flushed = time.perf_counter() - flush_started
    print(f"{EVENTS} events through the pipeline with ama+heroes+digest: {elapsed:.2f}s")
    print(f"  {EVENTS / elapsed:,.0f} events/s, {loop_commits} database commits on the way")
    print(f"  one batched flush of {pending} signal rows: {flushed * 1000:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
