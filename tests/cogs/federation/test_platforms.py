"""Federations on the real adapters: one /fban from Telegram bans in a Telegram group and a
Discord server (python-telegram-bot against the fake Bot API, discord.py against the fake REST
server, one Kenes serving both), and the CAS check on a Telegram join against a fake CAS."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram.ratelimit import VirtualTime
from bot.core.clock import ManualClock
from cogs.federation.cog import Federations
from tests.auxil.app import make_config, running_app
from tests.auxil.discord_world import GUILD_ID, MEMBERS, World, connected, gateway_adapter
from tests.auxil.fake_cas import FakeCas
from tests.auxil.fake_discord import FakeDiscord, fake_discord
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.auxil.rituals import rules_copy
from tests.auxil.telegram import Harness, make_adapter, until

GROUP = supergroup(-1001000000001, "Brand RU")
LOG = supergroup(-1001000000009, "Brand RU moderators")
OWNER = user(23, "Owner")
SPAMMER = user(555, "Spammer")
NEWBIE = user(777, "Newbie")
SLOWPOKE = user(778, "Slowpoke")
CODE = re.compile(r"Join code for “Brand”: (\S+)")


@dataclass
class Both:
    tg: Harness
    dc: World
    cas: FakeCas

    @property
    def cog(self) -> Federations:
        (found,) = [c for c in self.tg.app.cogs.loaded() if isinstance(c, Federations)]
        return found

    async def post(self, who: dict[str, Any], text: str) -> None:
        update_id, _ = self.tg.fake.say(GROUP, who, text)
        await self.tg.settle(update_id)

    def texts(self, chat: dict[str, Any] | None = None) -> list[str]:
        return [
            str(p["text"])
            for p in self.tg.fake.of("sendMessage")
            if chat is None or int(str(p["chat_id"])) == chat["id"]
        ]


@pytest.fixture
async def both(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Both]:
    async with serving(tmp_path, clock) as running:
        yield running


@pytest.fixture
async def holding(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Both]:
    """CAS failing closed: a member the list cannot check is held (muted) for a while."""
    async with serving(tmp_path, clock, [('on_error = "allow"', 'on_error = "mute"')]) as running:
        yield running


@asynccontextmanager
async def serving(
    tmp_path: Path, clock: ManualClock, edits: list[tuple[str, str]] | None = None
) -> AsyncIterator[Both]:
    async with FakeCas() as cas, FakeTelegram(clock=clock.now) as tgfake, fake_discord() as dfake:
        tgfake.chats[GROUP["id"]] = GROUP
        tgfake.chats[LOG["id"]] = LOG
        tgfake.set_admins(GROUP["id"], OWNER)
        rules = rules_copy(
            tmp_path,
            {
                "federation.toml": [
                    ("enabled = false", "enabled = true"),
                    ('"https://api.cas.chat"', f'"{cas.base_url}"'),
                    ("timeout_seconds = 2.0", "timeout_seconds = 0.2"),
                    *(edits or []),
                ]
            },
        )
        config = make_config(
            rules_dir=rules,
            bot={"cogs": ["core", "moderation", "federation"]},
            communities={f"telegram:{GROUP['id']}": {"log_channel": str(LOG["id"])}},
        )
        time = VirtualTime()
        telegram = make_adapter(tgfake, time)
        discord_adapter = gateway_adapter(config)
        adapters = [telegram, discord_adapter]
        async with running_app(tmp_path / "kenes.db", config, adapters, clock) as app:
            guild = await connected(dfake, discord_adapter)
            yield Both(
                Harness(app, telegram, tgfake, time),
                World(dfake, discord_adapter, app, clock, guild),
                cas,
            )


def discord_bans(fake: FakeDiscord, user_id: int) -> list[object]:
    return list(fake.calls("PUT", rf"^/guilds/{GUILD_ID}/bans/{user_id}$"))


async def test_one_fban_reaches_a_telegram_group_and_a_discord_server(both: Both) -> None:
    await both.post(OWNER, "/fed new Brand")
    await both.post(OWNER, "/fed code")
    codes = [m.group(1) for text in both.texts() if (m := CODE.search(text))]
    assert codes, both.texts()
    await both.dc.slash("owner", "fed", action="join", rest=codes[0])
    bob = MEMBERS["bob"][0]
    await both.post(OWNER, f"/fed link telegram:{SPAMMER['id']} discord:{bob}")
    await both.post(OWNER, f"/fban telegram:{SPAMMER['id']} crypto spam")
    await both.tg.app.scheduler.run_due()
    await until(lambda: bool(both.tg.fake.of("banChatMember")), what="the Telegram ban")
    (banned,) = both.tg.fake.of("banChatMember")
    assert (int(str(banned["chat_id"])), int(str(banned["user_id"]))) == (GROUP["id"], 555)
    assert len(discord_bans(both.dc.fake, bob)) == 1
    # Each community wrote its own case; the Telegram one told its log channel.
    assert any("Case #1" in t and "federation ban" in t for t in both.texts(LOG))
    # Running the scheduler again bans nobody twice.
    await both.tg.app.scheduler.run_due()
    assert len(both.tg.fake.of("banChatMember")) == 1
    assert len(discord_bans(both.dc.fake, bob)) == 1


async def test_a_cas_hit_on_join_bans(both: Both) -> None:
    both.cas.listed[str(NEWBIE["id"])] = 4
    update_id = both.tg.fake.chat_member(GROUP, NEWBIE, "left", "member")
    await both.tg.settle(update_id)
    await both.cog.lookups.drain()
    await until(lambda: bool(both.tg.fake.of("banChatMember")), what="the CAS ban")
    (banned,) = both.tg.fake.of("banChatMember")
    assert int(str(banned["user_id"])) == NEWBIE["id"]
    assert any("CAS spam list" in t and "4 offences" in t for t in both.texts(LOG))
    assert both.cas.asked == [str(NEWBIE["id"])]


async def test_a_cas_timeout_lets_the_member_in_and_logs(both: Both) -> None:
    both.cas.mode = "slow"
    update_id = both.tg.fake.chat_member(GROUP, SLOWPOKE, "left", "member")
    await both.tg.settle(update_id)
    await both.cog.lookups.drain()
    await until(lambda: any("CAS could not check" in t for t in both.texts(LOG)), what="log")
    assert both.tg.fake.of("banChatMember") == []
    assert both.tg.fake.of("restrictChatMember") == []
    # The member speaks at once; the lookup is not asked again on their first message.
    await both.post(SLOWPOKE, "hello everyone")
    await both.cog.lookups.drain()
    assert both.cas.asked == [str(SLOWPOKE["id"])]


async def test_a_member_from_before_kenes_is_checked_on_first_message(both: Both) -> None:
    both.cas.listed[str(SPAMMER["id"])] = 1
    await both.post(SPAMMER, "hi, write me in DM for easy money")
    await both.cog.lookups.drain()
    await until(lambda: bool(both.tg.fake.of("banChatMember")), what="the CAS ban")
    await both.post(OWNER, "/fbanlist")  # not in a federation: said so, nothing else
    assert any("is not in a federation" in t for t in both.texts())


async def test_failing_closed_holds_the_member_and_never_bans(holding: Both) -> None:
    holding.cas.mode = "error"
    update_id = holding.tg.fake.chat_member(GROUP, NEWBIE, "left", "member")
    await holding.tg.settle(update_id)
    await holding.cog.lookups.drain()
    await until(lambda: bool(holding.tg.fake.of("restrictChatMember")), what="the hold")
    assert holding.tg.fake.of("banChatMember") == []
    assert any("could not answer (HTTP 500)" in t for t in holding.texts(LOG))
