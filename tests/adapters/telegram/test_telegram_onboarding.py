"""End to end with the onboarding cog in a Telegram supergroup: join, gate, button, welcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Config
from bot.core.clock import ManualClock
from tests.auxil.app import make_config
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.auxil.telegram import Harness, until

GROUP = supergroup(-100654)
NEWBIE = user(44, "<i>New</i>bie", "newbie")


@pytest.fixture
def fake(fake: FakeTelegram) -> FakeTelegram:
    fake.set_admins(GROUP["id"], user(33, "Owner"))
    return fake


@pytest.fixture
def tg_config() -> Config:
    return make_config(bot={"cogs": ["core", "moderation", "onboarding"]})


async def test_a_newcomer_is_gated_welcomed_and_let_in_by_the_button(
    tg: Harness, clock: ManualClock
) -> None:
    update_id = tg.fake.chat_member(GROUP, NEWBIE, "left", "member")
    await tg.settle(update_id)
    await until(lambda: bool(tg.fake.of("sendMessage")), what="the welcome")
    (mute,) = tg.fake.of("restrictChatMember")
    assert mute["user_id"] == NEWBIE["id"]
    assert mute["until_date"] == int((clock.now() + timedelta(minutes=10)).timestamp())
    welcome = tg.fake.of("sendMessage")[0]
    assert "&lt;i&gt;New&lt;/i&gt;bie" in str(welcome["text"])  # the name is not markup
    [[button]] = welcome["reply_markup"]["inline_keyboard"]
    assert str(button["callback_data"]).startswith("onboarding:accept")

    sent = tg.fake.message_json(GROUP, tg.fake.bot, "welcome")
    update_id = tg.fake.press(sent, NEWBIE, str(button["callback_data"]))
    await tg.settle(update_id)
    await until(lambda: len(tg.fake.of("restrictChatMember")) == 2, what="the unmute")
    lifted = tg.fake.of("restrictChatMember")[-1]
    assert all(lifted["permissions"].values())
    assert tg.fake.of("answerCallbackQuery")
    await until(lambda: len(tg.fake.of("sendMessage")) >= 2, what="the next step")
    assert "is in" in str(tg.fake.of("sendMessage")[-1]["text"])


async def test_a_newcomer_who_never_passes_is_removed_on_time(tg: Harness) -> None:
    update_id = tg.fake.chat_member(GROUP, NEWBIE, "left", "member")
    await tg.settle(update_id)
    await until(lambda: bool(tg.fake.of("sendMessage")), what="the welcome")
    await tg.app.advance(timedelta(minutes=9))
    assert tg.fake.of("banChatMember") == []
    await tg.app.advance(timedelta(minutes=2))
    (kick,) = tg.fake.of("banChatMember")
    assert kick["user_id"] == NEWBIE["id"]
    assert tg.fake.of("unbanChatMember")[-1]["only_if_banned"] is True  # a kick, not a ban
