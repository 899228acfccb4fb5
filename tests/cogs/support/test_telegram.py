"""The support desk on Telegram: one forum topic per ticket in the staff supergroup, relayed both
ways, against the fake Bot API over HTTP (the real adapter, python-telegram-bot and SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config
from tests.auxil.app import make_config
from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.telegram import Harness, until
from tests.cogs.support.platforms import (
    ALICE,
    DANA,
    GROUP,
    STAFF,
    post,
    rules_with_staff_chats,
    seat_chats,
    sent_to,
)


@pytest.fixture
def fake(fake: FakeTelegram) -> FakeTelegram:
    seat_chats(fake, GROUP)
    return fake


@pytest.fixture
def tg_config(tmp_path: Path) -> Config:
    rules = rules_with_staff_chats(tmp_path, {f"telegram:{GROUP['id']}": STAFF["id"]})
    return make_config(rules_dir=rules, bot={"cogs": ["core", "support"]})


async def test_each_ticket_gets_a_forum_topic_and_replies_go_both_ways(tg: Harness) -> None:
    fake = tg.fake
    await post(tg, GROUP, ALICE, "/help_request The export button does nothing")
    await until(lambda: len(sent_to(fake, GROUP)) == 1, what="the acknowledgment")
    (topic,) = fake.of("createForumTopic")
    assert int(str(topic["chat_id"])) == STAFF["id"]
    assert str(topic["name"]).startswith("#1 Alice")
    (posted,) = sent_to(fake, STAFF)
    thread = int(str(posted["message_thread_id"]))
    assert "Ticket #1 from Alice" in str(posted["text"])
    assert "Ticket #1 is open" in str(sent_to(fake, GROUP)[0]["text"])

    # A staff member writes in the topic: the member gets it in the group.
    await post(tg, STAFF, DANA, "Which browser do you use?", thread_id=thread)
    await until(lambda: len(sent_to(fake, GROUP)) == 2, what="the relayed answer")
    assert "Dana from the team:\nWhich browser do you use?" in str(sent_to(fake, GROUP)[1]["text"])

    # The member answers in the group: it lands in the ticket's topic.
    await post(tg, GROUP, ALICE, "/help_request Firefox 128")  # a second request is a follow-up
    await until(lambda: len(sent_to(fake, STAFF)) >= 3, what="the member's follow-up in the topic")
    relayed = sent_to(fake, STAFF)[-1]
    assert int(str(relayed["message_thread_id"])) == thread
    assert "Alice adds:\nFirefox 128" in str(relayed["text"])

    # A command inside the topic needs no ticket number.
    await post(tg, STAFF, DANA, "/resolve", thread_id=thread)
    await until(
        lambda: any("Ticket #1 is resolved" in str(p["text"]) for p in sent_to(fake, GROUP)),
        what="the resolution notice",
    )


async def test_a_staff_chat_that_is_not_a_forum_gets_plain_posts(
    tg: Harness, fake: FakeTelegram
) -> None:
    fake.chats[STAFF["id"]] = {**STAFF, "is_forum": False}
    await post(tg, GROUP, ALICE, "/help_request The export button does nothing")
    await until(lambda: len(sent_to(fake, STAFF)) == 1, what="the staff post")
    assert "message_thread_id" not in sent_to(fake, STAFF)[0]
    assert fake.of("createForumTopic")  # tried, refused by Telegram, fell back


async def test_tickets_and_sla_in_the_staff_group_speak_of_the_community_it_serves(
    tg: Harness, fake: FakeTelegram
) -> None:
    await post(tg, GROUP, ALICE, "/help_request The export button does nothing")
    await until(lambda: len(sent_to(fake, STAFF)) == 1, what="the staff post")
    await post(tg, STAFF, DANA, "/tickets")
    await until(
        lambda: any("#1 Alice" in str(p["text"]) for p in sent_to(fake, STAFF)),
        what="the ticket list in the staff group",
    )
    await post(tg, STAFF, DANA, "/sla")
    await until(
        lambda: any("Support this week: 1 ticket." in str(p["text"]) for p in sent_to(fake, STAFF)),
        what="the community's figures in the staff group",
    )
