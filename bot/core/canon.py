"""One shared copy of equal values held by long-lived in-memory maps.

Every platform update brings its own new strings and refs: a chat id, a user id, a community
ref, a day. A map that keeps entries for minutes (recent UGC messages, members seen) would
otherwise hold a private copy of each in every entry; through `Canon` the entries share one.
Bounded: past `limit` distinct values the table starts afresh, which only costs sharing (the
values already in maps stay valid), never correctness.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class Canon(Generic[T]):
    """`canon(value)` is the first value seen equal to `value` (while it is remembered)."""

    __slots__ = ("_limit", "_seen")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: dict[T, T] = {}

    def __call__(self, value: T) -> T:
        found = self._seen.get(value)
        if found is None:
            if len(self._seen) >= self._limit:
                self._seen.clear()
            found = self._seen[value] = value
        return found

    def __len__(self) -> int:
        return len(self._seen)


def compact_id(value: str) -> int | str:
    """A platform id as stored in memory: a decimal id (Telegram, Discord) as an int, which
    is half the size of its text; anything else as it is. Round-trips: `str(compact_id(v))`
    is `v` for every id that became an int (no sign, no leading zero, ASCII digits only)."""
    if value.isascii() and value.isdigit() and (value == "0" or value[0] != "0"):
        return int(value)
    return value
