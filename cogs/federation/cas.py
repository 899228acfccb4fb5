"""The CAS (Combot Anti-Spam) lookup: an HTTP client with a bounded TTL cache and a breaker.

The API (https://cas.chat/api): `GET {base}/check?user_id=N` answers 200 with JSON,
`{"ok": true, "result": {"offenses": 1, "messages": [...], "time_added": "..."}}` for a listed
account and `{"ok": false, "description": "Record not found."}` for one that is not. Anything
else (another status, a body that is not that shape, a timeout) is an error: the caller lets the
member in (or holds them, if so configured), never bans on it.

Hand-written rather than a cache library: the cache needs the injectable clock (tests never
sleep) and one bound; an OrderedDict does both in a few lines.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot.core.clock import Clock
from cogs.federation.rules import CasRules

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    """`listed` True/False, or None with `error` when the list could not answer."""

    listed: bool | None
    offenses: int = 0
    error: str | None = None
    cached: bool = False


class Breaker:
    """Opens after `failures_to_open` failures in a row; while open, no request is made.

    After `open_seconds` one request is let through (half-open): success closes it, failure
    opens it again for another period."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.failures = 0
        self.open_until: datetime | None = None
        self.opened = 0  # how many times it opened (for the log and tests)

    def allows(self) -> bool:
        return self.open_until is None or self._clock.now() >= self.open_until

    def success(self) -> None:
        self.failures, self.open_until = 0, None

    def failure(self, rules: CasRules) -> bool:
        """Count a failure; True when this one opened the breaker."""
        self.failures += 1
        half_open = self.open_until is not None
        if self.failures >= rules.failures_to_open or half_open:
            self.open_until = self._clock.now() + timedelta(seconds=rules.open_seconds)
            self.opened += 1
            return True
        return False


class CasClient:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._cache: OrderedDict[str, tuple[datetime, bool, int]] = OrderedDict()
        self._session: aiohttp.ClientSession | None = None
        self.breaker = Breaker(clock)
        self.requests = 0  # HTTP requests made (tests count them, not wall time)

    def __len__(self) -> int:
        return len(self._cache)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _cached(self, user_id: str) -> Verdict | None:
        found = self._cache.get(user_id)
        if found is None:
            return None
        expires, listed, offenses = found
        if expires <= self._clock.now():
            del self._cache[user_id]
            return None
        self._cache.move_to_end(user_id)
        return Verdict(listed, offenses, cached=True)

    def _remember(self, user_id: str, verdict: Verdict, rules: CasRules) -> None:
        assert verdict.listed is not None
        expires = self._clock.now() + timedelta(minutes=rules.cache_minutes)
        self._cache[user_id] = (expires, verdict.listed, verdict.offenses)
        self._cache.move_to_end(user_id)
        while len(self._cache) > rules.cache_size:
            self._cache.popitem(last=False)  # the least recently used goes first

    async def check(self, user_id: str, rules: CasRules) -> Verdict:
        """Whether CAS lists `user_id`; errors come back as a verdict, never raised."""
        found = self._cached(user_id)
        if found is not None:
            return found
        if not self.breaker.allows():
            return Verdict(None, error="breaker open")
        verdict = await self._ask(user_id, rules)
        if verdict.listed is None:
            if self.breaker.failure(rules):
                log.warning(
                    "CAS failed %d time(s) in a row (%s); not asked for %ss",
                    self.breaker.failures,
                    verdict.error,
                    rules.open_seconds,
                )
            return verdict
        self.breaker.success()
        self._remember(user_id, verdict, rules)
        return verdict

    async def _ask(self, user_id: str, rules: CasRules) -> Verdict:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self.requests += 1
        timeout = aiohttp.ClientTimeout(total=rules.timeout_seconds)
        try:
            async with self._session.get(
                f"{rules.base_url}/check", params={"user_id": user_id}, timeout=timeout
            ) as response:
                if response.status != 200:
                    return Verdict(None, error=f"HTTP {response.status}")
                body = await response.json(content_type=None)
        except TimeoutError:
            return Verdict(None, error=f"no answer within {rules.timeout_seconds}s")
        except (aiohttp.ClientError, ValueError) as exc:
            return Verdict(None, error=f"{type(exc).__name__}: {exc}")
        return parse_answer(body)


def parse_answer(body: Any) -> Verdict:
    """Read a CAS `/check` answer; a body of another shape is an error, not a miss."""
    if not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
        return Verdict(None, error="malformed answer: no boolean 'ok'")
    if not body["ok"]:
        return Verdict(False)
    result = body.get("result")
    offenses = result.get("offenses") if isinstance(result, dict) else None
    if not isinstance(offenses, int) or isinstance(offenses, bool) or offenses < 0:
        return Verdict(None, error="malformed answer: 'result.offenses' is not a count")
    return Verdict(True, offenses)


class Lookups:
    """Lookups running in the background, so a slow list never holds up the chat; bounded."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self.skipped = 0

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, work: Any, limit: int) -> bool:
        """Run `work` (a coroutine) unless `limit` lookups already run; False when skipped."""
        if len(self._tasks) >= limit:
            work.close()
            self.skipped += 1
            return False
        task = asyncio.create_task(work, name="kenes-cas-lookup")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def drain(self) -> None:
        """Wait for the lookups running now (tests; a clean stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
