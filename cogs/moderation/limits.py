"""Per-member rate limits (flood, duplicates, mentions) in one compact ring buffer each.

A tracked member costs one `array('I')`: a head index and, for each of their last R
messages, a timestamp in tenths of a second and a word packing a 24-bit text hash with the
mention count. With the shipped limits (R = 7) that is 60 bytes of payload, 124 with the
array header: no per-message objects, no deques, nothing to flush to the database.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cogs.moderation.rules import Limits

if TYPE_CHECKING:
    from bot.shared import SharedState

TENTHS = 10
PRUNE_EVERY = 50_000
# Stamps are kept as unsigned 32-bit tenths after the first event seen: about 13 years.
MAX_TENTHS = 0xFFFFFFFF
_ZERO = array("I", [0])  # repeated, it allocates exactly (array("I", bytes(n)) over-allocates)


@dataclass(frozen=True, slots=True)
class Shape:
    """Ring size and windows in tenths of a second, derived from the current limits."""

    ring: int
    flood_messages: int
    flood_window: int
    dup_count: int
    dup_window: int
    mention_message: int
    mention_window_total: int
    mention_window: int
    flood_on: bool
    dup_on: bool
    mentions_on: bool

    @classmethod
    def of(cls, limits: Limits) -> Shape:
        flood, dup, mentions = limits.flood, limits.duplicates, limits.mentions
        return cls(
            ring=max(flood.messages + 1, dup.count, 4),
            flood_messages=flood.messages,
            flood_window=flood.seconds * TENTHS,
            dup_count=dup.count,
            dup_window=dup.seconds * TENTHS,
            mention_message=mentions.per_message,
            mention_window_total=mentions.per_window,
            mention_window=mentions.seconds * TENTHS,
            flood_on=flood.enabled,
            dup_on=dup.enabled,
            mentions_on=mentions.enabled,
        )

    @property
    def longest(self) -> int:
        return max(self.flood_window, self.dup_window, self.mention_window)


class Limiter:
    """Remembers each member's recent messages and says which limits a new one breaks."""

    def __init__(self) -> None:
        # community → user id → ring; the user id string is the event's own (no copy per key).
        self._state: dict[Hashable, dict[str, array[int]]] = {}
        self._shape: Shape | None = None
        self._base = 0
        self._checks = 0

    def configure(self, limits: Limits) -> Shape:
        """Adopt new limits; a different ring size starts everyone afresh (rules were edited)."""
        shape = Shape.of(limits)
        if self._shape is None or shape.ring != self._shape.ring:
            self._state.clear()
        self._shape = shape
        return shape

    def __len__(self) -> int:
        return sum(len(members) for members in self._state.values())

    def state_of(self, community: Hashable, user: str) -> array[int] | None:
        return self._state.get(community, {}).get(user)

    def check(
        self,
        community: Hashable,
        user: str,
        at: float,
        text_hash: int,
        mentions: int,
        shape: Shape,
    ) -> list[str]:
        """Record a message at `at` (epoch seconds) and return the limits it breaks.

        `text_hash` is 0 for text too short to count as a duplicate.
        """
        if not self._base:
            self._base = int(at) - 1
        # A backlog after a restart (or a forged stamp) may be older than the first event seen,
        # or absurdly far ahead: count it at the nearest representable time rather than fail,
        # so the message is still moderated (an error here let it through unchecked).
        now = min(max(int((at - self._base) * TENTHS), 1), MAX_TENTHS)
        ring = shape.ring
        members = self._state.get(community)
        if members is None:
            members = self._state[community] = {}
        buf = members.get(user)
        if buf is None:
            buf = members[user] = _ZERO * (1 + 2 * ring)
        head = buf[0]
        packed = ((text_hash & 0xFFFFFF) << 8) | min(mentions, 255)
        slot = 1 + 2 * head
        buf[slot] = now
        buf[slot + 1] = packed
        buf[0] = (head + 1) % ring
        broken: list[str] = []
        recent = same = mentioned = 0
        wanted = packed >> 8
        flood_since = now - shape.flood_window
        dup_since = now - shape.dup_window
        mention_since = now - shape.mention_window
        for i in range(1, 1 + 2 * ring, 2):
            ts = buf[i]
            if ts == 0:
                continue
            if ts >= flood_since:
                recent += 1
            word = buf[i + 1]
            if wanted and ts >= dup_since and word >> 8 == wanted:
                same += 1
            if ts >= mention_since:
                mentioned += word & 0xFF
        if shape.flood_on and recent > shape.flood_messages:
            broken.append("flood")
        if shape.dup_on and wanted and same >= shape.dup_count:
            broken.append("duplicates")
        if shape.mentions_on and (
            mentions > shape.mention_message or mentioned > shape.mention_window_total
        ):
            broken.append("mentions")
        self._checks += 1
        if self._checks % PRUNE_EVERY == 0:
            self.prune(now, shape)
        return broken

    def prune(self, now: int, shape: Shape) -> int:
        """Forget members whose newest message is older than every window."""
        horizon = now - shape.longest
        dropped = 0
        for members in self._state.values():
            stale = [
                user
                for user, buf in members.items()
                if max(buf[1 + 2 * i] for i in range(shape.ring)) < horizon
            ]
            for user in stale:
                del members[user]
            dropped += len(stale)
        return dropped


class SharedLimiter:
    """The same limits counted in Redis, for several instances serving one community.

    A member's messages may reach any instance, so each instance pushes the message onto the
    member's ring in Redis and judges the ring it gets back (one round trip). Stamps are
    absolute tenths of a second, so instances need no common starting point; their clocks only
    need to agree to within a fraction of the shortest window (NTP does far better).
    """

    def __init__(self, shared: SharedState) -> None:
        self._shared = shared

    async def check(
        self,
        community: Hashable,
        user: str,
        at: float,
        text_hash: int,
        mentions: int,
        shape: Shape,
    ) -> list[str]:
        """Record a message and return the limits it breaks, counted across instances."""
        now = int(at * TENTHS)
        packed = ((text_hash & 0xFFFFFF) << 8) | min(mentions, 255)
        ttl = math.ceil(shape.longest / TENTHS) + 1
        entries = await self._shared.ring(
            f"lim:{community}:{user}", f"{now}:{packed}", shape.ring, ttl
        )
        recent = same = mentioned = 0
        wanted = packed >> 8
        for entry in entries:
            stamp, _, word_text = entry.partition(":")
            ts, word = int(stamp), int(word_text)
            if ts >= now - shape.flood_window:
                recent += 1
            if wanted and ts >= now - shape.dup_window and word >> 8 == wanted:
                same += 1
            if ts >= now - shape.mention_window:
                mentioned += word & 0xFF
        broken: list[str] = []
        if shape.flood_on and recent > shape.flood_messages:
            broken.append("flood")
        if shape.dup_on and wanted and same >= shape.dup_count:
            broken.append("duplicates")
        if shape.mentions_on and (
            mentions > shape.mention_message or mentioned > shape.mention_window_total
        ):
            broken.append("mentions")
        return broken
