"""Drive the console adapter: an interactive chat in a terminal, or a transcript from a pipe."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Iterable
from typing import TextIO

from bot.adapters.console.adapter import ConsoleAdapter
from bot.adapters.console.transcript import TranscriptError, parse_line

INTRO = """Kenes console. You are '{speaker}' in #{channel}. Try /help, /ping, /rules.
  alice: hello        say something as alice        as bob        speak as bob from now on
  alice is moderator  give alice a role             +2h           let two hours pass
  alice joins / leaves, alice reacts 👍 to 3, alice edits 3: text, alice replies to 3: text
  quit                leave (Ctrl-D or Ctrl-C work too); arrow keys recall earlier lines"""


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


def _line_editing() -> None:
    """Arrow keys, history and Ctrl-R for `input()` where the platform has readline."""
    with contextlib.suppress(ImportError):  # e.g. Windows without pyreadline
        import readline  # noqa: F401 - importing it is what turns line editing on


async def read_line(prompt: str) -> str:
    """`input()` in a daemon thread: a Ctrl-C or a stop never waits for a pending read
    (a thread of the default executor would keep the process alive until Enter)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def settle(line: str | None, error: BaseException | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(line or "")

    def read() -> None:
        try:
            line, error = input(prompt), None
        except BaseException as exc:  # EOFError, or Ctrl-C while reading
            line, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(settle, line, error)

    threading.Thread(target=read, name="kenes-console-input", daemon=True).start()
    return await answer


async def interactive(adapter: ConsoleAdapter) -> None:
    """A chat in the terminal until `quit`, end of input or Ctrl-C."""
    _line_editing()
    print(INTRO.format(speaker=adapter.speaker, channel=adapter.default_channel))
    while True:
        try:
            line = await read_line(f"{adapter.speaker}> ")
        except (EOFError, KeyboardInterrupt):
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
