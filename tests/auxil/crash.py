"""A process that dies mid-send: what a kill -9 between two commits looks like to the app."""

from __future__ import annotations

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import Action, ActionResult, SendMessage


class ProcessDied(BaseException):
    """Raised where the process would stop; nothing catches it, so nothing after it runs."""


class DyingAdapter(MemoryAdapter):
    """The memory adapter in a process that dies as it is about to send a text starting
    `prefix` (once): the message never reaches the platform and no later commit happens."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.dies_at: str | None = prefix

    async def execute(self, action: Action) -> ActionResult:
        prefix = self.dies_at
        if prefix and isinstance(action, SendMessage) and action.text.startswith(prefix):
            self.dies_at = None
            raise ProcessDied(prefix)
        return await super().execute(action)
