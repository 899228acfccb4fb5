"""A scheduled post with a poll and a tracked link, published to a Telegram group (fake Bot API)."""

from __future__ import annotations

import hashlib
import html
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import ManualClock
from tests.auxil.app import make_config
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.auxil.rituals import rules_copy
from tests.auxil.telegram import Harness, telegram_app, until

GROUP = supergroup(-100777)
OWNER = user(99, "Owner", "owner")
BOB = user(22, "Bob", "bob")
COGS = ["core", "polls", "support", "content"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n" + b"0" * 3000
# START is Monday 09:00 UTC; Friday 18:00 in Asia/Almaty is 13:00 UTC.
TO_FRIDAY_18 = timedelta(days=4, hours=4)


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(clock=clock.now) as server:
        server.set_admins(GROUP["id"], OWNER)
        yield server


async def said(tg: Harness, text: str) -> str:
    before = len(tg.fake.of("sendMessage"))
    update_id, _ = tg.fake.say(GROUP, OWNER, text)
    await tg.settle(update_id)
    await until(lambda: len(tg.fake.of("sendMessage")) > before, what=f"the answer to {text}")
    return html.unescape(str(tg.fake.of("sendMessage")[-1]["text"]))


async def test_a_scheduled_post_goes_out_with_its_poll_and_tracked_link(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    config = make_config(bot={"cogs": COGS})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        assert "Draft 1" in await said(
            tg, "/post new myth Myth: fees are hidden. Fact: https://example.org/fees"
        )
        assert "has no next step" in await said(tg, "/post schedule 1 fri 18:00")
        await said(tg, "/post next 1 poll Which myth next? | Fees | Security")
        assert "Almaty, UTC+5" in await said(tg, "/post schedule 1 fri 18:00")
        before = len(fake.of("sendMessage"))
        await tg.app.advance(TO_FRIDAY_18)
        await until(
            lambda: any("Which myth next?" in str(c) for c in fake.calls[-5:]), what="the poll"
        )
        # Sent as HTML (`&amp;`), which Telegram shows as the plain `&`.
        sent = [html.unescape(str(c["text"])) for c in fake.of("sendMessage")[before:]]
        [post] = [text for text in sent if text.startswith("Myth: fees are hidden.")]
        assert (
            "https://example.org/fees?utm_source=kenes&utm_medium=community&utm_campaign=myth"
            in post
        )
        assert "👇 Vote in the poll below." in post
        polls = [c for c in fake.of("sendMessage")[before:] if "Which myth next?" in str(c["text"])]
        polls += [c for c in fake.of("sendPoll") if c.get("question") == "Which myth next?"]
        assert len(polls) == 1


async def test_a_post_too_long_for_telegram_is_refused(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    config = make_config(bot={"cogs": COGS})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        summary = "Fees, briefly."
        await said(tg, f"/post new question {summary}\n\n" + "word " * 900)
        await said(tg, "/post next 1 poll Clear? | Yes | No")
        answer = await said(tg, "/post schedule 1 fri 18:00")
        assert answer == (
            "Post 1 is too long for Telegram: one message there holds at most 4,096 "
            "characters, and this post has 4,541. Shorten it."
        )


async def test_a_sign_up_button_records_the_member_and_refuses_a_forged_id(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    config = make_config(bot={"cogs": COGS})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        await said(tg, "/post new weekly Coming up: the Friday meetup.")
        await said(tg, "/post next 1 signup")
        await said(tg, "/post now 1")
        [post] = [c for c in fake.of("sendMessage") if "Friday meetup" in str(c["text"])]
        [[button]] = post["reply_markup"]["inline_keyboard"]
        assert button["callback_data"] == "content:signup:1"
        message = {"message_id": 1, "chat": GROUP, "date": 0, "text": str(post["text"])}
        before = len(fake.of("sendMessage"))
        await tg.settle(fake.press(message, BOB, "content:signup:1"))
        await tg.settle(fake.press(message, BOB, "content:signup:77"))
        # Telegram has no private replies in a group: the answer is a message deleted later.
        await until(lambda: len(fake.of("sendMessage")) >= before + 2, what="the answers")
        texts = [str(c["text"]) for c in fake.of("sendMessage")[before:]]
        assert texts == [
            "You are signed up. 1 person is signed up so far.",
            "This button is not valid (anymore); nothing was recorded.",
        ]


FORUM = supergroup(-100888, "Forum group", forum=True)
DEBATE = "/debate Dark theme? | Yes | No"


async def debated(tg: Harness, chat: dict[str, Any]) -> dict[str, Any]:
    """The debate's message as members see it, once its discussion is open."""
    update_id, command = tg.fake.say(chat, OWNER, DEBATE)
    await tg.settle(update_id)
    sent = tg.fake.of
    await until(lambda: any("Discuss here" in str(c.get("text")) for c in sent("sendMessage")),
                what="the discussion's opening line")  # fmt: skip
    [debate] = [c for c in tg.fake.of("sendMessage") if "Debate 1" in str(c["text"])]
    # The fake numbers each chat's messages in order: the debate came right after the command.
    return {"message_id": command["message_id"] + 1, "chat": chat, "from": tg.fake.bot,
            "date": command["date"], "text": debate["text"]}  # fmt: skip


async def test_a_debate_in_a_forum_opens_a_topic_whose_messages_count(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    fake.chats[FORUM["id"]] = FORUM
    fake.set_admins(FORUM["id"], OWNER)
    config = make_config(bot={"cogs": COGS})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        await debated(tg, FORUM)
        [topic] = fake.of("createForumTopic")
        assert topic["name"] == "Dark theme?"
        [opening] = [c for c in fake.of("sendMessage") if "Discuss here" in str(c["text"])]
        thread = int(str(opening["message_thread_id"]))
        for text in ("Yes: easier on the eyes.", "Yes, and on the battery."):
            update_id, _ = fake.say(FORUM, BOB, text, thread_id=thread)
            await tg.settle(update_id)
        update_id, _ = fake.say(FORUM, BOB, "Off topic, in General.")
        await tg.settle(update_id)
        before = len(fake.of("sendMessage"))
        await tg.app.advance(timedelta(days=2))
        await until(lambda: len(fake.of("sendMessage")) > before, what="the debate's result")
        result = html.unescape(str(fake.of("sendMessage")[-1]["text"]))
        assert result.endswith("💬 2 messages in the discussion, from 1 member.")


async def test_a_debate_in_a_plain_group_is_discussed_in_its_reply_chain(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    fake.chats[GROUP["id"]] = GROUP
    config = make_config(bot={"cogs": COGS})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        debate = await debated(tg, GROUP)
        assert fake.of("createForumTopic") == []
        [opening] = [c for c in fake.of("sendMessage") if "Discuss here" in str(c["text"])]
        assert "message_thread_id" not in opening
        assert opening["reply_parameters"]["message_id"] == debate["message_id"]
        update_id, _ = fake.say(GROUP, BOB, "No: it prints badly.", reply_to=debate)
        await tg.settle(update_id)
        before = len(fake.of("sendMessage"))
        await tg.app.advance(timedelta(days=2))
        await until(lambda: len(fake.of("sendMessage")) > before, what="the debate's result")
        result = html.unescape(str(fake.of("sendMessage")[-1]["text"]))
        assert result.endswith("💬 1 message in the discussion, from 1 member.")


async def test_planned_media_goes_out_as_a_photo_and_a_document_with_captions(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path)
    (rules / "content" / "media").mkdir(parents=True)
    (rules / "content" / "media" / "fees.png").write_bytes(PNG)
    (rules / "content" / "media" / "guide.pdf").write_bytes(PDF)
    for key, media, alt in (
        ("chart", "fees.png", "Fees by month"),
        ("guide", "guide.pdf", "Guide"),
    ):
        (rules / "content" / "posts" / f"{key}.toml").write_text(
            f'community = "telegram:{GROUP["id"]}"\nrubric = "question"\n'
            f'at = 2026-01-09T18:00:00+05:00\nmedia = "content/media/{media}"\nalt = "{alt}"\n'
            f'[text]\nen = "Which fee surprised you? ({key})"\n[next]\nkind = "link"\n'
            'url = "https://example.org/support"\n',
            "utf-8",
        )
    config = make_config(rules, bot={"cogs": COGS, "data_dir": str(tmp_path / "data")})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        await tg.app.advance(TO_FRIDAY_18)
        await until(lambda: bool(fake.of("sendDocument")), what="the document")
    [photo] = fake.of("sendPhoto")
    assert (photo["_files"]["photo"], photo["caption"]) == (len(PNG), "Fees by month")
    [document] = fake.of("sendDocument")
    assert document["_files"]["document"] == len(PDF)
    assert (document["_names"]["document"], document["caption"]) == ("guide.pdf", "Guide")


async def sent_with(tg: Harness, text: str, **fields: Any) -> str:
    """The owner sends `text` with extra message fields (a file, a reply); the bot's answer."""
    before = len(tg.fake.of("sendMessage"))
    message = tg.fake.message_json(GROUP, OWNER, text, **fields)
    await tg.settle(tg.fake.push("message", message))
    await until(lambda: len(tg.fake.of("sendMessage")) > before, what=f"the answer to {text}")
    return html.unescape(str(tg.fake.of("sendMessage")[-1]["text"]))


async def test_post_media_takes_the_photo_or_document_sent_with_the_command(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    """A photo captioned `/post media 1 | …` is fetched (getFile, the largest size), kept by
    its hash under the data folder and uploaded with the post; a document is taken from the
    message the command replies to. The bytes sent are the bytes received."""
    data = tmp_path / "data"
    config = make_config(bot={"cogs": COGS, "data_dir": str(data)})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        await said(tg, "/post new question Which fee surprised you?")
        await said(tg, "/post next 1 link https://example.org/fees")
        photo = fake.attach(PNG, photo=True)
        answer = await sent_with(tg, "/post media 1 | Fees by month", caption=True, **photo)
        assert answer.startswith("Post 1: photo.jpg (1 KB) is kept with the post")
        assert [c["file_id"] for c in fake.of("getFile")] == ["file1"]  # not the thumbnail
        assert (data / "content-media" / hashlib.sha256(PNG).hexdigest()).read_bytes() == PNG
        assert "📎 photo.jpg, uploaded with the post: Fees by month" in await said(
            tg, "/post preview 1"
        )
        await said(tg, "/post now 1")
        await until(lambda: bool(fake.of("sendPhoto")), what="the photo")
        [sent] = fake.of("sendPhoto")
        assert (sent["_files"]["photo"], sent["caption"]) == (len(PNG), "Fees by month")

        await said(tg, "/post new question What should the guide cover?")
        _, shared = fake.say(
            GROUP, BOB, "the guide", caption=False, **fake.attach(PDF, "guide.pdf")
        )
        answer = await sent_with(tg, "/post media 2 | The guide", reply_to=shared)
        assert answer.startswith("Post 2: guide.pdf (3 KB) is kept with the post")
        assert (data / "content-media" / hashlib.sha256(PDF).hexdigest()).read_bytes() == PDF


async def test_attached_media_is_bounded_and_checked_before_it_is_fetched(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path)
    content = rules / "content.toml"
    text = content.read_text("utf-8")
    assert "media_max_mb = 8" in text
    content.write_text(text.replace("media_max_mb = 8", "media_max_mb = 1"), "utf-8")
    config = make_config(rules, bot={"cogs": COGS, "data_dir": str(tmp_path / "data")})
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as tg:
        await said(tg, "/post new question Which fee surprised you?")
        big = fake.attach(b"0" * 1_500_000, "fees.pdf")
        answer = await sent_with(tg, "/post media 1 | Fees", caption=True, **big)
        assert "fees.pdf is 1.5 MB, more than the 1 MB allowed (media_max_mb" in answer
        script = fake.attach(b"echo hi", "run.sh")
        answer = await sent_with(tg, "/post media 1 | Fees", caption=True, **script)
        assert "run.sh is not an image or document Kenes uploads" in answer
        assert fake.of("getFile") == []  # neither was downloaded
        gone = fake.attach(PNG, "fees.png")
        del fake.files["file3"]  # Telegram no longer has it
        answer = await sent_with(tg, "/post media 1 | Fees", caption=True, **gone)
        assert answer.startswith("Post 1: I could not fetch the attached file: Telegram said:")
        assert not (tmp_path / "data" / "content-media").exists()
        # Without a file and without an address: how to do it.
        assert "attach an image or document" in await said(tg, "/post media 1 | Fees")
