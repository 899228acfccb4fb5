"""The PTB `Bot`, plus raw getUpdates (only new updates are parsed) and a raw getChat field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Bot

POLL_MARGIN = 10.0


class KenesBot(Bot):
    """A PTB Bot whose long poll returns the raw JSON of each update.

    A poll may bring updates Kenes has already handled (re-deliveries after a restart, ids
    Telegram served whatever the offset); parsing those into PTB objects would be wasted.
    Only new ones are parsed, with `Update.de_json`.
    """

    async def raw_updates(
        self, offset: int, limit: int, wait: int, allowed_updates: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Up to `limit` updates from `offset` on, waiting up to `wait` seconds for one."""
        data: dict[str, Any] = {
            "offset": offset,
            "limit": limit,
            "timeout": wait,
            "allowed_updates": list(allowed_updates),
        }
        # Allow the long poll its full wait plus the round trip before calling it a timeout.
        result = await self._post("getUpdates", data, read_timeout=wait + POLL_MARGIN)
        return list(result) if isinstance(result, list) else []

    async def linked_chat_id(self, chat_id: int) -> int | None:
        """The channel linked to a group (or the group linked to a channel), None if none.

        Read from getChat's raw JSON: only this field is needed, and a full `ChatFullInfo`
        requires fields that vary between Bot API versions.
        """
        result = await self._post("getChat", {"chat_id": chat_id})
        found = result.get("linked_chat_id") if isinstance(result, dict) else None
        return found if isinstance(found, int) else None
