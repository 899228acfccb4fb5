"""The fake REST server speaks enough Discord for discord.py's real client to log in and post."""

from __future__ import annotations

import discord

from tests.auxil.fake_discord import BOT_ID, fake_discord


async def test_discord_py_logs_in_and_posts_through_the_fake() -> None:
    original = discord.http.Route.BASE
    async with fake_discord() as fake:
        assert fake.base == discord.http.Route.BASE
        client = discord.Client(intents=discord.Intents.none())
        try:
            await client.login("token")
            assert client.user is not None
            assert client.user.id == BOT_ID
            assert client.application_id == BOT_ID
            channel = client.get_partial_messageable(123)
            sent = await channel.send("hello")
        finally:
            await client.close()
    assert original == discord.http.Route.BASE
    assert sent.content == "hello"
    posted = fake.calls("POST", r"^/channels/123/messages$")
    assert [r.json["content"] for r in posted] == ["hello"]
    assert [r.path for r in fake.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
