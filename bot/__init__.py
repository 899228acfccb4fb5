"""Kenes: a community-operations bot for Discord, Telegram and the console."""

__version__ = "0.1.0"
