"""Liveness for container health checks: the running bot touches a file, `kenes health` reads it.

A container engine (Docker's HEALTHCHECK, a compose healthcheck, Kubernetes' exec probe) runs
`kenes health` inside the container; it answers 0 while the file was touched recently. The file
is touched by a background task on the bot's event loop, so an event loop that is stuck (a
handler spinning, a blocking call) stops the touches and the engine restarts the container.
Wall time on purpose: it is the engine's clock that matters, not the bot's scheduler clock.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.core.tasks import every

BEAT_SECONDS = 15.0
# `kenes health` fails when the file is older than this: four missed beats.
STALE_SECONDS = 60.0


def beat(path: Path) -> None:
    """Touch the heartbeat file (create it, or move its modification time to now)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def start_heartbeat(path: Path) -> asyncio.Task[None]:
    """Touch `path` now and every BEAT_SECONDS until the task is cancelled."""
    beat(path)

    async def touch() -> None:
        await asyncio.to_thread(beat, path)

    return every(BEAT_SECONDS, touch, name="kenes-heartbeat")


def check(
    path: Path | None, *, stale: float = STALE_SECONDS, now: float | None = None
) -> str | None:
    """None when the bot touched `path` within `stale` seconds; otherwise what is wrong."""
    if path is None:
        return "no bot.heartbeat_file in the config: set one so `kenes health` can see the bot"
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except FileNotFoundError:
        return f"{path} does not exist: the bot has not started (or runs with another config)"
    if age > stale:
        return (
            f"{path} was last touched {age:.0f} s ago (more than {stale:.0f} s): "
            "the bot is stuck or stopped"
        )
    return None
