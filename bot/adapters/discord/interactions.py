"""Live interactions, kept briefly so replies can use them (ephemeral text needs one)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

import discord

KEEP = 1000  # tokens live 15 minutes; far more than enough for the replies of one event


class Interactions:
    """By interaction id, and the latest one per (channel, member) for private replies."""

    def __init__(self, keep: int = KEEP) -> None:
        self._by_id: OrderedDict[str, discord.Interaction[Any]] = OrderedDict()
        self._latest: OrderedDict[tuple[int, int], discord.Interaction[Any]] = OrderedDict()
        self._locks: OrderedDict[int, asyncio.Lock] = OrderedDict()
        self._keep = keep

    def add(self, interaction: discord.Interaction[Any]) -> None:
        self._by_id[str(interaction.id)] = interaction
        if interaction.channel_id is not None:
            key = (interaction.channel_id, interaction.user.id)
            self._latest.pop(key, None)
            self._latest[key] = interaction
        self._locks[interaction.id] = asyncio.Lock()
        tables: tuple[OrderedDict[Any, Any], ...] = (self._by_id, self._latest, self._locks)
        for table in tables:
            while len(table) > self._keep:
                table.popitem(last=False)

    def get(self, interaction_id: str | None) -> discord.Interaction[Any] | None:
        return None if interaction_id is None else self._by_id.get(interaction_id)

    def latest(self, channel_id: str, user_id: str) -> discord.Interaction[Any] | None:
        """The member's most recent interaction in the channel, while its token is valid."""
        interaction = self._latest.get((int(channel_id), int(user_id)))
        if interaction is None or interaction.is_expired():
            return None
        return interaction

    def answering(self, interaction: discord.Interaction[Any]) -> asyncio.Lock:
        """Held while answering: the first answer (reply or "thinking…") is made exactly once."""
        lock = self._locks.get(interaction.id)
        if lock is None:
            lock = self._locks[interaction.id] = asyncio.Lock()
        return lock
