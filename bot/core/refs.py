"""Identity of chats, users, messages and communities on a platform.

Platform ids are kept as text: Telegram ids passed 2^31 long ago and Discord snowflakes are 64-bit,
so they are never squeezed into a 32-bit integer nor parsed back out of display text.

A private chat (a member's DM with the bot) is not a community: its chat carries the platform's
one `private` placeholder instead, which is never stored as a `communities` row, never gets
rituals, moderation or onboarding, and reaches only the handlers that serve DMs.
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

    @classmethod
    def private(cls, platform: str) -> CommunityRef:
        """The placeholder community of every private chat on `platform` (not a community)."""
        return cls(platform, PRIVATE)

    @property
    def is_private(self) -> bool:
        return self.id == PRIVATE


# No platform id looks like this (Telegram ids are numbers, Discord's snowflakes, the console's
# a word without a colon), so the placeholder cannot collide with a real community.
PRIVATE = ":private:"


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A place messages are posted in: a channel, a group, a thread, or a direct chat."""

    platform: str
    id: str
    community: CommunityRef

    @property
    def is_private(self) -> bool:
        """A member's private chat with the bot (a DM), which belongs to no community."""
        return self.community.is_private


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
