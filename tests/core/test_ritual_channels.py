"""Ritual channels: the shipped rules post the hero and the digest on Telegram and on Discord;
a channel that names nothing is told to the admins early; a refused post tells the log channel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import SendMessage
from bot.core.clock import ManualClock
from tests.auxil.app import START, make_config, running_app
from tests.auxil.discord_world import (
    CHANNEL_ID,
    SYSTEM_CHANNEL_ID,
    discord_config,
    discord_world,
)
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.auxil.moderation import copy_rules
from tests.auxil.telegram import telegram_app, until

RITUALS = ["core", "heroes", "digest"]
WEEK = timedelta(days=7)
KINDS = ("heroes.announce", "digest.publish")
GROUP = supergroup(-100777)
ALICE = user(11, "Alice", "alice")


def posted_rituals(texts: list[str]) -> tuple[bool, bool]:
    return (
        any("hero of the week" in text.lower() for text in texts),
        any("Weekly digest" in text for text in texts),
    )


@pytest.fixture
def fake(fake: FakeTelegram) -> FakeTelegram:
    fake.set_admins(GROUP["id"], user(99, "Owner"))
    return fake


async def test_weekly_hero_and_digest_go_out_on_telegram(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    config = make_config(bot={"cogs": RITUALS})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        update_id, _ = fake.say(GROUP, ALICE, "hello everyone")
        await tg.settle(update_id)
        await tg.app.advance(WEEK)

        def texts() -> list[str]:
            return [
                str(c["text"]) for c in fake.of("sendMessage") if int(c["chat_id"]) == GROUP["id"]
            ]

        await until(lambda: all(posted_rituals(texts())), what="the hero and the digest")
        failed = [job for job in await tg.app.scheduler.pending() if job.attempt]
        assert failed == []


async def test_weekly_hero_and_digest_go_out_on_discord(tmp_path: Path) -> None:
    config = discord_config(cogs=tuple(RITUALS))
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.gateway("MESSAGE_CREATE", world.message("alice", "hello everyone"))
        await world.advance(WEEK)
        # No channel set: the server's system channel is its main chat.
        posts = world.fake.calls("POST", rf"^/channels/{SYSTEM_CHANNEL_ID}/messages$")
        assert posted_rituals([str(p.json["content"]) for p in posts]) == (True, True)


async def test_a_discord_channel_by_name(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "rituals.toml"
    path.write_text(path.read_text().replace('channel = ""', 'channel = "#general"'))
    config = make_config(rules, bot={"cogs": RITUALS}, platforms={"discord": {}})
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.gateway("MESSAGE_CREATE", world.message("alice", "hello everyone"))
        await world.advance(WEEK)
        posts = world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
        assert posted_rituals([str(p.json["content"]) for p in posts]) == (True, True)


async def test_a_channel_that_names_nothing_is_told_to_the_admins(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "rituals.toml"
    text = path.read_text()
    path.write_text(text.replace('channel = ""', 'channel = "news"'))
    memory = MemoryAdapter()
    memory.channels = {"general", "mod-log"}
    config = make_config(rules, bot={"cogs": RITUALS}, defaults={"log_channel": "mod-log"})
    async with running_app(tmp_path / "kenes.db", config, [memory], ManualClock(START)) as app:
        await memory.say("alice", "hello")
        told = [a.text for a in memory.of_type(SendMessage) if a.chat.id == "mod-log"]
        assert any("there is no channel “news”" in line for line in told), told
        assert any("hero of the week announcement" in line for line in told)
        assert any("weekly digest" in line for line in told)
        before = len(told)
        await memory.say("bob", "hi")  # told once, not on every message
        assert len([a for a in memory.of_type(SendMessage) if a.chat.id == "mod-log"]) == before
        # An edit that fixes it is checked at once; nothing more is said, and the week posts.
        path.write_text(text)
        assert await app.services.rules.reload() == []
        await app.advance(WEEK)
        posted = [a.text for a in memory.of_type(SendMessage) if a.chat.id == "general"]
        assert posted_rituals(posted) == (True, True)


async def test_a_refused_announcement_tells_the_log_channel(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ["core", "heroes"]}, defaults={"log_channel": "mod-log"})
    async with running_app(tmp_path / "kenes.db", config, [memory], ManualClock(START)) as app:
        await memory.say("alice", "hello")
        memory.refuse_in["general"] = "missing access"
        await app.advance(WEEK)
        told = [a.text for a in memory.of_type(SendMessage) if a.chat.id == "mod-log"]
        assert told
        assert all("was not posted in general" in line for line in told), told
        assert "missing access" in told[0]


async def test_a_refused_announcement_is_told_once_per_post_across_retries_and_restarts(
    tmp_path: Path,
) -> None:
    """Five attempts of the hero post and the digest, with a restart in between: one notice each."""
    config = make_config(bot={"cogs": RITUALS}, defaults={"log_channel": "mod-log"})
    db = tmp_path / "kenes.db"
    clock = ManualClock(START)
    memory = MemoryAdapter()
    async with running_app(db, config, [memory], clock) as app:
        await memory.say("alice", "hello")
        memory.refuse_in["general"] = "missing access"
        slots = [j.due_at for j in await app.scheduler.pending() if j.kind in KINDS]
        assert len(slots) == 2
        await app.advance(max(slots) + timedelta(seconds=90) - clock.now())  # two attempts each
    told = [a.text for a in memory.of_type(SendMessage) if a.chat.id == "mod-log"]
    again = MemoryAdapter()
    again.refuse_in["general"] = "missing access"
    async with running_app(db, config, [again], clock) as app:
        await app.advance(timedelta(hours=1))  # the remaining retries, after a restart
        failed = [job for job in await app.scheduler.pending() if job.attempt]
    told += [a.text for a in again.of_type(SendMessage) if a.chat.id == "mod-log"]
    assert failed == [], "every retry was used"
    assert sorted(line.split(" was not posted")[0] for line in told) == [
        "The hero of the week announcement",
        "The weekly digest",
    ], told
