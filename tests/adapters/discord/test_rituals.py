"""Feature cogs on Discord end to end: a native poll, voted on through gateway poll events."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.adapters.discord.markup import plain
from bot.core.clock import ManualClock
from tests.auxil.app import START
from tests.auxil.discord_world import CHANNEL_ID, GUILD_ID, MEMBERS, discord_config, discord_world
from tests.auxil.fake_discord import fake_discord


def vote(voter: str, message_id: str, answer: int) -> dict[str, Any]:
    return {
        "user_id": str(MEMBERS[voter][0]),
        "channel_id": str(CHANNEL_ID),
        "message_id": message_id,
        "guild_id": str(GUILD_ID),
        "answer_id": answer,
    }


async def test_a_native_poll_is_posted_voted_and_closed(tmp_path: Path) -> None:
    config = discord_config(cogs=("core", "polls"))
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.slash("alice", "poll", question="20s --public Ready? | Yes | Not yet")
        [posted] = [
            r
            for r in world.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/messages$")
            if "poll" in r.json
        ]
        assert [a["poll_media"]["text"] for a in posted.json["poll"]["answers"]] == [
            "Yes",
            "Not yet",
        ]
        assert posted.json["allowed_mentions"] == {"parse": []}
        poll_message = next(m for m in world.fake.created if m["channel_id"] == str(CHANNEL_ID))
        for voter, answer in (("bob", 1), ("mod", 1), ("admin", 2)):
            vote = {
                "user_id": str(MEMBERS[voter][0]),
                "channel_id": str(CHANNEL_ID),
                "message_id": poll_message["id"],
                "guild_id": str(GUILD_ID),
                "answer_id": answer,
            }
            await world.gateway("MESSAGE_POLL_VOTE_ADD", vote)
        before = len(world.fake.requests)
        await world.advance(timedelta(seconds=20))
        results = [
            r.json["content"]
            for r in world.fake.requests[before:]
            if r.method == "POST" and r.path.endswith("/messages")
        ]
        assert any("67% (2)" in text and "33% (1)" in text for text in results), results


async def test_a_multi_choice_vote_survives_a_restart_between_answers(tmp_path: Path) -> None:
    config = discord_config(cogs=("core", "polls"))
    clock = ManualClock(START)
    db = tmp_path / "kenes.db"
    async with fake_discord() as fake:
        async with discord_world(db, config=config, clock=clock, fake=fake) as world:
            await world.slash("alice", "poll", question="1h --multi --public Snacks? | Tea | Nuts")
            poll_message = next(m for m in fake.created if m["channel_id"] == str(CHANNEL_ID))
            await world.gateway("MESSAGE_POLL_VOTE_ADD", vote("bob", poll_message["id"], 1))
        # The bot restarts; Discord still shows Bob's Tea, and he adds Nuts.
        async with discord_world(db, config=config, clock=clock, fake=fake) as world:
            await world.gateway("MESSAGE_POLL_VOTE_ADD", vote("bob", poll_message["id"], 2))
            before = len(fake.requests)
            await world.advance(timedelta(hours=1))
            results = [
                plain(r.json["content"])
                for r in fake.requests[before:]
                if r.method == "POST" and r.path.endswith("/messages")
            ]
            [text] = [t for t in results if "Snacks?" in t]
            assert "Tea   ██████████ 100% (1)" in text
            assert "Nuts  ██████████ 100% (1)" in text
            assert "1 member voted." in text
