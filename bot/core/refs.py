"""Identity of chats, users, messages and communities on a platform.

Platform ids are kept as text: Telegram ids passed 2^31 long ago and Discord snowflakes are 64-bit,
so they are never squeezed into a 32-bit integer nor parsed back out of display text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommunityRef:
    """A community: a Discord guild, a Telegram group, or the console's demo community."""

    platform: str
    id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A place messages are posted in: a channel, a group, a thread, or a direct chat."""

    platform: str
    id: str
    community: CommunityRef


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person or bot account on a platform."""

    platform: str
    id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True, slots=True)
class MessageRef:
    """One message in one chat."""

    chat: ChatRef
    id: str
