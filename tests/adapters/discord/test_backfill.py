"""After a fresh gateway session, spam posted while the bot was away is moderated (only)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.core.events import MessageCreated
from tests.auxil.app import START, make_config
from tests.auxil.discord_world import (
    CHANNEL_ID,
    GUILD_ID,
    MEMBERS,
    World,
    discord_world,
    guild_payload,
    snowflake_at,
)
from tests.auxil.moderation import seen_by_handlers

BOB = MEMBERS["bob"][0]


def posted(world: World, name: str, text: str, minutes_ago: float, seq: int) -> dict[str, object]:
    when = START - timedelta(minutes=minutes_ago)
    return world.message(name, text, id=str(snowflake_at(when, seq)), timestamp=when.isoformat())


async def test_spam_posted_while_away_is_cleaned_up_and_nothing_else_sees_it(
    tmp_path: Path,
) -> None:
    config = make_config(bot={"cogs": ["core", "moderation"]})
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        seen = seen_by_handlers(world.app.dispatcher)
        spam = posted(world, "alice", "what the f.u.c.k", 20, 1)
        clean = posted(world, "alice", "good morning everyone", 19, 2)
        too_old = posted(world, "alice", "f.u.c.k from long ago", 120, 3)
        wave = [posted(world, "bob", f"buy now {i}", 10 - i / 60, 10 + i) for i in range(7)]
        world.fake.history[CHANNEL_ID] = [too_old, spam, clean, *wave]

        world.adapter.client.dispatch("ready")  # a fresh session: start or unresumable drop
        await world.adapter.drain()

        deleted = {r.path.rsplit("/", 1)[-1] for r in world.fake.calls("DELETE", "/messages/")}
        bulk = world.fake.calls("POST", r"/messages/bulk-delete$")
        deleted |= {m for r in bulk for m in r.json["messages"]}
        assert spam["id"] in deleted
        assert clean["id"] not in deleted
        assert too_old["id"] not in deleted  # outside the window: never read
        assert wave[-1]["id"] in deleted  # the seventh in ten seconds crossed the flood limit
        [timeout] = world.fake.calls("PATCH", rf"^/guilds/{GUILD_ID}/members/{BOB}$")
        assert timeout.json["communication_disabled_until"] is not None
        # Handlers (and activity) never saw the backlog: it was only moderated.
        assert [e for e in seen if isinstance(e, MessageCreated)] == []
        [read] = world.fake.calls("GET", rf"^/channels/{CHANNEL_ID}/messages$")
        assert int(read.query["limit"]) <= 100


async def test_after_a_drop_discord_could_not_resume_the_new_session_reads_back_the_gap(
    tmp_path: Path,
) -> None:
    """Through the gateway: the session is dropped and cannot be resumed (INVALID_SESSION), so
    discord.py identifies again, the guild comes back in its GUILD_CREATE, and `ready` runs
    the backfill. (discord.py fires `ready` a `guild_ready_timeout` after the last
    GUILD_CREATE, wall time; half a second here, the one test that waits for it.)"""
    config = make_config(bot={"cogs": ["core", "moderation"]})
    async with discord_world(
        tmp_path / "kenes.db", config=config, guild_ready_timeout=0.5
    ) as world:
        seen = seen_by_handlers(world.app.dispatcher)
        spam = posted(world, "alice", "what the f.u.c.k", 5, 1)
        clean = posted(world, "alice", "good morning everyone", 4, 2)
        world.fake.history[CHANNEL_ID] = [spam, clean]
        read_back = asyncio.Event()
        world.fake.on_request = lambda r: (
            read_back.set() if r.path == f"/channels/{CHANNEL_ID}/messages" else None
        )
        gateway = world.fake.gateway
        gateway.guild_creates = [guild_payload()]
        gateway.refuse_resume = True
        await gateway.drop(4000)
        await gateway.wait_connected()
        await asyncio.wait_for(read_back.wait(), 10)  # a safety net, not a sleep
        await world.adapter.drain()
        assert len(gateway.identifies) == 2
        deleted = {r.path.rsplit("/", 1)[-1] for r in world.fake.calls("DELETE", "/messages/")}
        assert spam["id"] in deleted
        assert clean["id"] not in deleted
        assert [e for e in seen if isinstance(e, MessageCreated)] == []
