"""Background task helpers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def cancel_task(task: asyncio.Task[None] | None) -> None:
    """Cancel `task` and wait until it has ended (None is fine)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


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
