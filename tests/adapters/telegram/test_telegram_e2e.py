"""End to end: Telegram updates over HTTP → the real app on SQLite → Bot API calls back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.telegram.refs import chat_ref
from bot.core.actions import Button, SendPoll
from bot.core.clock import ManualClock
from bot.core.cogs import Cog, listen
from bot.core.commands import command
from bot.core.context import Context
from bot.core.events import ButtonPressed, Event, MemberJoined, PollAnswered, ReactionAdded
from bot.core.permissions import Level
from tests.auxil.fake_telegram import BOT_USERNAME, FakeTelegram, member, supergroup, user
from tests.auxil.telegram import Harness, telegram_app, until

GROUP = supergroup(-100123)
ALICE = user(11, "Alice", "alice")
MOD = user(22, "Maya", "maya")
OWNER = user(33, "Olzhas", "olzhas")


class Probe(Cog):
    """A test cog: one moderator command, one admin command, and listeners that record."""

    name = "probe"

    def __init__(self) -> None:
        self.seen: list[Event] = []

    @command(level=Level.MODERATOR)
    async def purge_all(self, ctx: Context) -> None:
        await ctx.send_text("purged")

    @command(level=Level.ADMIN)
    async def settings(self, ctx: Context) -> None:
        await ctx.send_text("settings")

    @command()
    async def echo(self, ctx: Context, text: str = "") -> None:
        await ctx.send_text(f"{ctx.actor.name} said {text}", buttons=(Button("OK", "ok:1"),))

    @listen(MemberJoined)
    async def greet(self, ctx: Context) -> None:
        await ctx.send_text(f"Welcome, {ctx.actor.name}!")

    @listen(ButtonPressed)
    async def pressed(self, ctx: Context) -> None:
        self.seen.append(ctx.event)

    @listen(PollAnswered)
    async def voted(self, ctx: Context) -> None:
        self.seen.append(ctx.event)

    @listen(ReactionAdded)
    async def reacted(self, ctx: Context) -> None:
        self.seen.append(ctx.event)


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(clock=clock.now) as server:
        server.set_admins(GROUP["id"], OWNER, MOD)
        yield server


@pytest.fixture
async def tg(tmp_path: Path, fake: FakeTelegram, clock: ManualClock) -> AsyncIterator[Harness]:
    async with telegram_app(tmp_path / "kenes.db", fake, clock) as harness:
        yield harness


@pytest.fixture
async def probe(tg: Harness) -> Probe:
    cog = Probe()
    await tg.app.cogs.add_cog(cog)
    return cog


async def said(tg: Harness, who: dict[str, object], text: str, count: int = 1) -> list[str]:
    """`who` posts `text`; wait for the bot's `count`-th sendMessage since; return all texts."""
    before = len(tg.fake.of("sendMessage"))
    update_id, _ = tg.fake.say(GROUP, who, text)
    await tg.settle(update_id)
    await tg.fake.wait_for("sendMessage", before + count)
    return [str(p["text"]) for p in tg.fake.of("sendMessage")[before:]]


async def test_ping_is_answered_as_an_html_reply_without_previews(tg: Harness) -> None:
    update_id, message = tg.fake.say(GROUP, ALICE, "/ping")
    await tg.settle(update_id)
    (sent,) = await tg.fake.wait_for("sendMessage")
    assert sent["chat_id"] == GROUP["id"]
    assert str(sent["text"]).startswith("Pong")
    assert sent["parse_mode"] == "HTML"
    assert sent["link_preview_options"] == {"is_disabled": True}
    assert sent["reply_parameters"]["message_id"] == message["message_id"]


async def test_help_and_rules_through_telegram(tg: Harness) -> None:
    (help_text,) = await said(tg, ALICE, "/help")
    assert "/ping" in help_text
    (rules_text,) = await said(tg, ALICE, f"/rules@{BOT_USERNAME}")
    assert "Be kind" in rules_text


async def test_a_command_for_another_bot_gets_no_answer(tg: Harness) -> None:
    tg.fake.say(GROUP, ALICE, "/ping@some_other_bot")
    texts = await said(tg, ALICE, "/ping")
    assert len(tg.fake.of("sendMessage")) == 1
    assert texts[0].startswith("Pong")


async def test_a_command_in_a_photos_caption_runs(tg: Harness) -> None:
    update_id, photo = tg.fake.say(GROUP, ALICE, "/ping", caption=True)
    await tg.settle(update_id)
    (reply,) = await tg.fake.wait_for("sendMessage")
    assert str(reply["text"]).startswith("Pong")
    assert reply["reply_parameters"]["message_id"] == photo["message_id"]


async def test_a_member_is_refused_a_moderator_command(tg: Harness, probe: Probe) -> None:
    (reply,) = await said(tg, ALICE, "/purge_all")
    assert "moderator" in reply
    assert "purged" not in tg.fake.of("sendMessage")[0]["text"]


async def test_a_chat_administrator_is_a_moderator(tg: Harness, probe: Probe) -> None:
    (reply,) = await said(tg, MOD, "/purge_all")
    assert reply == "purged"
    assert tg.fake.of("getChatAdministrators")[0]["chat_id"] == GROUP["id"]
    (refused,) = await said(tg, MOD, "/settings")
    assert "admin" in refused


async def test_the_group_owner_is_an_admin(tg: Harness, probe: Probe) -> None:
    (reply,) = await said(tg, OWNER, "/settings")
    assert reply == "settings"


async def test_a_configured_admin_is_an_admin_without_chat_rights(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    from tests.auxil.app import make_config

    config = make_config(permissions={"admins": ["telegram:11"]})
    async with telegram_app(tmp_path / "k.db", fake, clock, config=config) as tg:
        await tg.app.cogs.add_cog(Probe())
        (reply,) = await said(tg, ALICE, "/settings")
        assert reply == "settings"


async def test_administrators_are_looked_up_once_per_refresh(tg: Harness, probe: Probe) -> None:
    await said(tg, MOD, "/purge_all")
    await said(tg, MOD, "/purge_all")
    assert len(tg.fake.of("getChatAdministrators")) == 1
    # A promotion (chat_member update) makes the next command look the admins up again.
    tg.fake.set_admins(GROUP["id"], OWNER, MOD, ALICE)
    tg.fake.chat_member(GROUP, ALICE, "member", "administrator")
    (reply,) = await said(tg, ALICE, "/purge_all")
    assert reply == "purged"
    assert len(tg.fake.of("getChatAdministrators")) == 2


async def test_an_anonymous_admin_may_use_moderator_commands(tg: Harness, probe: Probe) -> None:
    anonymous = user(1087968824, "Group", "GroupAnonymousBot")
    before = len(tg.fake.of("sendMessage"))
    update_id, _ = tg.fake.say(GROUP, anonymous, "/purge_all", sender_chat=GROUP)
    await tg.settle(update_id)
    sent = await tg.fake.wait_for("sendMessage", before + 1)
    assert sent[-1]["text"] == "purged"


async def test_a_joining_member_is_greeted_with_their_name_escaped(
    tg: Harness, probe: Probe
) -> None:
    eve = user(44, "<b>Eve</b> & co", "eve")
    update_id = tg.fake.chat_member(GROUP, eve, "left", "member")
    await tg.settle(update_id)
    (sent,) = await tg.fake.wait_for("sendMessage")
    assert sent["text"] == "Welcome, &lt;b&gt;Eve&lt;/b&gt; &amp; co!"


async def test_member_text_is_escaped_in_replies(tg: Harness, probe: Probe) -> None:
    (reply,) = await said(tg, ALICE, "/echo <a href='x'>hi</a>")
    assert "<a" not in reply
    assert "&lt;a" in reply


async def test_buttons_are_inline_keyboards_and_presses_are_answered(
    tg: Harness, probe: Probe
) -> None:
    await said(tg, ALICE, "/echo hi")
    sent = tg.fake.of("sendMessage")[0]
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "OK", "callback_data": "ok:1"}]]}
    bot_message = tg.fake.message_json(GROUP, tg.fake.bot, "x")
    update_id = tg.fake.press(bot_message, ALICE, "ok:1")
    await tg.settle(update_id)
    (answer,) = await tg.fake.wait_for("answerCallbackQuery")
    assert str(answer["callback_query_id"]).endswith("ok:1")
    (event,) = probe.seen
    assert isinstance(event, ButtonPressed)
    assert event.custom_id == "ok:1"


async def test_native_poll_answers_reach_the_cogs(tg: Harness, probe: Probe) -> None:
    result = await tg.app.execute(
        SendPoll(chat=chat_ref(GROUP["id"]), question="Tea?", options=("yes", "no"))
    )
    assert result.poll_id is not None
    (sent,) = tg.fake.of("sendPoll")
    assert sent["question"] == "Tea?"
    update_id = tg.fake.vote(result.poll_id, ALICE, [1])
    await tg.settle(update_id)
    await until(lambda: bool(probe.seen), what="the poll answer")
    (event,) = probe.seen
    assert isinstance(event, PollAnswered)
    assert event.options == (1,)
    assert event.chat == chat_ref(GROUP["id"])


async def test_the_command_menu_matches_help_per_scope_and_language(tg: Harness) -> None:
    calls = tg.fake.of("setMyCommands")
    assert len(calls) == 16  # 4 scopes x (kk, ru, en, default)
    private = next(c for c in calls if c["scope"] == {"type": "all_private_chats"})
    in_private = {c["command"] for c in private["commands"]}
    assert in_private == {s.name for s in tg.app.commands.all() if s.private}
    assert "ping" in in_private
    groups = [c for c in calls if c["scope"] == {"type": "all_group_chats"}]
    assert sorted(str(c["language_code"]) for c in groups if c.get("language_code")) == [
        "en",
        "kk",
        "ru",
    ]
    names = [c["command"] for c in groups[0]["commands"]]
    members = [s.name for s in tg.app.commands.all() if s.level == Level.MEMBER]
    assert names == members
    assert "ping" in names
    russian = next(c for c in groups if c.get("language_code") == "ru")
    english = next(c for c in groups if c.get("language_code") == "en")
    assert russian["commands"] != english["commands"]


async def test_moderator_commands_go_to_the_administrators_menu(tg: Harness, probe: Probe) -> None:
    before = len(tg.fake.of("setMyCommands"))
    await tg.adapter.publish_commands()
    calls = tg.fake.of("setMyCommands")[before:]
    staff = next(c for c in calls if c["scope"] == {"type": "all_chat_administrators"})
    members = next(c for c in calls if c["scope"] == {"type": "all_group_chats"})
    assert "purge_all" in [c["command"] for c in staff["commands"]]
    assert "purge_all" not in [c["command"] for c in members["commands"]]


async def test_updates_of_one_chat_are_handled_in_order(
    tg: Harness, probe: Probe, clock: ManualClock
) -> None:
    last = 0
    for number in range(15):
        clock.advance(timedelta(seconds=2))  # a steady pace, not a flood
        last, _ = tg.fake.say(GROUP, ALICE, f"/echo {number}")
    await tg.settle(last)
    sent = await tg.fake.wait_for("sendMessage", 15)
    assert [str(s["text"]).split()[-1] for s in sent] == [str(n) for n in range(15)]


async def test_a_reaction_reaches_the_cogs_with_the_messages_author(
    tg: Harness, probe: Probe
) -> None:
    update_id, message = tg.fake.say(GROUP, MOD, "a helpful answer")
    await tg.settle(update_id)
    update_id = tg.fake.react(GROUP, message["message_id"], ALICE, old=[], new=["🔥"])
    await tg.settle(update_id)
    await until(lambda: bool(probe.seen), what="the reaction")
    (event,) = probe.seen
    assert isinstance(event, ReactionAdded)
    assert event.emoji == "🔥"
    assert event.message_author is not None
    assert event.message_author.id == str(MOD["id"])


async def test_the_bots_own_membership_changes_are_not_member_events(
    tg: Harness, probe: Probe
) -> None:
    change = {
        "chat": GROUP,
        "from": OWNER,
        "date": 1_767_603_600,
        "old_chat_member": member(tg.fake.bot, "member"),
        "new_chat_member": member(tg.fake.bot, "administrator"),
    }
    tg.fake.push("my_chat_member", change)
    (reply,) = await said(tg, ALICE, "/ping")
    assert reply.startswith("Pong")
    assert tg.fake.of("sendMessage")[0]["text"] == reply  # no welcome for the bot itself
