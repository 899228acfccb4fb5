"""Time goes through a Clock so tests and transcripts control it and never sleep."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of the current time (always timezone-aware UTC)."""

    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at `when`, or earlier when `wake` is set."""
        ...


class SystemClock:
    """Wall-clock time, optionally shifted forward by `advance()` (the console's `+2h`)."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    def set(self, when: datetime) -> None:
        """Shift so that now() is `when` (not backwards)."""
        gap = when - self.now()
        if gap > timedelta():
            self._offset += gap

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        delay = max(0.0, (when - self.now()).total_seconds())
        try:
            await asyncio.wait_for(wake.wait(), timeout=delay)
        except TimeoutError:
            return


class ManualClock:
    """A clock that moves only when told: tests and transcripts use it for determinism."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta():
            raise ValueError("time only moves forward")
        self._now += delta

    def set(self, when: datetime) -> None:
        """Move to `when` (not backwards)."""
        when = when.astimezone(UTC)
        if when > self._now:
            self._now = when

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        # Manual time never passes by itself: only an explicit advance or a wake-up ends the wait.
        await wake.wait()


class AdjustableClock(Clock, Protocol):
    """A clock the console's `+2h` and tests can move forward."""

    def advance(self, delta: timedelta) -> None: ...

    def set(self, when: datetime) -> None: ...
