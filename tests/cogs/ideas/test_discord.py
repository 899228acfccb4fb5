"""The ideas board on Discord: the real adapter and discord.py against the fake REST server.

A card with vote buttons, presses counted once (also after a restart), forged ids refused,
and the monthly post in the channel on its day.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.adapters.discord.markup import plain
from bot.core.clock import ManualClock
from cogs.ideas.cog import CARD_REFRESH
from cogs.ideas.store import IdeaStore, Tally
from tests.auxil.app import START, make_config
from tests.auxil.discord_world import CHANNEL_ID, SYSTEM_CHANNEL_ID, World, discord_world
from tests.auxil.fake_discord import APPLICATION_ID, fake_discord

CONFIG = make_config(bot={"cogs": ["core", "ideas"]})


def posts(world: World, channel: int = CHANNEL_ID) -> list[dict[str, Any]]:
    return [r.json for r in world.fake.calls("POST", rf"^/channels/{channel}/messages$")]


def private_answers(world: World, payload: dict[str, Any]) -> list[str]:
    token = payload["token"]
    return [
        plain(str(r.json.get("content", "")))
        for r in world.fake.calls("POST", rf"^/webhooks/{APPLICATION_ID}/{token}$")
    ]


async def tally(world: World) -> Tally:
    return await IdeaStore(world.app.services.sessions).tally(1)


async def test_the_card_and_votes_on_discord_survive_a_restart(tmp_path: Path) -> None:
    db, clock = tmp_path / "kenes.db", ManualClock(START)
    async with fake_discord() as fake:
        async with discord_world(db, fake=fake, config=CONFIG, clock=clock) as first:
            await first.slash("alice", "idea", text="Dark mode | easier at night")
            (callback,) = fake.calls("POST", r"^/interactions/[^/]+/[^/]+/callback$")
            card = callback.json["data"]  # the card answers the slash command, in public
            assert not card.get("flags", 0) & 64
            assert plain(card["content"]).startswith("💡 Idea #1: Dark mode\nfrom Alice.")
            assert card["allowed_mentions"] == {"parse": []}
            ids = [c["custom_id"] for row in card["components"] for c in row["components"]]
            assert ids == ["kenes:idea:up:1", "kenes:idea:down:1", "kenes:idea:undo:1"]
            card_id = int(fake.created[-1]["id"])
            pressed = await first.press("bob", "kenes:idea:up:1", card_id)
            assert "1 vote for it now" in private_answers(first, pressed)[0]
        async with discord_world(db, fake=fake, config=CONFIG, clock=clock) as second:
            again = await second.press("bob", "kenes:idea:up:1", card_id)
            assert "already voted" in private_answers(second, again)[0]
            forged = await second.press("elder", "kenes:idea:up:1:1", card_id)
            assert private_answers(second, forged) == []
            assert await tally(second) == Tally(up=1)
            other = await second.press("elder", "kenes:idea:down:1", card_id)
            assert "against idea #1" in private_answers(second, other)[0]
            assert await tally(second) == Tally(up=1, down=1)


async def test_the_monthly_post_goes_to_the_discord_channel(tmp_path: Path) -> None:
    async with discord_world(tmp_path / "kenes.db", config=CONFIG) as world:
        await world.slash("alice", "idea", text="Dark mode")
        await world.slash("mod", "idea_status", idea=1, status="shipped")
        assert any("is now: shipped" in a for a in _all_private(world))
        await world.advance(timedelta(days=27))
        monthly = [
            plain(str(p["content"]))
            for p in posts(world, SYSTEM_CHANNEL_ID)  # the main chat: no channel is configured
            if "You asked" in plain(str(p["content"]))
        ]
        assert len(monthly) == 1
        assert "✔ #1 Dark mode: thank you, Alice!" in monthly[0]
        await world.advance(timedelta(days=2))
        again = [p for p in posts(world, SYSTEM_CHANNEL_ID) if "You asked" in str(p["content"])]
        assert len(again) == 1


def _all_private(world: World) -> list[str]:
    return [
        plain(str(r.json.get("content", "")))
        for r in world.fake.calls("POST", rf"^/webhooks/{APPLICATION_ID}/[^/]+$")
    ] + [
        plain(str(r.json.get("data", {}).get("content", "")))
        for r in world.fake.calls("POST", r"^/interactions/[^/]+/[^/]+/callback$")
    ]


async def test_the_card_shows_its_votes_in_one_edit_per_period(tmp_path: Path) -> None:
    async with discord_world(tmp_path / "kenes.db", config=CONFIG) as world:
        await world.slash("alice", "idea", text="Dark **mode**")
        card = world.fake.created[-1]  # the public answer to the slash command
        assert card["channel_id"] == str(CHANNEL_ID)
        for name in ("bob", "elder", "mod"):
            await world.press(name, "kenes:idea:up:1", int(card["id"]))
        await world.press("mod", "kenes:idea:down:1", int(card["id"]))
        edits = rf"^/channels/{CHANNEL_ID}/messages/{card['id']}$"
        assert world.fake.calls("PATCH", edits) == []
        await world.advance(CARD_REFRESH)
        (edit,) = world.fake.calls("PATCH", edits)
        assert edit.json["allowed_mentions"] == {"parse": []}
        shown = plain(card["content"])
        assert shown.startswith("💡 Idea #1: Dark **mode**")  # escaped on the wire, as typed
        assert shown.endswith("So far: 2 votes for it, 1 against.")
        ids = [c["custom_id"] for row in card["components"] for c in row["components"]]
        assert ids == ["kenes:idea:up:1", "kenes:idea:down:1", "kenes:idea:undo:1"]
        await world.advance(CARD_REFRESH * 12)
        assert len(world.fake.calls("PATCH", edits)) == 1
