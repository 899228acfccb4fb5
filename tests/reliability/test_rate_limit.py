"""The outgoing Telegram limiter: never more than 30 requests in any sliding second."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import random
from typing import Any

from bot.adapters.telegram.ratelimit import Limits, RateLimiter


class SteppedTime:
    """Virtual time shared by many tasks: a sleep ends when the driver reaches its deadline.

    The driver lets every runnable task run (the loop empties) before it moves time to the
    earliest deadline, so concurrent sleepers overlap as they would in real time.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    async def drive(self, work: asyncio.Future[Any]) -> None:
        while not work.done():
            for _ in range(20):  # let every ready task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers:
                when, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, when)
                future.set_result(None)


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The largest number of `times` inside one half-open span [t, t + seconds)."""
    ordered = sorted(times)
    return max(bisect.bisect_left(ordered, t + seconds) - i for i, t in enumerate(ordered))


async def test_requests_queued_behind_the_connection_limit_never_burst_past_30_a_second() -> None:
    time = SteppedTime()
    limiter = RateLimiter(Limits(), now=time.time, sleep=time.sleep)
    gate = asyncio.Semaphore(8)
    sent: list[float] = []
    rng = random.Random(15)

    async def send(chat: str, message: bool) -> None:
        async with limiter.slot(chat, counts_as_message=message, gate=gate):
            if message:
                sent.append(time.now)
            await time.sleep(rng.choice((0.01, 0.05, 0.3, 1.2)))  # Telegram's answer time

    chats = [str(-1000 - n) for n in range(40)] + [str(n) for n in range(1, 200)]
    calls = [send(rng.choice(chats), rng.random() < 0.85) for _ in range(1500)]
    work = asyncio.ensure_future(asyncio.gather(*calls))
    await time.drive(work)
    await work

    assert len(sent) > 1000
    assert most_in_any_window(sent, 1.0) <= 30


async def test_a_burst_at_one_instant_is_spread_over_seconds() -> None:
    time = SteppedTime()
    limiter = RateLimiter(Limits(), now=time.time, sleep=time.sleep)
    sent: list[float] = []

    async def send(chat: str) -> None:
        async with limiter.slot(chat):
            sent.append(time.now)

    work = asyncio.ensure_future(asyncio.gather(*(send(str(n)) for n in range(1, 301))))
    await time.drive(work)
    await work
    assert most_in_any_window(sent, 1.0) == 30
    assert max(sent) >= 9.0  # 300 messages at 30 a second take nine seconds more
