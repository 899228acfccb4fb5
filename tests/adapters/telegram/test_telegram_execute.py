"""Core actions become the right Bot API calls; refusals are ActionRefused, never a crash."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters.telegram import markup
from bot.adapters.telegram.execute import EPHEMERAL_TTL
from bot.adapters.telegram.refs import chat_ref, community_ref, message_ref, user_ref
from bot.core.actions import (
    Ban,
    Button,
    DeleteMessage,
    EditMessage,
    FetchFile,
    Kick,
    Pin,
    Restrict,
    SendDirect,
    SendImage,
    SendMessage,
    SendPoll,
    SetSlowMode,
    Unban,
    Unrestrict,
)
from bot.core.clock import ManualClock
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.events import Attachment
from bot.core.permissions import Level
from bot.db.models import Community
from tests.auxil.app import START, make_config
from tests.auxil.fake_telegram import FakeTelegram, user
from tests.auxil.markup import telegram_read
from tests.auxil.telegram import Harness, telegram_app

CHAT = -100777
GROUP = community_ref(CHAT)
HERE = chat_ref(CHAT)
BOB = user_ref(22)


def stamp(delta: timedelta) -> int:
    return int((START + delta).timestamp())


async def test_restrict_sends_until_date_from_the_app_clock(
    tg: Harness, clock: ManualClock
) -> None:
    clock.advance(timedelta(hours=1))
    await tg.app.execute(Restrict(community=GROUP, user=BOB, duration=timedelta(minutes=10)))
    (call,) = tg.fake.of("restrictChatMember")
    assert call["chat_id"] == CHAT
    assert call["user_id"] == 22
    assert call["until_date"] == stamp(timedelta(hours=1, minutes=10))
    assert call["permissions"]["can_send_messages"] is False
    assert call["use_independent_chat_permissions"] is True


async def test_too_short_and_too_long_restrictions_are_made_explicit(tg: Harness) -> None:
    await tg.app.execute(Restrict(community=GROUP, user=BOB, duration=timedelta(seconds=5)))
    await tg.app.execute(Restrict(community=GROUP, user=BOB, duration=timedelta(days=400)))
    await tg.app.execute(Restrict(community=GROUP, user=BOB, duration=None))
    short, long, forever = tg.fake.of("restrictChatMember")
    assert short["until_date"] == stamp(timedelta(seconds=35))  # not Telegram's "forever"
    assert "until_date" not in long  # over 366 days is forever, on purpose
    assert "until_date" not in forever


async def test_unrestrict_grants_every_permission_again(tg: Harness) -> None:
    await tg.app.execute(Unrestrict(community=GROUP, user=BOB))
    (call,) = tg.fake.of("restrictChatMember")
    assert all(call["permissions"].values())


async def test_ban_unban_and_kick(tg: Harness) -> None:
    await tg.app.execute(Ban(community=GROUP, user=BOB, duration=timedelta(days=1)))
    await tg.app.execute(Unban(community=GROUP, user=BOB))
    await tg.app.execute(Kick(community=GROUP, user=BOB))
    timed, kick = tg.fake.of("banChatMember")
    assert timed["until_date"] == stamp(timedelta(days=1))
    assert "until_date" not in kick
    unban, after_kick = tg.fake.of("unbanChatMember")
    assert unban["only_if_banned"] is True
    assert after_kick["only_if_banned"] is True
    assert tg.fake.methods()[-2:] == ["banChatMember", "unbanChatMember"]


async def test_set_slow_mode_is_unsupported(tg: Harness) -> None:
    assert not tg.app.supports("telegram", SetSlowMode)
    with pytest.raises(UnsupportedAction):
        await tg.app.execute(SetSlowMode(chat=HERE, seconds=30))


async def test_a_refused_delete_is_action_refused_with_a_reason(tg: Harness) -> None:
    tg.fake.fail("deleteMessage", description="Bad Request: message can't be deleted")
    with pytest.raises(ActionRefused) as refused:
        await tg.app.execute(DeleteMessage(message=message_ref(CHAT, 5)))
    assert "too old" in refused.value.reason


async def test_missing_rights_are_explained_in_the_communitys_language(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    config = make_config(communities={f"telegram:{CHAT}": {"locale": "ru"}})
    async with telegram_app(tmp_path / "k.db", fake, clock, config=config) as tg:
        fake.fail("banChatMember", description="Bad Request: not enough rights to restrict")
        with pytest.raises(ActionRefused) as refused:
            await tg.app.execute(Ban(community=GROUP, user=BOB))
    assert "администратора" in refused.value.reason


async def test_a_dm_to_someone_who_never_started_the_bot_is_refused(tg: Harness) -> None:
    tg.fake.fail(
        "sendMessage", status=403, description="Forbidden: bot can't initiate conversation"
    )
    with pytest.raises(ActionRefused) as refused:
        await tg.app.execute(SendDirect(user=BOB, text="hi"))
    assert "private chat" in refused.value.reason


async def test_several_deletes_at_once_are_one_delete_messages_call(tg: Harness) -> None:
    await asyncio.gather(
        *(tg.app.execute(DeleteMessage(message=message_ref(CHAT, n))) for n in (3, 4, 5))
    )
    assert tg.fake.of("deleteMessages") == [{"chat_id": CHAT, "message_ids": [3, 4, 5]}]
    assert tg.fake.of("deleteMessage") == []
    await tg.app.execute(DeleteMessage(message=message_ref(CHAT, 9)))
    assert tg.fake.of("deleteMessage") == [{"chat_id": CHAT, "message_id": 9}]


async def test_a_quiz_is_a_native_quiz_poll(tg: Harness) -> None:
    result = await tg.app.execute(
        SendPoll(
            chat=HERE,
            question="2+2?",
            options=("3", "4"),
            correct_option=1,
            explanation="basic <math>",
            anonymous=False,
            open_for=timedelta(minutes=5),
        )
    )
    (call,) = tg.fake.of("sendPoll")
    assert call["type"] == "quiz"
    assert call["correct_option_ids"] == [1]
    assert call["is_anonymous"] is False
    assert call["open_period"] == 300
    assert result.poll_id is not None
    assert result.message is not None


async def test_pin(tg: Harness) -> None:
    await tg.app.execute(Pin(message=message_ref(CHAT, 12)))
    (call,) = tg.fake.of("pinChatMessage")
    assert call["message_id"] == 12


async def test_callback_data_over_64_bytes_is_rejected_before_sending(tg: Harness) -> None:
    with pytest.raises(ValueError, match="64"):
        await tg.app.execute(SendMessage(chat=HERE, text="vote", buttons=(Button("x", "й" * 33),)))
    assert tg.fake.of("sendMessage") == []


async def test_a_private_reply_is_deleted_after_a_while(tg: Harness) -> None:
    result = await tg.app.execute(SendMessage(chat=HERE, text="only you", ephemeral_to=BOB))
    assert result.message is not None
    await tg.app.advance(EPHEMERAL_TTL - timedelta(seconds=1))
    assert tg.fake.of("deleteMessage") == []
    await tg.app.advance(timedelta(seconds=1))
    assert tg.fake.of("deleteMessage") == [{"chat_id": CHAT, "message_id": int(result.message.id)}]


async def test_quoted_member_text_neither_formats_nor_mentions(tg: Harness) -> None:
    await tg.app.execute(SendMessage(chat=HERE, text="Report: <b>hi</b> ask @durov & co"))
    [sent] = tg.fake.of("sendMessage")
    assert sent["parse_mode"] == "HTML"
    read, entities = telegram_read(sent["text"])
    assert entities == []
    assert read.replace(markup.WORD_JOINER, "") == "Report: <b>hi</b> ask @durov & co"


async def test_long_text_is_split_and_buttons_go_under_the_last_part(tg: Harness) -> None:
    text = "\n".join(f"line {n} " + "x" * 80 for n in range(60))
    await tg.app.execute(SendMessage(chat=HERE, text=text, buttons=(Button("OK", "ok"),)))
    first, second = tg.fake.of("sendMessage")
    assert "reply_markup" not in first
    assert "reply_markup" in second
    assert len(markup.render(text)) == 2


async def test_a_chat_that_moved_is_retried_at_its_new_id_and_keeps_its_data(
    tg: Harness,
) -> None:
    old_group = {"id": -555, "type": "group", "title": "old"}
    update_id, _ = tg.fake.say(old_group, {"id": 7, "is_bot": False, "first_name": "A"}, "hi")
    await tg.settle(update_id)
    await tg.app.services.activity.flush()
    tg.fake.fail("sendMessage", description="Bad Request: group chat was upgraded", status=400)
    tg.fake.failures["sendMessage"][0].migrate_to_chat_id = -100999
    await tg.app.execute(SendMessage(chat=chat_ref(-555), text="hi"))
    first, second = tg.fake.of("sendMessage")
    assert first["chat_id"] == -555
    assert second["chat_id"] == -100999
    async with tg.app.services.sessions() as session:
        moved = (await session.scalars(select(Community.external_id))).all()
    assert list(moved) == ["-100999"]


async def test_platform_level_asks_telegram_now(tg: Harness) -> None:
    tg.fake.set_admins(CHAT, user(1, "Owner"), user(2, "Mod"))
    adapter = tg.adapter
    assert await adapter.platform_level(GROUP, user_ref(1)) == Level.ADMIN
    assert await adapter.platform_level(GROUP, user_ref(2)) == Level.MODERATOR
    assert await adapter.platform_level(GROUP, BOB) == Level.MEMBER
    tg.fake.fail("getChatMember", description="Bad Request: user not found")
    assert await adapter.platform_level(GROUP, user_ref(77)) == Level.MEMBER
    tg.fake.fail("getChatMember", status=403, description="Forbidden: bot was kicked")
    assert await adapter.platform_level(GROUP, BOB) is None  # cannot tell: fail closed


async def test_a_channel_is_banned_and_unbanned_as_a_sender_chat(tg: Harness) -> None:
    channel = user_ref(-100555)
    await tg.app.execute(Ban(community=GROUP, user=channel))
    await tg.app.execute(Restrict(community=GROUP, user=channel, duration=timedelta(hours=1)))
    await tg.app.execute(Unrestrict(community=GROUP, user=channel))
    await tg.app.execute(Unban(community=GROUP, user=channel))
    assert tg.fake.methods()[-4:] == [
        "banChatSenderChat",
        "banChatSenderChat",
        "unbanChatSenderChat",
        "unbanChatSenderChat",
    ]
    assert {c["sender_chat_id"] for c in tg.fake.of("banChatSenderChat")} == {-100555}
    assert tg.fake.of("banChatMember") == tg.fake.of("restrictChatMember") == []


async def test_a_chat_posting_as_itself_has_the_rank_it_speaks_for(tg: Harness) -> None:
    tg.fake.linked[CHAT] = -100444
    adapter = tg.adapter
    assert await adapter.platform_level(GROUP, user_ref(-100555)) == Level.MEMBER  # a channel
    assert await adapter.platform_level(GROUP, user_ref(-100444)) == Level.MODERATOR  # linked
    assert await adapter.platform_level(GROUP, user_ref(CHAT)) == Level.MODERATOR  # anonymous
    assert len(tg.fake.of("getChat")) == 1  # the linked channel is looked up once
    other = community_ref(-100888)
    tg.fake.fail("getChat", status=403, description="Forbidden: bot was kicked")
    assert await adapter.platform_level(other, user_ref(-100555)) is None  # fail closed


async def test_a_post_that_timed_out_is_not_posted_again_but_a_delete_is_retried(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    async with telegram_app(tmp_path / "k.db", fake, clock, read_timeout=0.2) as tg:
        fake.stall("sendMessage", 0.5)
        with pytest.raises(ActionRefused) as refused:
            await tg.app.execute(SendMessage(chat=HERE, text="once"))
        assert "did not answer in time" in refused.value.reason
        fake.stall("sendPoll", 0.5)
        with pytest.raises(ActionRefused):
            await tg.app.execute(SendPoll(chat=HERE, question="Tea?", options=("yes", "no")))
        assert len(fake.of("sendMessage")) == len(fake.of("sendPoll")) == 1  # never twice
        fake.stall("deleteMessage", 0.5)
        await tg.app.execute(DeleteMessage(message=message_ref(CHAT, 5)))
        assert len(fake.of("deleteMessage")) == 2  # deleting again is harmless: retried


async def test_an_image_is_uploaded_with_sendphoto_and_an_escaped_caption(tg: Harness) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(500)
    result = await tg.app.execute(
        SendImage(chat=HERE, image=png, filename="stats.png", caption="Active <b>share</b>")
    )
    (call,) = tg.fake.of("sendPhoto")
    assert call["chat_id"] == CHAT
    assert call["_files"] == {"photo": len(png)}  # the bytes went up as a file
    assert call["caption"] == "Active &lt;b&gt;share&lt;/b&gt;"  # member text never markup
    assert call["parse_mode"] == "HTML"
    assert result.message is not None
    assert result.message.chat == HERE


async def test_an_edit_replaces_the_text_and_keeps_the_buttons_it_is_given(tg: Harness) -> None:
    buttons = (Button("👍", "idea:up:1"), Button("👎", "idea:down:1"))
    sent = await tg.app.execute(SendMessage(chat=HERE, text="Idea #1", buttons=buttons))
    assert sent.message is not None
    edit = EditMessage(message=sent.message, text="Idea #1 <b>3</b> votes", buttons=buttons)
    assert (await tg.app.execute(edit)).message == sent.message
    (call,) = tg.fake.of("editMessageText")
    assert call["chat_id"] == CHAT
    assert call["message_id"] == int(sent.message.id)
    assert call["text"] == "Idea #1 &lt;b&gt;3&lt;/b&gt; votes"  # member text never markup
    shown = tg.fake.texts[(CHAT, int(sent.message.id))]
    assert shown["text"] == call["text"]
    keys = [b["callback_data"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert keys == ["idea:up:1", "idea:down:1"]  # the same keyboard as before

    # The same text and buttons again: Telegram answers "message is not modified"; done.
    await tg.app.execute(edit)
    assert len(tg.fake.of("editMessageText")) == 2
    # Without buttons, the keyboard goes, as on Telegram.
    await tg.app.execute(EditMessage(message=sent.message, text="closed"))
    assert "reply_markup" not in tg.fake.texts[(CHAT, int(sent.message.id))]


async def test_an_edit_of_a_message_that_is_not_there_is_refused(tg: Harness) -> None:
    gone = message_ref(CHAT, 999999)
    with pytest.raises(ActionRefused, match=r"(?i)message to edit not found"):
        await tg.app.execute(EditMessage(message=gone, text="hello"))


async def test_a_file_is_fetched_within_its_limit_and_refused_past_it(tg: Harness) -> None:
    """getFile then the download; a size Telegram states over the limit is refused before
    the download, and so is a file whose stated size was missing but whose bytes are too many."""
    data = b"%PDF-1.4\n" + b"0" * 900
    tg.fake.attach(data, "guide.pdf")
    fetch = FetchFile(chat=HERE, attachment=Attachment("file1", "guide.pdf", None), limit=2000)
    assert (await tg.app.execute(fetch)).data == data
    assert tg.fake.counts["download"] == 1
    with pytest.raises(ActionRefused, match="larger than the 1 MB allowed"):
        await tg.app.execute(replace(fetch, limit=500))  # getFile says 909 bytes: no download
    stated = replace(fetch.attachment, size=909)
    with pytest.raises(ActionRefused, match="larger than the 1 MB allowed"):
        await tg.app.execute(replace(fetch, attachment=stated, limit=500))  # not even getFile
    assert (tg.fake.counts["download"], len(tg.fake.of("getFile"))) == (1, 2)
