"""The Telegram adapter: python-telegram-bot 22.x under the core's events and actions."""

from __future__ import annotations

import os

# Opt in to PTB's coming `timedelta` durations now: the old int form warns on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.adapters.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
