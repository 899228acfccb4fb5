"""Cost of the ritual cogs on the message path, and how fast poll votes are stored."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import ALL_ACTIONS, SendPoll
from bot.core.clock import ManualClock
from cogs.polls.cog import Polls
from tests.auxil.app import START, running_app
from tests.auxil.rituals import press, ritual_app

MESSAGES = 5000
VOTES = 1000


async def messages_per_second(with_rituals: bool, folder: Path) -> float:
    memory = MemoryAdapter()
    clock = ManualClock(START)
    app = (
        ritual_app(folder, memory, clock)
        if with_rituals
        else running_app(folder / "kenes.db", adapters=[memory], clock=clock)
    )
    async with app:
        for n in range(200):
            await memory.say(f"u{n}", "warm up")
        started = time.perf_counter()
        for n in range(MESSAGES):
            await memory.say(f"u{n % 200}", f"hello {n}")
        return MESSAGES / (time.perf_counter() - started)


async def votes_per_second(folder: Path) -> tuple[float, float]:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SendPoll})
    async with ritual_app(folder, memory, ManualClock(START)) as app:
        await memory.say("alice", "/poll 1d Q? | a | b | c")
        started = time.perf_counter()
        for n in range(VOTES):
            await press(memory, f"v{n}", f"poll:1:{n % 3}")
        rate = VOTES / (time.perf_counter() - started)
        await app.services.activity.flush()  # not part of closing
        cog = app.cogs.get("polls")
        assert isinstance(cog, Polls)
        started = time.perf_counter()
        await cog.close(1, app.services.actions.execute)
        return rate, time.perf_counter() - started


async def main() -> None:
    with tempfile.TemporaryDirectory() as base:
        root = Path(base)
        for name in ("core", "rituals", "votes"):
            (root / name).mkdir()
        core = await messages_per_second(False, root / "core")
        rituals = await messages_per_second(True, root / "rituals")
        rate, close = await votes_per_second(root / "votes")
    print(f"messages/s, core cog only (baseline): {core:,.0f}")
    print(f"messages/s, with onboarding + polls:  {rituals:,.0f} ({rituals / core:.0%})")
    print(f"button votes/s (own transaction each): {rate:,.0f}")
    print(f"close a poll of {VOTES} votes and post results: {close * 1000:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
