"""Questions sent to the bot in a private chat on Telegram: routed to the member's community,
acknowledged in its language and working hours, relayed both ways with the staff topic; the DM
never becomes a community. The real adapter and python-telegram-bot against the fake Bot API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.db.models import Community, PrivateRoute, ScheduledJob
from tests.auxil.app import make_config
from tests.auxil.fake_telegram import FakeTelegram, private, supergroup, user
from tests.auxil.telegram import Harness, telegram_app, until
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

RU_GROUP = supergroup(-1001000000003, "Сообщество")
BOB = user(24, "Bob")
CAROL = user(25, "Carol")


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(clock=clock.now) as server:
        seat_chats(server, GROUP, RU_GROUP)
        yield server


@pytest.fixture
async def tg(tmp_path: Path, fake: FakeTelegram, clock: ManualClock) -> AsyncIterator[Harness]:
    staff_chats = {f"telegram:{chat['id']}": STAFF["id"] for chat in (GROUP, RU_GROUP)}
    rules = rules_with_staff_chats(tmp_path, staff_chats)
    config = make_config(
        rules_dir=rules,
        bot={"cogs": ["core", "support", "heroes", "digest"]},
        communities={f"telegram:{RU_GROUP['id']}": {"locale": "ru"}},
    )
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=config) as harness:
        yield harness


async def seen_in(tg: Harness, chat: dict[str, object], who: dict[str, object]) -> None:
    """`who` speaks in `chat` once, so the activity ledger knows them there."""
    await post(tg, chat, who, "hello everyone")
    await tg.app.services.activity.flush()


def buttons(message: dict[str, object]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup")
    data = json.loads(markup) if isinstance(markup, str) else markup
    assert isinstance(data, dict)
    return [(b["text"], b["callback_data"]) for row in data["inline_keyboard"] for b in row]


async def press(tg: Harness, who: dict[str, object], data: str) -> None:
    message = {"message_id": 900, "date": 0, "chat": private(who), "from": tg.fake.bot}
    await tg.settle(tg.fake.press(message, who, data))


async def test_a_dm_opens_a_ticket_in_the_members_community_and_replies_come_back(
    tg: Harness,
) -> None:
    fake = tg.fake
    await seen_in(tg, GROUP, ALICE)
    await post(tg, private(ALICE), ALICE, "The export button does nothing")
    await until(lambda: len(sent_to(fake, ALICE)) == 1, what="the acknowledgment in the DM")
    ack = str(sent_to(fake, ALICE)[0]["text"])
    # Monday 09:00 UTC is 14:00 in Almaty: the 2-hour promise lands at 16:00, in English.
    assert "Ticket #1 is open" in ack
    assert "Monday 05.01 at 16:00" in ack
    (topic,) = fake.of("createForumTopic")
    assert str(topic["name"]).startswith("#1 Alice")
    thread = int(str(sent_to(fake, STAFF)[0]["message_thread_id"]))

    # Staff answer in the topic: the member gets it in the private chat.
    await post(tg, STAFF, DANA, "Which browser do you use?", thread_id=thread)
    await until(lambda: len(sent_to(fake, ALICE)) == 2, what="the relayed answer")
    assert "Dana from the team:\nWhich browser do you use?" in str(sent_to(fake, ALICE)[1]["text"])

    # The member's next DM goes to the same ticket's topic, without asking anything.
    await post(tg, private(ALICE), ALICE, "Firefox 128")
    await until(lambda: "Firefox 128" in str(sent_to(fake, STAFF)[-1]["text"]), what="relay")
    assert int(str(sent_to(fake, STAFF)[-1]["message_thread_id"])) == thread
    assert "Added to your open ticket #1." in str(sent_to(fake, ALICE)[-1]["text"])

    # The close and rating buttons work from the private chat, on the ticket's community.
    await press(tg, ALICE, "support:close:1")
    await until(
        lambda: "Ticket #1 is closed" in str(sent_to(fake, ALICE)[-1]["text"]), what="close"
    )
    await press(tg, ALICE, "support:rate:1:up")
    await until(
        lambda: "Thank you for rating ticket #1!" in str(sent_to(fake, ALICE)[-1]["text"]),
        what="the thanks for the rating",
    )

    # The private chat is not a community: no row, no ritual jobs for it.
    async with tg.app.services.sessions() as session:
        communities = set((await session.scalars(select(Community.external_id))).all())
        jobs = (await session.scalars(select(ScheduledJob))).all()
    assert str(ALICE["id"]) not in communities
    assert str(GROUP["id"]) in communities
    assert not [j for j in jobs if j.payload.get("community") == str(ALICE["id"])]
    assert [j for j in jobs if j.payload.get("community") == str(GROUP["id"])]  # rituals: yes


async def test_a_member_of_two_communities_is_asked_once_and_the_choice_is_kept(
    tg: Harness,
) -> None:
    fake = tg.fake
    await seen_in(tg, GROUP, BOB)
    await seen_in(tg, RU_GROUP, BOB)
    await post(tg, private(BOB), BOB, "Не могу оплатить подписку картой")
    await until(lambda: len(sent_to(fake, BOB)) == 1, what="the question which community")
    asked = sent_to(fake, BOB)[0]
    assert "Which community is your question for?" in str(asked["text"])
    choices = dict(buttons(asked))
    assert set(choices) == {"Community", "Сообщество"}  # the groups' titles, from getChat
    assert not fake.of("createForumTopic")  # nothing opened before the member chose

    await press(tg, BOB, choices["Сообщество"])
    await until(lambda: len(sent_to(fake, BOB)) == 3, what="the choice and the FAQ answer")
    chosen, answer = (str(p["text"]) for p in sent_to(fake, BOB)[1:])
    assert "поддержку сообщества Сообщество" in chosen
    assert "Это помогло?" in answer  # the held question, answered by that community's FAQ
    no = dict(buttons(sent_to(fake, BOB)[2]))["👎 Нет, спросить команду"]
    await press(tg, BOB, no)  # the answer did not help: a ticket opens in that community
    await until(lambda: len(sent_to(fake, BOB)) == 4, what="the acknowledgment")
    assert "Обращение №1 открыто" in str(sent_to(fake, BOB)[3]["text"])
    (topic,) = fake.of("createForumTopic")
    assert "Не могу оплатить подписку картой" in str(topic["name"])

    # Later DMs go to the same community without asking again.
    await post(tg, private(BOB), BOB, "Карта Visa")
    await until(lambda: len(sent_to(fake, BOB)) == 5, what="the follow-up")
    assert "Добавлено к вашему открытому обращению №1." in str(sent_to(fake, BOB)[-1]["text"])
    async with tg.app.services.sessions() as session:
        route = await session.get(PrivateRoute, ("telegram", str(BOB["id"])))
    assert route is not None
    assert route.pending_text is None
    assert route.community_id is not None


async def test_a_forged_choice_or_an_unknown_member_opens_nothing(tg: Harness) -> None:
    fake = tg.fake
    await seen_in(tg, GROUP, BOB)
    await seen_in(tg, RU_GROUP, BOB)
    await post(tg, private(BOB), BOB, "Where is my refund?")
    await until(lambda: len(sent_to(fake, BOB)) == 1, what="the question which community")
    await press(tg, BOB, "support:dm:99999")  # a community Bob is not in
    await until(lambda: len(sent_to(fake, BOB)) == 2, what="the refusal")
    assert "not for a community you are in" in str(sent_to(fake, BOB)[-1]["text"])
    await press(tg, BOB, "support:dm:99999999999999999999999")  # out of range: ignored
    assert not fake.of("createForumTopic")

    # Carol was never seen in any community: she is told how to get help.
    await post(tg, private(CAROL), CAROL, "Hello?")
    await until(lambda: len(sent_to(fake, CAROL)) == 1, what="the answer to Carol")
    assert "do not know which community you are in" in str(sent_to(fake, CAROL)[0]["text"])

    # Asking with the command in the private chat takes the same way.
    await post(tg, private(CAROL), CAROL, "/help_request Hello?")
    await until(lambda: len(sent_to(fake, CAROL)) == 2, what="the answer to the command")
    assert "do not know which community you are in" in str(sent_to(fake, CAROL)[1]["text"])

    # A community command in a DM says where it works instead of acting on nothing.
    await post(tg, private(CAROL), CAROL, "/tickets")
    await until(lambda: len(sent_to(fake, CAROL)) == 3, what="the refusal")
    assert "works in a community chat" in str(sent_to(fake, CAROL)[-1]["text"])
