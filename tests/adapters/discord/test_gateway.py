"""discord.py's real gateway code against the fake gateway: identify, heartbeats, compression,
a dropped connection resumed with the missed events replayed, an unresumable session started
again, and the close codes that stop the bot with a clear log line."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.adapter import intents
from bot.core.events import MessageCreated
from tests.auxil.app import make_config, running_app
from tests.auxil.discord_world import (
    GUILD_ID,
    Seen,
    World,
    connected,
    discord_world,
    gateway_adapter,
    guild_payload,
)
from tests.auxil.fake_discord import HEARTBEAT_INTERVAL_MS, TOKEN, FakeDiscord, fake_discord


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with discord_world(tmp_path / "kenes.db") as running:
        yield running


@pytest.fixture
async def seen(world: World) -> Seen:
    cog = Seen()
    await world.app.cogs.add_cog(cog)
    return cog


def texts(seen: Seen) -> list[str]:
    return [e.text for e in seen.of(MessageCreated)]


async def test_the_adapter_identifies_once_with_its_intents_over_a_compressed_stream(
    world: World,
) -> None:
    gateway = world.fake.gateway
    [identify] = gateway.identifies
    assert identify["token"] == TOKEN
    assert identify["intents"] == intents().value  # members and message content included
    assert gateway.compression == ["zlib-stream"]  # discord.py asked for it; frames were zlib
    assert gateway.heartbeats >= 1  # the first beat follows HELLO at once
    assert world.guild.id == GUILD_ID
    assert world.guild.get_member(world.member("alice").id) is not None


async def test_a_dropped_connection_resumes_and_the_missed_events_are_handled(
    world: World, seen: Seen
) -> None:
    gateway = world.fake.gateway
    await world.gateway("MESSAGE_CREATE", world.message("alice", "before the drop"))
    session = gateway.session
    assert session is not None
    await gateway.drop(4000)  # Discord's "unknown error": the client may resume
    missed = await gateway.dispatch("MESSAGE_CREATE", world.message("bob", "while away"))
    await gateway.wait_connected()
    await gateway.processed(missed)
    await world.adapter.drain()
    [resume] = gateway.resumes
    assert resume["session_id"] == session.id
    assert resume["seq"] == missed - 1  # it had handled everything before the drop
    assert len(gateway.identifies) == 1  # resumed, not a new session
    assert texts(seen) == ["before the drop", "while away"]
    # Replayed once: the resumed session goes on numbering where it was.
    await world.gateway("MESSAGE_CREATE", world.message("alice", "after"))
    assert texts(seen) == ["before the drop", "while away", "after"]


async def test_a_reconnect_request_is_resumed_too(world: World, seen: Seen) -> None:
    gateway = world.fake.gateway
    await gateway.reconnect()  # op 7
    await gateway.wait_connected()
    await world.gateway("MESSAGE_CREATE", world.message("alice", "still here"))
    assert len(gateway.resumes) == 1
    assert len(gateway.identifies) == 1
    assert texts(seen) == ["still here"]


async def test_a_session_discord_cannot_resume_starts_again_from_identify(
    world: World, seen: Seen
) -> None:
    gateway = world.fake.gateway
    first = gateway.session
    gateway.refuse_resume = True
    await gateway.drop(4000)
    await gateway.wait_connected()
    # INVALID_SESSION (d=false): discord.py identifies afresh and gets a new READY; the guilds
    # come back as Discord sends them, one GUILD_CREATE each.
    assert len(gateway.identifies) == 2
    assert gateway.session is not None
    assert first is not None
    assert gateway.session.id != first.id
    await world.adapter.client.wait_until_ready()
    await world.gateway("GUILD_CREATE", guild_payload())
    await world.gateway("MESSAGE_CREATE", world.message("alice", "new session"))
    assert texts(seen) == ["new session"]


async def run_until_closed(tmp_path: Path, fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    config = make_config()
    async with running_app(tmp_path / "kenes.db", config, adapters=[adapter]):
        task = adapter._connection
        assert task is not None
        await asyncio.wait_for(task, 10)  # the connection ends: a safety net, not a sleep
    assert fake.gateway.identifies


async def test_a_token_the_gateway_refuses_ends_the_connection_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with fake_discord() as fake:
        adapter = DiscordAdapter("not-the-token", make_config().platforms.discord)
        await run_until_closed(tmp_path, fake, adapter)
    assert "the Discord gateway connection failed" in caplog.text
    assert "4004" in caplog.text
    assert len(fake.gateway.identifies) == 1  # no reconnect loop on a bad token


async def test_privileged_intents_not_enabled_say_where_to_enable_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with fake_discord() as fake:
        fake.gateway.privileged_enabled = False  # the portal's switches are off
        await run_until_closed(tmp_path, fake, gateway_adapter(make_config()))
    assert "Privileged Intents" in caplog.text
    assert len(fake.gateway.identifies) == 1


@pytest.mark.parametrize(
    ("query", "compressed"), [("?v=10&encoding=json", False), ("?compress=zlib-stream", True)]
)
async def test_hello_comes_plain_or_zlib_stream_as_the_url_asks(
    query: str, compressed: bool
) -> None:
    async with (
        fake_discord() as fake,
        aiohttp.ClientSession() as session,
        session.ws_connect(fake.gateway.url + query) as socket,
    ):
        frame = await socket.receive(timeout=10)
    if compressed:
        assert frame.type is aiohttp.WSMsgType.BINARY
        assert frame.data.endswith(b"\x00\x00\xff\xff")  # a sync flush ends each message
        hello = json.loads(zlib.decompressobj().decompress(frame.data))
    else:
        assert frame.type is aiohttp.WSMsgType.TEXT
        hello = json.loads(frame.data)
    assert hello["op"] == 10
    assert hello["d"] == {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}


async def test_an_unknown_compression_or_encoding_is_refused_with_a_close_code() -> None:
    async with fake_discord() as fake, aiohttp.ClientSession() as session:
        for query, code in (("?compress=brotli", 4000), ("?encoding=etf", 4002)):
            async with session.ws_connect(fake.gateway.url + query) as socket:
                frame = await socket.receive(timeout=10)
            assert frame.type is aiohttp.WSMsgType.CLOSE
            assert frame.data == code


async def test_the_gateway_url_is_served_where_discord_serves_it() -> None:
    async with fake_discord() as fake, aiohttp.ClientSession() as session:
        answer = await session.get(f"{fake.base}/gateway/bot")
        found = await answer.json()
    assert found["url"] == fake.gateway.url
    assert found["shards"] == 1


async def test_a_world_connects_through_the_gateway_again_after_a_fresh_start(
    tmp_path: Path,
) -> None:
    """`connected` is what the fixtures use; once more here for a second app on one fake."""
    async with fake_discord() as fake:
        config = make_config()
        adapter = gateway_adapter(config)
        async with running_app(tmp_path / "kenes.db", config, adapters=[adapter]):
            guild = await connected(fake, adapter)
            assert guild.name == "Kenes test server"
        assert adapter.client.is_closed()


async def test_a_close_code_discord_may_send_on_identify_is_seen_by_the_adapter(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with fake_discord() as fake:
        fake.gateway.close_identify_with = 4013  # Invalid intent(s): not resumable
        await run_until_closed(tmp_path, fake, gateway_adapter(make_config()))
    assert "the Discord gateway connection failed" in caplog.text
    assert "4013" in caplog.text
