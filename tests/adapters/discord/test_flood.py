"""End to end with the moderation cog: a flood in a Discord channel is removed and timed out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.auxil.app import make_config
from tests.auxil.discord_world import CHANNEL_ID, GUILD_ID, MEMBERS, discord_world

BOB = MEMBERS["bob"][0]


async def test_flood_is_deleted_and_muted_with_a_native_timeout(tmp_path: Path) -> None:
    config = make_config(bot={"cogs": ["core", "moderation"]})
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        for i in range(6):
            await world.gateway("MESSAGE_CREATE", world.message("bob", f"message number {i}"))
            await world.advance(timedelta(seconds=1))
        assert world.fake.calls("PATCH", rf"/members/{BOB}$") == []
        last = world.message("bob", "and one more")
        await world.gateway("MESSAGE_CREATE", last)

        [timeout] = world.fake.calls("PATCH", rf"^/guilds/{GUILD_ID}/members/{BOB}$")
        until = world.clock.now() + timedelta(minutes=5)
        assert timeout.json["communication_disabled_until"] == until.isoformat()
        deleted = world.fake.calls("DELETE", rf"^/channels/{CHANNEL_ID}/messages/{last['id']}$")
        assert len(deleted) == 1
        posted = world.fake.calls("POST", r"^/channels/\d+/messages$")
        assert all(r.json["allowed_mentions"] == {"parse": []} for r in posted)

        await world.advance(timedelta(minutes=6))  # the moderation cog lifts the mute on time
        lifted = world.fake.calls("PATCH", rf"^/guilds/{GUILD_ID}/members/{BOB}$")[-1]
        assert lifted.json == {"communication_disabled_until": None}
