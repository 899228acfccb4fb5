"""What the support tests on Telegram and Discord share: the chats and people, a rules copy that
maps a community to its staff chat, and reading what the bot posted where."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.adapters.discord.markup import plain
from tests.auxil.app import make_config
from tests.auxil.discord_world import GUILD_ID, World, discord_world
from tests.auxil.fake_telegram import JSON, FakeTelegram, supergroup, user
from tests.auxil.rituals import rules_copy
from tests.auxil.telegram import Harness

# Telegram: the community's group and the forum supergroup its staff work in.
GROUP = supergroup(-1001000000001, "Community")
STAFF = supergroup(-1001000000002, "Support staff", forum=True)
ALICE = user(21, "Alice")
DANA = user(22, "Dana")
OWNER = user(23, "Owner")

# Discord: the staff channel of the test guild.
STAFF_CHANNEL = 1_100_000_000_000_000_150


def rules_with_staff_chats(
    tmp_path: Path, staff_chats: dict[str, object], *edits: tuple[str, str]
) -> Path:
    """A copy of the shipped rules in `tmp_path` whose desk posts each community's tickets to
    its staff chat (`"platform:community" → chat id`), with more `support.toml` edits."""
    entries = ", ".join(f'"{community}" = "{chat}"' for community, chat in staff_chats.items())
    staff = f"staff_chats = {{ {entries} }}\n"
    return rules_copy(
        tmp_path, {"support.toml": [("staff_chat = ", staff + "staff_chat = "), *edits]}
    )


@asynccontextmanager
async def discord_desk(tmp_path: Path, *edits: tuple[str, str]) -> AsyncIterator[World]:
    """The desk on Discord (the real adapter against the fake REST server), its staff in
    `STAFF_CHANNEL`."""
    rules = rules_with_staff_chats(tmp_path, {f"discord:{GUILD_ID}": STAFF_CHANNEL}, *edits)
    config = make_config(rules_dir=rules, bot={"cogs": ["core", "support"]})
    async with discord_world(tmp_path / "kenes.db", config=config) as running:
        yield running


def posted_in(world: World, channel: int | str) -> list[str]:
    """Posts in `channel` as Discord shows them (the bot escapes every markup character)."""
    return [
        plain(str(r.json.get("content", "")))
        for r in world.fake.calls("POST", rf"^/channels/{channel}/messages$")
    ]


async def post(tg: Harness, chat: dict[str, object], who: dict[str, object], text: str,
               **kwargs: object) -> None:  # fmt: skip
    """`who` writes `text` in `chat` on Telegram; returns once the bot has handled it."""
    update_id, _ = tg.fake.say(chat, who, text, **kwargs)
    await tg.settle(update_id)


def seat_chats(fake: FakeTelegram, *groups: JSON) -> None:
    """The staff supergroup and the community `groups` on the fake Bot API: OWNER owns each,
    DANA is an admin of the staff group."""
    for chat in (STAFF, *groups):
        fake.chats[chat["id"]] = chat
    for group in groups:
        fake.set_admins(group["id"], OWNER)
    fake.set_admins(STAFF["id"], OWNER, DANA)


def sent_to(fake: FakeTelegram, chat: dict[str, object]) -> list[dict[str, object]]:
    """What the bot sent to `chat` on Telegram, oldest first."""
    return [p for p in fake.of("sendMessage") if int(str(p["chat_id"])) == chat["id"]]
