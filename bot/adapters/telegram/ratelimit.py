"""Outgoing rate limits of the Bot API: per chat, per group per minute, and for the whole bot.

Telegram asks bots to stay near 1 message/s in a chat, 20 messages/min in a group and 30/s
overall, and answers 429 with `retry_after` past that. Limits are sliding windows over a
monotonic time source; the source and the sleep are injected so tests never wait.

Telegram counts per bot, not per process: with several instances (Redis configured) each slot
is also taken in a window in Redis that all instances share, so together they keep to the
limits. One instance keeps only its local windows (no round trip per call).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.shared import SharedState

CLEANUP_EVERY = 10_000

Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Limits:
    """Calls allowed per window; a 0 count turns that limit off."""

    per_chat: int = 1
    per_chat_seconds: float = 1.0
    per_group_minute: int = 20
    overall: int = 30
    overall_seconds: float = 1.0

    @classmethod
    def unlimited(cls) -> Limits:
        return cls(per_chat=0, per_group_minute=0, overall=0)


class _Window:
    """At most `count` acquisitions in any half-open span [t, t + `seconds`).

    An acquisition exactly `seconds` old is outside the span that ends now, so it is forgotten
    at that instant and not a moment before: the window never admits `count` + 1.
    """

    def __init__(self, count: int, seconds: float) -> None:
        self.count = count
        self.seconds = seconds
        self.times: deque[float] = deque()
        self.blocked_until = 0.0

    def wait_time(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        wait = max(0.0, self.blocked_until - now)
        if self.count and len(self.times) >= self.count:
            wait = max(wait, self.times[0] + self.seconds - now)
        return wait

    def take(self, now: float) -> None:
        if self.count:
            self.times.append(now)


class RateLimiter:
    """Waits until a call to a chat is within every limit, in arrival order per chat."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        now: Now | None = None,
        sleep: Sleep | None = None,
        shared: SharedState | None = None,
        scope: str = "tg",
        wall: Now | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self._now: Now = now or time.monotonic
        self._sleep: Sleep = sleep or asyncio.sleep
        self._shared = shared
        self._scope = scope  # one bot's windows in Redis: its token's limits, not another's
        self._wall: Now = wall or time.time
        limits = self.limits
        self._overall = _Window(limits.overall, limits.overall_seconds)
        self._chats: defaultdict[str, _Window] = defaultdict(
            lambda: _Window(limits.per_chat, limits.per_chat_seconds)
        )
        self._groups: defaultdict[str, _Window] = defaultdict(
            lambda: _Window(limits.per_group_minute, 60.0)
        )
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._overall_lock = asyncio.Lock()
        self.waited = 0.0
        self._since_cleanup = 0

    async def acquire(self, chat: str | None, *, counts_as_message: bool = True) -> None:
        """Wait for a slot. `chat` None is a call about no chat (only the overall limit)."""
        async with self.slot(chat, counts_as_message=counts_as_message):
            pass

    @contextlib.asynccontextmanager
    async def slot(
        self,
        chat: str | None,
        *,
        counts_as_message: bool = True,
        gate: asyncio.Semaphore | None = None,
    ) -> AsyncIterator[None]:
        """Hold a slot for one request, sent inside the `async with`.

        `gate` bounds the requests in flight; it is entered before the overall slot is taken,
        so the time counted is the time the request leaves (see the module docstring).
        """
        self._since_cleanup += 1
        if self._since_cleanup >= CLEANUP_EVERY:
            self._since_cleanup = 0
            self.forget_idle()
        if chat is None or not counts_as_message:
            if chat is not None:
                await self._wait_blocked(self._chats[chat])
            async with _entered(gate):
                await self._take_overall()
                yield
            return
        group = chat.startswith("-")
        async with self._locks[chat]:
            windows = [self._chats[chat]]
            if group:
                windows.append(self._groups[chat])
            # Waiting for the chat's own windows holds no connection: other chats go on.
            await self._wait_windows(windows)
            if self._shared is not None:
                await self._reserve(f"chat:{chat}", limits_of(self.limits, "chat"))
                if group:
                    await self._reserve(f"group:{chat}", limits_of(self.limits, "group"))
            if gate is not None:
                await gate.acquire()
            try:
                await self._take_overall()
                # Time passed while waiting for the gate and the overall slot; windows only
                # free up as time passes, so the check above still holds.
                now = self._now()
                for window in windows:
                    window.take(now)
            except BaseException:
                if gate is not None:
                    gate.release()
                raise
        try:
            yield
        finally:
            if gate is not None:
                gate.release()

    async def _wait_windows(self, windows: list[_Window]) -> None:
        while True:
            now = self._now()
            wait = max(w.wait_time(now) for w in windows)
            if wait <= 0:
                return
            self.waited += wait
            await self._sleep(wait)

    async def _take_overall(self) -> None:
        async with self._overall_lock:
            while (wait := self._overall.wait_time(self._now())) > 0:
                self.waited += wait
                await self._sleep(wait)
            if self._shared is not None:
                await self._reserve("overall", limits_of(self.limits, "overall"))
            self._overall.take(self._now())

    async def _reserve(self, key: str, window: tuple[int, float]) -> None:
        count, seconds = window
        if not count or self._shared is None:
            return
        while (
            wait := await self._shared.reserve(f"{self._scope}:{key}", count, seconds, self._wall())
        ) > 0:
            self.waited += wait
            await self._sleep(wait)

    async def _wait_blocked(self, window: _Window) -> None:
        while (wait := max(0.0, window.blocked_until - self._now())) > 0:
            self.waited += wait
            await self._sleep(wait)

    def penalize(self, chat: str | None, seconds: float) -> None:
        """Telegram said 429: hold calls to `chat` (or every call) for `seconds`."""
        until = self._now() + seconds
        window = self._overall if chat is None else self._chats[chat]
        window.blocked_until = max(window.blocked_until, until)

    @property
    def tracked(self) -> int:
        """How many chats and groups the limiter holds state for."""
        return len(self._chats) + len(self._groups)

    def forget_idle(self) -> None:
        """Drop the state of chats with nothing in their windows (bounded memory)."""
        now = self._now()
        for table in (self._chats, self._groups):
            for key in [k for k, w in table.items() if w.wait_time(now) <= 0 and not w.times]:
                del table[key]
        for key in [k for k, lock in self._locks.items() if not lock.locked()]:
            if key not in self._chats:
                del self._locks[key]


def limits_of(limits: Limits, which: str) -> tuple[int, float]:
    """(count, seconds) of one of the three windows."""
    if which == "chat":
        return limits.per_chat, limits.per_chat_seconds
    if which == "group":
        return limits.per_group_minute, 60.0
    return limits.overall, limits.overall_seconds


@contextlib.asynccontextmanager
async def _entered(gate: asyncio.Semaphore | None) -> AsyncIterator[None]:
    if gate is None:
        yield
        return
    async with gate:
        yield


class VirtualTime:
    """A time source whose sleeps return at once and move time forward (tests, benchmarks)."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)
