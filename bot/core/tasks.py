"""Background task helpers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

BACKOFF_START = 0.5
BACKOFF_CAP = 30.0


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failures in a row: 0.5, 1, 2 ... up to 30."""
    return float(min(BACKOFF_CAP, BACKOFF_START * 2 ** min(max(0, failures - 1), 16)))


async def cancel_task(task: asyncio.Task[None] | None, within: float | None = None) -> bool:
    """Cancel `task` and wait until it has ended (None is fine); True when it ended.

    With `within`, wait at most that long: a task stuck in a database call that runs in a
    thread (SQLite waiting out "database is locked") ends only when the call returns, and a
    stop must not wait for that.
    """
    if task is None:
        return True
    task.cancel()
    if within is None:
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return True
    done, _ = await asyncio.wait({task}, timeout=max(0.0, within))
    if not done:
        log.warning(
            "%s did not end within %.1f s of being cancelled; left", task.get_name(), within
        )
        return False
    with contextlib.suppress(asyncio.CancelledError):
        task.result()
    return True


async def bounded(work: Awaitable[object], seconds: float, what: str) -> bool:
    """Run `work` for at most `seconds`; True when it finished (its errors are logged).

    Past the time it is cancelled and left, never awaited: see `cancel_task`.
    """
    task: asyncio.Task[object] = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=max(0.0, seconds))
    if not done:
        task.cancel()
        log.warning("%s did not finish within %.1f s; left for the next start", what, seconds)
        return False
    if task.cancelled():
        return False
    error = task.exception()
    if error is not None:
        log.error("%s failed", what, exc_info=error)
        return False
    return True


def every(
    seconds: float, work: Callable[[], Awaitable[object]], *, name: str
) -> asyncio.Task[None]:
    """Run `work` every `seconds` in the background; a failing run is logged and retried next time.

    For upkeep that follows the wall clock (flushing counters, watching files), not for anything a
    member waits on: that goes through the durable scheduler and the Clock.
    """

    async def loop() -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await work()
            except Exception:
                log.exception("%s failed; will try again in %ss", name, seconds)

    return asyncio.create_task(loop(), name=name)
