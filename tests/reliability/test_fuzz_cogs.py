"""10,000 seeded hostile events through every cog on a real SQLite file: no handler fails.

Messages, edits, commands with mangled arguments, forged buttons, reactions, joins and leaves,
from members, moderators and admins, with simulated time moving so scheduled jobs run too.
A seeded generator, not Hypothesis: the point is volume, and a failure names its seed and step.
"""

from __future__ import annotations

import logging
import random
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.clock import ManualClock
from bot.core.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageEdited,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.permissions import Level
from bot.core.refs import MessageRef, UserRef
from tests.auxil.app import START, make_config, running_app

EVENTS = 10_000
# A real SQLite file with every migration, in memory-backed storage where the system has it:
# the test is about handlers, not the disk.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None
SEED = 20261129
ALL_COGS = ["core", "moderation", "onboarding", "polls", "ama", "heroes", "digest"]
NAMES = [f"m{i}" for i in range(40)] + ["mod1", "mod2", "adm"]
LEVELS = {"mod1": Level.MODERATOR, "mod2": Level.MODERATOR, "adm": Level.ADMIN}
CHANNELS = ["general", "ideas", "mod-log", "ama", "random"]
PIECES = [
    "[Free Nitro](https://evil.example)",
    "# head",
    "> quote",
    "||spoiler||",
    "**bold**",
    "`code`",
    "<@123>",
    "@everyone",
    "@durov",
    "<b>x</b>",
    "&amp;",
    "\\",
    "\n",
    "спам",
    "f.u.c.k",
    "с п а м",
    "100% profit",
    "заработок",
    "Салымсыз табыс",
    "thanks",
    "спасибо",
    "рахмет",
    "👍",
    "🔥" * 20,
    "\u202e",
    "\u200b",
    "\u0301" * 30,
    "\ud800",
    "\x00",
    "discord.gg/abc",
    "https://x.example/path",
    "www.site.kz",
    "P999999999D",
    "99999999999999999999",
    "-1",
    "0",
    "1e309",
    "nan",
    "10m",
    "999999w",
    "|",
    '"',
    "--multi",
    "--public",
    "--quiz",
    "?",
    "A" * 50,
]
BUTTONS = [
    "poll:1:0",
    "poll:99999999999999999999:0",
    "poll:1:-1",
    "poll:x:y",
    "ama:up:1",
    "ama:up:99999999999999999999999",
    "onboarding:accept:m1",
    "",
    ":",
    "poll:" + "9" * 400 + ":0",
]
EMOJI = ["👍", "🔥", "✅", "❤️", "x", ""]


def hostile(rng: random.Random, most: int = 12) -> str:
    parts = []
    for _ in range(rng.randint(0, most)):
        if rng.random() < 0.6:
            parts.append(rng.choice(PIECES))
        else:
            parts.append("".join(chr(rng.randint(32, 0x2FFF)) for _ in range(rng.randint(1, 8))))
        parts.append(rng.choice([" ", "", "\n", " | "]))
    if rng.random() < 0.01:
        parts.append("a" * rng.randint(4000, 12000))
    return "".join(parts)


class Fuzzer:
    def __init__(self, app: Kenes, memory: MemoryAdapter, rng: random.Random) -> None:
        self.app, self.memory, self.rng = app, memory, rng
        self.commands = [spec.name for spec in app.commands.all()] + ["nosuch", ""]
        self.ids = 1

    def message_ref(self, chat_name: str | None = None) -> MessageRef:
        chat = self.memory.channel(chat_name or self.rng.choice(CHANNELS))
        return MessageRef(chat, str(self.rng.randint(1, self.ids + 5)))

    def event(self) -> Event:
        rng, memory = self.rng, self.memory
        name = rng.choice(NAMES)
        author = memory.author(name, LEVELS.get(name, Level.MEMBER))
        chat = memory.channel(rng.choice(CHANNELS))
        at = self.app.clock.now() - timedelta(seconds=rng.choice([0, 0, 0, 5, 3600 * 30]))
        mentions = tuple(UserRef("memory", rng.choice(NAMES)) for _ in range(rng.randint(0, 3)))
        self.ids += 1
        ref = MessageRef(chat, str(self.ids))
        roll = rng.random()
        if roll < 0.68:
            reply = self.message_ref() if rng.random() < 0.2 else None
            return MessageCreated(
                chat=chat,
                author=author,
                at=at,
                message=ref,
                text=hostile(rng),
                reply_to=reply,
                reply_to_author=UserRef("memory", rng.choice(NAMES)) if reply else None,
                mentions=mentions,
                is_caption=rng.random() < 0.05,
            )
        if roll < 0.75:
            return MessageEdited(
                chat=chat, author=author, at=at, message=self.message_ref(), text=hostile(rng)
            )
        if roll < 0.85:
            options = {}
            if rng.random() < 0.3:
                options = {hostile(rng, 1)[:20] or "x": hostile(rng, 3) for _ in range(2)}
            return CommandInvoked(
                chat=chat,
                author=author,
                at=at,
                name=rng.choice(self.commands),
                args=hostile(rng, 6),
                options=options,
                message=ref,
                reply_to=self.message_ref() if rng.random() < 0.3 else None,
                reply_to_author=UserRef("memory", rng.choice(NAMES))
                if rng.random() < 0.3
                else None,
                mentions=mentions,
                event_id=str(rng.randint(1, 10**6)) if rng.random() < 0.1 else None,
            )
        if roll < 0.90:
            return ButtonPressed(
                chat=chat,
                author=author,
                at=at,
                message=self.message_ref(),
                custom_id=rng.choice(BUTTONS),
            )
        if roll < 0.95:
            kind = ReactionAdded if rng.random() < 0.7 else ReactionRemoved
            return kind(
                chat=chat,
                author=author,
                at=at,
                message=self.message_ref(),
                emoji=rng.choice(EMOJI),
                message_author=UserRef("memory", rng.choice(NAMES)),
            )
        if roll < 0.97:
            answers = tuple(rng.randint(-2, 12) for _ in range(rng.randint(0, 3)))
            return PollAnswered(
                chat=chat, author=author, at=at, poll_id=str(rng.randint(0, 30)), options=answers
            )
        if roll < 0.99:
            return MemberJoined(chat=chat, author=author, at=at)
        return MemberLeft(chat=chat, author=author, at=at)


class Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.filterwarnings("ignore::ResourceWarning")
async def test_ten_thousand_hostile_events_raise_nothing(tmp_path: Path) -> None:
    scratch = tempfile.TemporaryDirectory(dir=SCRATCH or tmp_path)
    with scratch as folder:
        await _fuzz(Path(folder))


async def _fuzz(folder: Path) -> None:
    rng = random.Random(SEED)
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ALL_COGS}, defaults={"log_channel": "mod-log"})
    failures = Failures()
    root = logging.getLogger()
    root.addHandler(failures)
    try:
        async with running_app(folder / "kenes.db", config, [memory], ManualClock(START)) as app:
            fuzzer = Fuzzer(app, memory, rng)
            for step in range(EVENTS):
                event = fuzzer.event()
                await app.handle(event)
                assert not failures.records, (step, event, failures.records[0].getMessage())
                if step % 50 == 49:
                    await app.advance(timedelta(minutes=rng.choice([1, 10, 61, 60 * 25])))
                    assert not failures.records, (step, failures.records[0].getMessage())
                if len(memory.actions) > 5000:
                    memory.clear()
    finally:
        root.removeHandler(failures)
    detail = [f"{r.name}: {r.getMessage()}" for r in failures.records[:5]]
    assert failures.records == [], detail
