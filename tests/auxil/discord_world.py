"""A Discord server for tests: the real app and adapter, the fake REST server and gateway.

The adapter connects with discord.py's own gateway code to the fake's websocket (HELLO,
IDENTIFY, READY; tests/auxil/fake_discord.py), and the test guild arrives as Discord sends it,
a GUILD_CREATE after READY. Every event a test feeds goes over that socket, so discord.py
parses it and builds its Message, Member and Interaction objects exactly as in production;
`World.gateway` then waits until the adapter has handled it (the fake's heartbeat confirms
discord.py has parsed it; the adapter's drain waits for its handlers). No sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import discord

from bot.adapters.discord import DiscordAdapter
from bot.app import Kenes
from bot.config import Config
from bot.core.clock import ManualClock
from bot.core.cogs import Cog, listen
from bot.core.context import Context
from bot.core.events import Event
from tests.auxil.app import START, make_config, running_app
from tests.auxil.fake_discord import (
    APPLICATION_ID,
    BOT_ID,
    BOT_USER,
    TOKEN,
    FakeDiscord,
    fake_discord,
)

E = TypeVar("E", bound=Event)

GUILD_ID = 1_100_000_000_000_000_001
CHANNEL_ID = 1_100_000_000_000_000_101
SYSTEM_CHANNEL_ID = 1_100_000_000_000_000_102

P = discord.Permissions
MODERATION = P(moderate_members=True, manage_messages=True, kick_members=True, ban_members=True)
BOT_PERMISSIONS = P(
    MODERATION.value | P(manage_channels=True, send_messages=True, read_message_history=True).value
)

# name: (id, position, permissions)
ROLES: dict[str, tuple[int, int, P]] = {
    "@everyone": (GUILD_ID, 0, P(send_messages=True, read_messages=True)),
    "Veteran": (1_100_000_000_000_000_201, 1, P.none()),
    "Helpers": (1_100_000_000_000_000_202, 2, P.none()),
    "Moderators": (1_100_000_000_000_000_203, 3, MODERATION),
    "Kenes": (1_100_000_000_000_000_204, 5, BOT_PERMISSIONS),
    "Elders": (1_100_000_000_000_000_205, 6, P.none()),
    "Admins": (1_100_000_000_000_000_206, 7, P(administrator=True)),
}

# name: (user id, roles)
MEMBERS: dict[str, tuple[int, tuple[str, ...]]] = {
    "owner": (1, ()),
    "kenes": (BOT_ID, ("Kenes",)),
    "mod": (2, ("Moderators",)),
    "alice": (3, ("Veteran",)),
    "bob": (4, ()),
    "elder": (5, ("Elders",)),
    "admin": (6, ("Admins",)),
    "helper": (7, ("Helpers",)),
    "junior": (8, ("Moderators",)),
}


def user_payload(name: str) -> dict[str, Any]:
    if name == "kenes":
        return dict(BOT_USER)
    user_id, _ = MEMBERS[name]
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name.capitalize(),
        "avatar": None,
        "bot": False,
    }


def member_payload(name: str, *, with_user: bool = True) -> dict[str, Any]:
    _, roles = MEMBERS[name]
    data: dict[str, Any] = {
        "roles": [str(ROLES[r][0]) for r in roles],
        "joined_at": "2025-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(name)
    return data


def permissions_of(name: str) -> P:
    if name == "owner":
        return P.all()
    value = ROLES["@everyone"][2].value
    for role in MEMBERS[name][1]:
        value |= ROLES[role][2].value
    return P.all() if P(value).administrator else P(value)


def channel_payload(channel_id: int = CHANNEL_ID, name: str = "general") -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": 0,
        "guild_id": str(GUILD_ID),
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "parent_id": None,
        "rate_limit_per_user": 0,
    }


def guild_payload() -> dict[str, Any]:
    return {
        "id": str(GUILD_ID),
        "name": "Kenes test server",
        "owner_id": str(MEMBERS["owner"][0]),
        "icon": None,
        "features": [],
        "emojis": [],
        "stickers": [],
        "member_count": len(MEMBERS),
        "system_channel_id": str(SYSTEM_CHANNEL_ID),
        "roles": [
            {
                "id": str(role_id),
                "name": name,
                "position": position,
                "permissions": str(permissions.value),
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
            for name, (role_id, position, permissions) in ROLES.items()
        ],
        "channels": [channel_payload(), channel_payload(SYSTEM_CHANNEL_ID, "welcome")],
        "members": [member_payload(name) for name in MEMBERS],
    }


def snowflake_at(when: datetime, sequence: int = 0) -> int:
    return discord.utils.time_snowflake(when) + sequence


class Seen(Cog):
    """Records every event that reaches the cogs (commands stop at the router, group 0)."""

    name = "seen"

    def __init__(self) -> None:
        self.events: list[Event] = []

    @listen(Event, group=50)
    async def record(self, ctx: Context) -> None:
        self.events.append(ctx.event)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]


@dataclass
class World:
    fake: FakeDiscord
    adapter: DiscordAdapter
    app: Kenes
    clock: ManualClock
    guild: discord.Guild
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def member(self, name: str) -> discord.Member:
        found = self.guild.get_member(MEMBERS[name][0])
        assert found is not None
        return found

    def snowflake(self, when: datetime | None = None) -> int:
        return snowflake_at(when or self.clock.now(), next(self._seq))

    async def gateway(self, event: str, payload: dict[str, Any]) -> None:
        """Send one gateway dispatch and wait until the adapter has handled it."""
        await send_and_settle(self.fake, self.adapter, event, payload)

    def message(self, name: str, content: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": str(self.snowflake()),
            "channel_id": str(CHANNEL_ID),
            "guild_id": str(GUILD_ID),
            "author": user_payload(name),
            "member": member_payload(name, with_user=False),
            "content": content,
            "timestamp": self.clock.now().isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            **extra,
        }

    def _interaction(self, name: str, kind: int, data: dict[str, Any]) -> dict[str, Any]:
        # Interaction tokens expire 15 minutes after the id's time, which discord.py reads
        # from the wall clock: these ids are minted "now" so replies may use them.
        interaction_id = snowflake_at(datetime.now(UTC), next(self._seq))
        self.fake.interactions[str(interaction_id)] = str(CHANNEL_ID)
        member = member_payload(name)
        member["permissions"] = str(permissions_of(name).value)
        return {
            "id": str(interaction_id),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": f"token-{interaction_id}",
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(CHANNEL_ID),
            "channel": channel_payload(),
            "member": member,
            "data": data,
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str(BOT_PERMISSIONS.value),
            "entitlements": [],
            "attachment_size_limit": 8 * 1024 * 1024,
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
        }

    async def slash(self, name: str, command: str, **options: object) -> dict[str, Any]:
        """`name` runs `/command`; a member option is given as a member name from MEMBERS,
        an attachment option as the fake's `attachment(...)`."""
        listed: list[dict[str, Any]] = []
        resolved: dict[str, dict[str, Any]] = {"users": {}, "members": {}}
        for key, value in options.items():
            if isinstance(value, dict) and "url" in value:
                listed.append({"name": key, "type": 11, "value": value["id"]})
                resolved.setdefault("attachments", {})[value["id"]] = value
            elif isinstance(value, str) and value.startswith("@"):
                target = value[1:]
                user_id = str(MEMBERS[target][0])
                listed.append({"name": key, "type": 6, "value": user_id})
                resolved["users"][user_id] = user_payload(target)
                resolved["members"][user_id] = member_payload(target, with_user=False)
            elif isinstance(value, int):
                listed.append({"name": key, "type": 4, "value": value})
            else:
                listed.append({"name": key, "type": 3, "value": str(value)})
        data = {
            "id": str(self.snowflake()),
            "name": command,
            "type": 1,
            "options": listed,
            "resolved": resolved,
        }
        payload = self._interaction(name, 2, data)
        await self.gateway("INTERACTION_CREATE", payload)
        return payload

    async def press(self, name: str, custom_id: str, message_id: int) -> dict[str, Any]:
        """`name` presses the button `custom_id` (as sent on the wire) under `message_id`."""
        message = self.message("kenes", "pick one")
        message["id"] = str(message_id)
        data = {"custom_id": custom_id, "component_type": 2}
        payload = {**self._interaction(name, 3, data), "message": message}
        await self.gateway("INTERACTION_CREATE", payload)
        return payload

    async def advance(self, delta: timedelta) -> int:
        return await self.app.advance(delta)


def discord_config(*, cogs: tuple[str, ...] = ("core",), **discord_section: Any) -> Config:
    """The test config; only the core cog unless named, so stand-in cogs never collide."""
    return make_config(bot={"cogs": list(cogs)}, platforms={"discord": discord_section})


@asynccontextmanager
async def discord_world(
    db_path: Path,
    *,
    clock: ManualClock | None = None,
    config: Config | None = None,
    fake: FakeDiscord | None = None,
    guild_ready_timeout: float = 0,
) -> AsyncIterator[World]:
    """The app with a started Discord adapter (logged in to the fake), and the test guild."""
    clock = clock or ManualClock(START)
    config = config or discord_config()

    @asynccontextmanager
    async def serving() -> AsyncIterator[FakeDiscord]:
        if fake is not None:
            yield fake
            return
        async with fake_discord() as started:
            yield started

    async with serving() as server:
        adapter = gateway_adapter(config, guild_ready_timeout)
        async with running_app(db_path, config, adapters=[adapter], clock=clock) as app:
            guild = await connected(server, adapter)
            yield World(server, adapter, app, clock, guild)


def gateway_adapter(config: Config, guild_ready_timeout: float = 0) -> DiscordAdapter:
    """The adapter as production builds it, but `ready` comes as soon as READY is handled.

    (discord.py otherwise waits two seconds of wall time after the last GUILD_CREATE; here the
    guild's GUILD_CREATE is sent after `ready`, by `connected`.)
    """
    return DiscordAdapter(TOKEN, config.platforms.discord, guild_ready_timeout=guild_ready_timeout)


async def send_and_settle(
    fake: FakeDiscord, adapter: DiscordAdapter, event: str, payload: dict[str, Any]
) -> None:
    """Dispatch `event` over the fake gateway; return when the adapter has handled it."""
    seq = await fake.gateway.dispatch(event, payload)
    await fake.gateway.processed(seq)
    await adapter.drain()


async def connected(fake: FakeDiscord, adapter: DiscordAdapter) -> discord.Guild:
    """Wait for the adapter's gateway session (READY, `on_ready` handled), then send the test
    guild's GUILD_CREATE; the guild as discord.py caches it."""
    fake.gateway.guilds = [GUILD_ID]
    await asyncio.wait_for(adapter.client.wait_until_ready(), 10)  # a safety net, not a sleep
    await adapter.drain()
    await send_and_settle(fake, adapter, "GUILD_CREATE", guild_payload())
    guild = adapter.client.get_guild(GUILD_ID)
    assert guild is not None
    assert not guild.unavailable
    return guild
