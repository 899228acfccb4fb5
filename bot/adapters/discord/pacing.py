"""Our own pacing for bulk work, on top of discord.py's per-route rate-limit handling.

discord.py waits when a bucket is exhausted and retries 429s, but it does not keep a burst of
hundreds of bans or deletes under Discord's global limit (50 requests/s per bot) in advance; a
global 429 stalls every route at once. The pacer spaces our requests; the delete batcher turns
deletes issued together in one channel into bulk-delete calls (up to 100 messages each).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

GLOBAL_RATE = 45.0  # requests per second, a margin under Discord's global 50/s
BULK_DELETE_MAX = 100  # Discord's bulk-delete accepts 2..100 messages


class Pacer:
    """A token bucket: `await pacer.wait()` before each request; free while under the rate."""

    def __init__(
        self,
        rate: float = GLOBAL_RATE,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = rate
        self._last = monotonic()
        self._lock = asyncio.Lock()
        self.waited = 0.0

    async def wait(self) -> None:
        async with self._lock:
            now = self._monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1.0:
                delay = (1.0 - self._tokens) / self.rate
                self.waited += delay
                await self._sleep(delay)
                self._tokens = 1.0
                self._last = self._monotonic()
            self._tokens -= 1.0


BulkDelete = Callable[[int, Sequence[int], str], Awaitable[None]]
SingleDelete = Callable[[int, int, str], Awaitable[None]]


@dataclass
class _Batch:
    reason: str
    items: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)


class DeleteBatcher:
    """Deletes started in the same loop tick in one channel go out as bulk deletes.

    `bulk_ok(message_id)` says whether a message is young enough for bulk delete (Discord refuses
    messages older than 14 days there); older ones are deleted one by one.
    """

    def __init__(
        self, bulk: BulkDelete, single: SingleDelete, bulk_ok: Callable[[int], bool]
    ) -> None:
        self._bulk = bulk
        self._single = single
        self._bulk_ok = bulk_ok
        self._pending: dict[int, _Batch] = {}

    async def delete(self, channel_id: int, message_id: int, reason: str) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        batch = self._pending.get(channel_id)
        if batch is not None:
            batch.items.append((message_id, future))
            await future
            return
        batch = self._pending[channel_id] = _Batch(reason, [(message_id, future)])
        await asyncio.sleep(0)  # one tick: deletes gathered with this one join the batch
        del self._pending[channel_id]
        await self._flush(channel_id, batch)
        await future

    async def _flush(self, channel_id: int, batch: _Batch) -> None:
        young = [(m, f) for m, f in batch.items if self._bulk_ok(m)]
        old = [(m, f) for m, f in batch.items if not self._bulk_ok(m)]
        groups: list[list[tuple[int, asyncio.Future[None]]]] = [
            young[i : i + BULK_DELETE_MAX] for i in range(0, len(young), BULK_DELETE_MAX)
        ]
        for group in groups:
            if len(group) == 1:
                old.append(group[0])
                continue
            await self._settle(group, self._bulk(channel_id, [m for m, _ in group], batch.reason))
        for message_id, future in old:
            await self._settle(
                [(message_id, future)], self._single(channel_id, message_id, batch.reason)
            )

    @staticmethod
    async def _settle(group: list[tuple[int, asyncio.Future[None]]], call: Awaitable[None]) -> None:
        try:
            await call
        except Exception as exc:
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
        else:
            for _, future in group:
                if not future.done():
                    future.set_result(None)
