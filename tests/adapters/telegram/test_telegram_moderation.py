"""End to end with the moderation cog in a Telegram supergroup: floods and evasive spam."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.core.clock import ManualClock
from cogs.moderation.models import ModCase
from tests.auxil.app import make_config
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.auxil.telegram import Harness, until

GROUP = supergroup(-100321)
BOB = user(22, "Bob", "bob")
OWNER = user(33, "Olzhas", "olzhas")
MOD_LOG = -100999


@pytest.fixture
def fake(fake: FakeTelegram) -> FakeTelegram:
    fake.set_admins(GROUP["id"], OWNER)
    return fake


@pytest.fixture
def tg_config() -> Config:
    return make_config(bot={"cogs": ["core", "moderation"]}, defaults={"log_channel": str(MOD_LOG)})


async def post(tg: Harness, text: str) -> int:
    """Bob posts `text`; returns its message id once the bot has handled it."""
    update_id, message = tg.fake.say(GROUP, BOB, text)
    await tg.settle(update_id)
    return int(message["message_id"])


def mutes(fake: FakeTelegram) -> list[dict[str, object]]:
    calls = fake.of("restrictChatMember")
    return [c for c in calls if not c["permissions"]["can_send_messages"]]


async def test_a_flood_is_deleted_and_muted_until_the_right_time(
    tg: Harness, clock: ManualClock
) -> None:
    for number in range(6):
        await post(tg, f"message number {number}")
        await tg.app.advance(timedelta(seconds=1))
    assert mutes(tg.fake) == []
    last = await post(tg, "and one more")
    await until(lambda: bool(mutes(tg.fake)), what="the mute")
    (mute,) = mutes(tg.fake)
    assert mute["chat_id"] == GROUP["id"]
    assert mute["user_id"] == BOB["id"]
    assert mute["until_date"] == int((clock.now() + timedelta(minutes=5)).timestamp())
    assert last in _deleted(tg.fake)
    await tg.app.advance(timedelta(minutes=6))  # the cog lifts the mute on time
    lifted = tg.fake.of("restrictChatMember")[-1]
    assert all(lifted["permissions"].values())


async def test_evasive_spam_is_deleted_and_repeated_spam_mutes_by_the_ladder(
    tg: Harness, clock: ManualClock
) -> None:
    spam = ("Заработок в интeрнeтe", "у д а л е н н ы й заработок", "Салымсыз ТАБЫС бар")
    posted = [await post(tg, text) for text in spam]
    await until(lambda: bool(mutes(tg.fake)), what="the ladder's mute")
    assert set(posted) <= _deleted(tg.fake)
    (mute,) = mutes(tg.fake)
    assert mute["until_date"] == int((clock.now() + timedelta(hours=1)).timestamp())
    logged = [c for c in tg.fake.of("sendMessage") if c["chat_id"] == MOD_LOG]
    assert logged, "every case goes to the moderators' log chat"
    assert all(c["parse_mode"] == "HTML" for c in logged)


async def test_a_moderator_mutes_by_replying_and_a_refusal_is_explained(
    tg: Harness, clock: ManualClock
) -> None:
    _, spam = tg.fake.say(GROUP, BOB, "hello")
    update_id, _ = tg.fake.say(GROUP, OWNER, "/mute 10m rude", reply_to=spam)
    await tg.settle(update_id)
    await until(lambda: bool(mutes(tg.fake)), what="the moderator's mute")
    (mute,) = mutes(tg.fake)
    assert mute["user_id"] == BOB["id"]
    assert mute["until_date"] == int((clock.now() + timedelta(minutes=10)).timestamp())
    tg.fake.fail("banChatMember", description="Bad Request: not enough rights to restrict")
    before = len(tg.fake.of("sendMessage"))
    update_id, _ = tg.fake.say(GROUP, OWNER, "/ban spam", reply_to=spam)
    await tg.settle(update_id)
    await tg.fake.wait_for("sendMessage", before + 1)
    texts = [str(c["text"]) for c in tg.fake.of("sendMessage")[before:]]
    assert any("administrator" in text for text in texts), texts


async def test_slow_mode_is_emulated_because_bots_cannot_set_it(tg: Harness) -> None:
    update_id, _ = tg.fake.say(GROUP, OWNER, "/slowmode 30")
    await tg.settle(update_id)
    assert "setChatSlowModeDelay" not in tg.fake.methods()
    await post(tg, "first")
    await tg.app.advance(timedelta(seconds=10))
    before = len(tg.fake.of("sendMessage"))
    early = await post(tg, "second")
    await until(lambda: early in _deleted(tg.fake), what="the early message's removal")
    notice = await tg.fake.wait_for("sendMessage", before + 1)
    assert "21" in str(notice[-1]["text"])
    notices_deleted = len(_deleted(tg.fake))
    await tg.app.advance(timedelta(minutes=5))  # the notice removes itself (delete_after)
    assert len(_deleted(tg.fake)) > notices_deleted


def _deleted(fake: FakeTelegram) -> set[int]:
    found = {int(str(c["message_id"])) for c in fake.of("deleteMessage")}
    found |= {int(i) for c in fake.of("deleteMessages") for i in c["message_ids"]}
    return found


async def test_a_moderator_cannot_mute_the_groups_owner(tg: Harness) -> None:
    maya = user(44, "Maya", "maya")
    tg.fake.set_admins(GROUP["id"], OWNER, maya)
    _, owners = tg.fake.say(GROUP, OWNER, "hello")
    update_id, _ = tg.fake.say(GROUP, maya, "/mute 10m rude", reply_to=owners)
    await tg.settle(update_id)
    (reply,) = await tg.fake.wait_for("sendMessage")
    assert mutes(tg.fake) == []
    assert tg.fake.of("getChatMember")[-1]["user_id"] == OWNER["id"]
    assert "Olzhas" in str(reply["text"])  # the name moderators know, not the id 33


async def test_spam_addressed_to_another_bot_is_still_moderated(tg: Harness) -> None:
    posted = await post(tg, "/start@other_bot Заработок в интeрнeтe")
    await until(lambda: posted in _deleted(tg.fake), what="the spam's deletion")
    assert not any(str(c["text"]).startswith("Pong") for c in tg.fake.of("sendMessage"))


async def test_spam_posted_as_a_channel_can_be_banned_by_replying(tg: Harness) -> None:
    channel = {"id": -100777, "type": "channel", "title": "Spam channel"}
    robot = user(136817688, "Channel", "Channel_Bot")
    spam = tg.fake.message_json(GROUP, robot, "hello from the channel", sender_chat=channel)
    await tg.settle(tg.fake.push("message", spam))
    update_id, _ = tg.fake.say(GROUP, OWNER, "/ban spam", reply_to=spam)
    await tg.settle(update_id)
    (banned,) = await tg.fake.wait_for("banChatSenderChat")
    assert banned == {"chat_id": GROUP["id"], "sender_chat_id": channel["id"]}
    assert tg.fake.of("banChatMember") == []
    texts = [str(c["text"]) for c in tg.fake.of("sendMessage")]
    assert not any("rank" in text for text in texts), texts


async def test_a_case_keeps_the_link_to_the_message_it_is_about(tg: Harness) -> None:
    """The supergroup -100321's message N opens at https://t.me/c/321/N (for its members)."""
    spam = await post(tg, "Заработок в интeрнeтe")
    await until(lambda: spam in _deleted(tg.fake), what="the deletion")
    async with tg.app.services.sessions() as session:
        links = list(await session.scalars(select(ModCase.link)))
    assert links == [f"https://t.me/c/321/{spam}"]


async def test_a_case_in_a_public_group_links_by_its_username(tg: Harness) -> None:
    """A public supergroup's chat object carries its username: its case links to
    https://t.me/<username>/N, which opens for anyone; once the group goes private (its
    updates carry no username) the next case links the t.me/c/ way again."""
    public = supergroup(-100321, username="kenes_public")
    update_id, spam = tg.fake.say(public, BOB, "Заработок в интeрнeтe")
    await tg.settle(update_id)
    first = int(spam["message_id"])
    await until(lambda: first in _deleted(tg.fake), what="the deletion")
    second = await post(tg, "Заработок в интeрнeтe сегодня")  # GROUP: the same chat, no username
    await until(lambda: second in _deleted(tg.fake), what="the second deletion")
    async with tg.app.services.sessions() as session:
        links = list(await session.scalars(select(ModCase.link).order_by(ModCase.id)))
    assert links == [f"https://t.me/kenes_public/{first}", f"https://t.me/c/321/{second}"]
