"""Whose authority an outbound action carries: the member whose command caused it, or Kenes.

Adapters that check the invoking member's rank before acting on someone (Discord's role
hierarchy) must not apply it to what the bot decides by itself: a member whose flood limit is
crossed by their own slash command would otherwise outrank the automatic mute (they are not
"below themselves"). Automatic actions run inside `as_bot()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_AS_BOT: ContextVar[bool] = ContextVar("kenes_as_bot", default=False)


@contextmanager
def as_bot() -> Iterator[None]:
    """Actions executed inside act with the bot's own rank, never the invoker's."""
    token = _AS_BOT.set(True)
    try:
        yield
    finally:
        _AS_BOT.reset(token)


def acting_as_bot() -> bool:
    """Whether the actions being executed now were decided by the bot itself."""
    return _AS_BOT.get()
