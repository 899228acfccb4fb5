"""Permission levels that commands declare and the core checks."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """Who may run a command; higher levels include the lower ones."""

    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return self.name.lower()
