"""A scheduled post with a poll and a tracked link, published to a Discord server (fake REST)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import discord
import pytest

from bot.adapters.discord.markup import plain
from bot.core.clock import ManualClock
from tests.auxil.app import START, make_config
from tests.auxil.discord_world import (
    CHANNEL_ID,
    GUILD_ID,
    World,
    discord_config,
    discord_world,
)
from tests.auxil.rituals import rules_copy

COGS = ("core", "polls", "support", "content")
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
# START is Monday 09:00 UTC; Friday 18:00 in Asia/Almaty is 13:00 UTC.
TO_FRIDAY_18 = timedelta(days=4, hours=4)


async def answer(world: World, action: str, details: str = "") -> str:
    before = len(world.fake.calls("POST", CALLBACK))
    await world.slash("admin", "post", action=action, details=details)
    calls = world.fake.calls("POST", CALLBACK)
    assert len(calls) == before + 1
    return plain(str(calls[-1].json["data"]["content"]))


def channel_posts(world: World, since: int) -> list[str]:
    return [
        plain(str(r.json.get("content", "")))
        for r in world.fake.requests[since:]
        # The main chat: the server's system channel (rituals post there too).
        if r.method == "POST" and re.match(r"^/channels/\d+/messages$", r.path)
    ]


async def test_a_scheduled_post_goes_out_with_its_poll_and_tracked_link(tmp_path: Path) -> None:
    config = discord_config(cogs=COGS)
    clock = ManualClock(START)
    async with discord_world(tmp_path / "kenes.db", config=config, clock=clock) as world:
        assert "Draft 1" in await answer(
            world, "new", "myth Myth: fees are hidden. Fact: https://example.org/fees"
        )
        assert "has no next step" in await answer(world, "schedule", "1 fri 18:00")
        await answer(world, "next", "1 poll Which myth next? | Fees | Security")
        assert "Almaty, UTC+5" in await answer(world, "schedule", "1 fri 18:00")
        since = len(world.fake.requests)
        await world.advance(TO_FRIDAY_18 - timedelta(seconds=1))
        assert channel_posts(world, since) == []
        await world.advance(timedelta(seconds=1))
        [post] = [p for p in channel_posts(world, since) if p.startswith("Myth: fees")]
        assert (
            "https://example.org/fees?utm_source=kenes&utm_medium=community&utm_campaign=myth"
            in post
        )
        polls = [
            r.json
            for r in world.fake.requests[since:]
            if r.method == "POST" and "Which myth next?" in str(r.json)
        ]
        assert len(polls) == 1  # the polls feature's poll, once
        await world.advance(timedelta(days=2))
        assert [p for p in channel_posts(world, since) if p.startswith("Myth: fees")] == [post]


async def test_a_post_too_long_for_discord_is_refused(tmp_path: Path) -> None:
    config = discord_config(cogs=COGS)
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await answer(world, "new", "question Fees, briefly.\n\n" + "word " * 450)
        await answer(world, "next", "1 poll Clear? | Yes | No")
        refused = await answer(world, "schedule", "1 fri 18:00")
        assert refused == (
            "Post 1 is too long for Discord: one message there holds at most 2,000 "
            "characters, and this post has 2,291. Shorten it."
        )


THREADS = r"^/channels/\d+/messages/\d+/threads$"


async def test_a_debate_opens_a_discord_thread_whose_messages_count(tmp_path: Path) -> None:
    config = discord_config(cogs=COGS)
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.slash("admin", "debate", question="Dark theme? | Yes | No")
        [opened] = world.fake.calls("POST", THREADS)
        channel_id, message_id = re.findall(r"\d+", opened.path)
        assert opened.json["name"] == "Dark theme?"
        [thread] = world.fake.threads
        assert (thread["type"], thread["parent_id"], thread["id"]) == (11, channel_id, message_id)
        # The thread is a channel of its own: the opening line is posted in it.
        [opening] = world.fake.calls("POST", rf"^/channels/{thread['id']}/messages$")
        assert plain(str(opening.json["content"])) == "Discuss here."
        # Discord tells the gateway about the thread; members then write in it.
        await world.gateway("THREAD_CREATE", {**thread, "guild_id": str(GUILD_ID)})
        for name, text in (("alice", "Yes: easier on the eyes."), ("bob", "No: it prints badly.")):
            await world.gateway(
                "MESSAGE_CREATE", world.message(name, text, channel_id=thread["id"])
            )
        await world.gateway("MESSAGE_CREATE", world.message("bob", "Lunch, anyone?"))
        since = len(world.fake.requests)
        await world.advance(timedelta(days=2))
        [result] = [p for p in channel_posts(world, since) if "has ended" in p]
        assert result.endswith("💬 2 messages in the discussion, from 2 members.")


async def test_a_thread_name_discord_refuses_is_explained_not_lost(tmp_path: Path) -> None:
    """The fake holds Discord's limits: over 100 characters is a 400 (Invalid Form Body)."""
    config = discord_config(cogs=COGS)
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        channel = world.adapter.client.get_partial_messageable(CHANNEL_ID, guild_id=GUILD_ID)
        message = channel.get_partial_message(world.fake.snowflake())
        with pytest.raises(discord.HTTPException) as refused:
            await world.adapter.client.http.start_thread_with_message(
                channel.id, message.id, name="x" * 101, auto_archive_duration=60
            )
        assert (refused.value.status, refused.value.code) == (400, 50035)
        created = await world.adapter.client.http.start_thread_with_message(
            channel.id, message.id, name="x" * 100, auto_archive_duration=60
        )
        assert created["name"] == "x" * 100
        with pytest.raises(discord.HTTPException) as again:
            await world.adapter.client.http.start_thread_with_message(
                channel.id, message.id, name="again", auto_archive_duration=60
            )
        assert again.value.code == 160004


async def test_planned_media_is_an_attachment_with_its_alt_text(tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    (rules / "content" / "media").mkdir(parents=True)
    (rules / "content" / "media" / "fees.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"1" * 4000)
    (rules / "content" / "posts" / "chart.toml").write_text(
        f'community = "discord:{GUILD_ID}"\nrubric = "question"\n'
        'at = 2026-01-09T18:00:00+05:00\nmedia = "content/media/fees.png"\n'
        'alt = "Fees by month: down from 3% to 1%"\n'
        '[text]\nen = "Which fee surprised you?"\n[next]\nkind = "link"\n'
        'url = "https://example.org/support"\n',
        "utf-8",
    )
    config = make_config(
        rules,
        bot={"cogs": list(COGS), "data_dir": str(tmp_path / "data")},
        platforms={"discord": {}},
    )
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.advance(TO_FRIDAY_18)
        [upload] = [r for r in world.fake.calls("POST", r"/messages$") if r.json.get("_files")]
        assert upload.json["_files"] == {"fees.png": 4008}
        [attachment] = upload.json["attachments"]
        assert attachment["description"] == "Fees by month: down from 3% to 1%"
        assert attachment["filename"] == "fees.png"


async def test_post_media_takes_the_file_option_of_the_command(tmp_path: Path) -> None:
    """/post has an optional `file` option; the file is fetched from Discord's CDN, kept by
    its hash under the data folder and uploaded with the post; a file over media_max_mb is
    refused by the size Discord states, before it is fetched."""
    png = b"\x89PNG\r\n\x1a\n" + b"2" * 6000
    data = tmp_path / "data"
    config = make_config(bot={"cogs": list(COGS), "data_dir": str(data)}, platforms={"discord": {}})
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        found = world.app.commands.get("post")
        assert found is not None
        assert found[0].files  # Discord shows its `file` option (tests/adapters/discord)
        await answer(world, "new", "question Which fee surprised you?")
        await answer(world, "next", "1 link https://example.org/fees")
        before = len(world.fake.calls("POST", CALLBACK))
        chart = world.fake.attachment(png, "fees.png")
        await world.slash("admin", "post", action="media", details="1 | Fees by month", file=chart)
        [reply] = world.fake.calls("POST", CALLBACK)[before:]
        assert plain(str(reply.json["data"]["content"])).startswith(
            "Post 1: fees.png (6 KB) is kept with the post"
        )
        assert world.fake.downloads == 1
        assert (data / "content-media" / hashlib.sha256(png).hexdigest()).read_bytes() == png
        huge = world.fake.attachment(b"0" * 9_000_000, "huge.pdf")
        assert "huge.pdf is 9.0 MB, more than the 8 MB allowed" in await answer_with(
            world, "1 | Huge", huge
        )
        assert world.fake.downloads == 1  # not fetched
        await answer(world, "now", "1")
        [upload] = [r for r in world.fake.calls("POST", r"/messages$") if r.json.get("_files")]
        assert upload.json["_files"] == {"fees.png": len(png)}


async def answer_with(world: World, details: str, file: dict[str, object]) -> str:
    before = len(world.fake.calls("POST", CALLBACK))
    await world.slash("admin", "post", action="media", details=details, file=file)
    [reply] = world.fake.calls("POST", CALLBACK)[before:]
    return plain(str(reply.json["data"]["content"]))
