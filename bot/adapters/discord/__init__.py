"""Discord adapter (discord.py 2.x): slash commands, gateway events, REST actions."""

from bot.adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
