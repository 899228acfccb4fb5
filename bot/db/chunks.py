"""Writing a buffer in chunks, so that a failed write leaves exactly what was not written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def write_chunks(
    items: list[T], size: int, write: Callable[[list[T]], Awaitable[None]]
) -> int:
    """Write `items` `size` at a time, taking each chunk off `items` once it is written.

    Returns how many were written. When a write fails (or the task is cancelled), `items` holds
    what was not written, the failed chunk first, for the caller to put back in its buffer.
    """
    written = 0
    while items:
        chunk = items[:size]
        await write(chunk)
        del items[: len(chunk)]
        written += len(chunk)
    return written
