"""The console adapter: chat with Kenes in a terminal, or replay a transcript from stdin."""

from bot.adapters.console.adapter import ConsoleAdapter
from bot.adapters.console.transcript import TranscriptError, parse_line

__all__ = ["ConsoleAdapter", "TranscriptError", "parse_line"]
