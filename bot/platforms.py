"""Which platform adapters to run, decided by which tokens the environment holds."""

from __future__ import annotations

import logging

from bot.adapters.base import Adapter
from bot.config import Config

log = logging.getLogger(__name__)


def platform_adapters(config: Config) -> list[Adapter]:
    """Adapters for every platform whose token is set; empty means: run the console."""
    adapters: list[Adapter] = []
    telegram_token = config.token("telegram")
    if telegram_token:
        from bot.adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(telegram_token, config.platforms.telegram))
        log.info("Telegram: token found in %s", config.platforms.telegram.token_env)
    discord_token = config.token("discord")
    if discord_token:
        from bot.adapters.discord import DiscordAdapter  # imported only when Discord is used

        adapters.append(DiscordAdapter(discord_token, config.platforms.discord))
        log.info("Discord token found in $%s", config.platforms.discord.token_env)
    return adapters
