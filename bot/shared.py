"""State several instances share through Redis: delivery dedupe marks and per-member rings.

Only used when `bot.redis_url` is set. A single instance keeps these structures in its own
memory and makes no network round trip on the message path; with several instances behind one
Telegram webhook or across Discord shards, a member's messages reach different processes, so
what limits them must be counted in one place. Redis holds nothing that needs a backup: every
key expires, and a lost key only forgets a few seconds of counting.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from typing import Any

from bot.core.errors import KenesError

log = logging.getLogger(__name__)

PREFIX = "kenes:"

# A sliding window shared by every instance: drop stamps older than the window; take a slot if
# fewer than `count` remain, else say how long until the oldest leaves. Atomic in Redis, so two
# instances can never both take the last slot.
_RESERVE = """
local now, window, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < count then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window + 60000)  -- only frees memory; the ZREM above counts
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now
"""


class SharedStateUnavailable(KenesError):
    """Redis is configured but cannot be reached."""


class SharedState:
    """Redis operations Kenes needs, each one round trip."""

    def __init__(self, client: Any, url: str) -> None:
        self._redis = client
        self.url = url
        self.round_trips = 0
        self._reserve = client.register_script(_RESERVE)
        self._stamps = itertools.count()
        self._id = uuid.uuid4().hex

    @classmethod
    async def connect(cls, url: str) -> SharedState:
        """A client for `url`, checked with a PING so a wrong address fails at start."""
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        client = Redis.from_url(url, decode_responses=True)
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            await client.aclose()
            raise SharedStateUnavailable(
                f"cannot connect to Redis (bot.redis_url): {exc}; is the server running?"
            ) from None
        return cls(client, url)

    async def close(self) -> None:
        await self._redis.aclose()

    async def claim(self, key: str, ttl_seconds: int) -> bool:
        """True for the first instance to claim `key` within `ttl_seconds` (SET NX)."""
        self.round_trips += 1
        return bool(await self._redis.set(PREFIX + key, "1", nx=True, ex=ttl_seconds))

    async def begin(self, key: str, lease_seconds: int) -> bool:
        """Start work on `key` unless it is done or in progress elsewhere (SET NX, a lease).

        The lease runs out if the instance dies mid-work, so the platform's re-delivery is
        handled by another instance instead of being dropped as a duplicate.
        """
        self.round_trips += 1
        return bool(await self._redis.set(PREFIX + key, "working", nx=True, ex=lease_seconds))

    async def finish(self, key: str, keep_seconds: int) -> None:
        """Mark `key` done for `keep_seconds`: later re-deliveries are dropped."""
        self.round_trips += 1
        await self._redis.set(PREFIX + key, "done", ex=keep_seconds)

    async def reserve(self, key: str, count: int, seconds: float, now: float) -> float:
        """Take a slot in the window `key` (at most `count` per `seconds`, shared by every
        instance) and return 0, or return the seconds to wait before asking again.

        `now` is wall-clock time: instances agree on it to within NTP's error, far below the
        windows of the Bot API's limits.
        """
        self.round_trips += 1
        member = f"{self._id}:{next(self._stamps)}"  # unique across instances
        wait_ms = await self._reserve(
            keys=[PREFIX + key], args=[int(now * 1000), int(seconds * 1000), count, member]
        )
        return max(0.0, int(wait_ms) / 1000)

    async def ring(self, key: str, entry: str, size: int, ttl_seconds: int) -> list[str]:
        """Push `entry` onto the ring `key`, keep the newest `size`, return them (newest first).

        One MULTI/EXEC round trip: entries of every instance land in one list, in arrival order.
        """
        self.round_trips += 1
        name = PREFIX + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(name, entry)
            pipe.ltrim(name, 0, size - 1)
            pipe.lrange(name, 0, size - 1)
            pipe.expire(name, ttl_seconds)
            _, _, entries, _ = await pipe.execute()
        return list(entries)

    async def expire_now(self, key: str) -> None:
        """End `key`'s lease at once (what its expiry does; for tests and operators)."""
        await self._redis.delete(PREFIX + key)

    async def flush(self) -> None:
        """Forget every Kenes key (tests and benchmarks start clean)."""
        keys = [key async for key in self._redis.scan_iter(match=PREFIX + "*")]
        if keys:
            await self._redis.delete(*keys)
