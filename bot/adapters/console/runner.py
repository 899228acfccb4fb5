"""Drive the console adapter: an interactive chat in a terminal, or a transcript from a pipe."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.adapters.console.adapter import ConsoleAdapter
from bot.adapters.console.transcript import TranscriptError, parse_line

INTRO = """Kenes console. You are '{speaker}' in #{channel}. Try /help, /ping, /rules.
  alice: hello        say something as alice        as bob        speak as bob from now on
  alice is moderator  give alice a role             +2h           let two hours pass
  alice joins / leaves, alice reacts 👍 to 3, alice edits 3: text, alice replies to 3: text
  quit                leave (Ctrl-D works too)"""


async def replay(adapter: ConsoleAdapter, lines: Iterable[str], errors: TextIO) -> int:
    """Feed a transcript; return how many lines were not understood (each is reported)."""
    bad = 0
    for number, line in enumerate(lines, start=1):
        try:
            step = parse_line(line)
        except TranscriptError as exc:
            print(f"transcript line {number}: {exc}", file=errors)
            bad += 1
            continue
        if step is not None:
            await adapter.feed(step)
    return bad


async def interactive(adapter: ConsoleAdapter) -> None:
    """A chat in the terminal until `quit` or end of input."""
    print(INTRO.format(speaker=adapter.speaker, channel=adapter.default_channel))
    while True:
        try:
            line = await asyncio.to_thread(input, f"{adapter.speaker}> ")
        except EOFError:
            print()
            return
        if line.strip() in ("quit", "exit"):
            return
        try:
            step = parse_line(line)
        except TranscriptError as exc:
            print(f"(not understood: {exc})", file=sys.stderr)
            continue
        if step is not None:
            await adapter.feed(step)
