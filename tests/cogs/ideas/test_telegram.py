"""The ideas board in a Telegram group: python-telegram-bot against the fake Bot API over HTTP.

A card with inline vote buttons, a press counted once (also after a restart), forged callback
data refused, and the monthly post in the group on its day.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import ManualClock
from cogs.ideas.cog import CARD_REFRESH
from cogs.ideas.store import IdeaStore, Tally
from tests.auxil.app import make_config
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.auxil.telegram import Harness, telegram_app, until

GROUP = supergroup(-100777)
ALICE = user(11, "Alice", "alice")
BOB = user(22, "Bob", "bob")
CAT = user(33, "Cat", "cat")
OWNER = user(99, "Owner")
CONFIG = make_config(bot={"cogs": ["core", "ideas"]})


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(clock=clock.now) as server:
        server.set_admins(GROUP["id"], OWNER)
        yield server


def texts(fake: FakeTelegram) -> list[str]:
    return [str(call["text"]) for call in fake.of("sendMessage")]


async def press(tg: Harness, card: dict[str, Any], who: dict[str, Any], data: str) -> int:
    before = len(tg.fake.of("answerCallbackQuery"))
    update_id = tg.fake.press(card, who, data)
    await tg.settle(update_id)
    await until(lambda: len(tg.fake.of("answerCallbackQuery")) > before, what="the answer")
    return update_id


async def tally(tg: Harness) -> Tally:
    return await IdeaStore(tg.app.services.sessions).tally(1)


async def test_vote_buttons_count_once_across_a_restart(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    async with telegram_app(db, fake, clock, config=CONFIG) as tg:
        update_id, _ = fake.say(GROUP, ALICE, "/idea Dark <b>mode</b> | easier at night")
        await tg.settle(update_id)
        await until(lambda: any("Idea #1" in t for t in texts(fake)), what="the card")
        (sent,) = [c for c in fake.of("sendMessage") if "Idea #1" in str(c["text"])]
        assert "Dark &lt;b&gt;mode&lt;/b&gt;" in str(sent["text"])  # member text is never markup
        buttons = [b for row in sent["reply_markup"]["inline_keyboard"] for b in row]
        assert [b["callback_data"] for b in buttons] == ["idea:up:1", "idea:down:1", "idea:undo:1"]
        card = fake.message_json(GROUP, fake.bot, "card")
        await press(tg, card, BOB, "idea:up:1")
        assert await tally(tg) == Tally(up=1)
    async with telegram_app(db, fake, clock, config=CONFIG) as tg:
        await press(tg, card, BOB, "idea:up:1")  # the same member again, after a restart
        await press(tg, card, CAT, "idea:up:99")  # forged: no such idea
        await press(tg, card, CAT, "idea:up:1:2")  # forged: not an id
        assert await tally(tg) == Tally(up=1)
        await press(tg, card, CAT, "idea:up:1")
        assert await tally(tg) == Tally(up=2)


async def test_the_monthly_post_goes_to_the_group_on_its_day(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=CONFIG) as tg:
        update_id, _ = fake.say(GROUP, ALICE, "/idea Dark mode")
        await tg.settle(update_id)
        update_id, _ = fake.say(GROUP, OWNER, "/idea_status 1 shipped")
        await tg.settle(update_id)
        await until(lambda: any("is now: shipped" in t for t in texts(fake)), what="the change")
        await tg.app.advance(timedelta(days=26))
        assert not any("You asked" in t for t in texts(fake))
        await tg.app.advance(timedelta(days=1))
        await until(lambda: any("You asked" in t for t in texts(fake)), what="the monthly post")
        (post,) = [c for c in fake.of("sendMessage") if "You asked" in str(c["text"])]
        assert int(str(post["chat_id"])) == GROUP["id"]
        assert "✔ #1 Dark mode: thank you, Alice!" in str(post["text"])
        await tg.app.advance(timedelta(days=2))
        assert len([t for t in texts(fake) if "You asked" in t]) == 1


async def test_the_card_shows_its_votes_in_one_edit_per_period(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    async with telegram_app(tmp_path / "kenes.db", fake, clock, config=CONFIG) as tg:
        update_id, _ = fake.say(GROUP, ALICE, "/idea Dark <b>mode</b>")
        await tg.settle(update_id)
        await until(lambda: any("Idea #1" in t for t in texts(fake)), what="the card")
        [(key, posted)] = [(k, m) for k, m in fake.texts.items() if "Idea #1" in m["text"]]
        card = fake.message_json(GROUP, fake.bot, "card", message_id=key[1])
        for who in (BOB, CAT, OWNER):
            await press(tg, card, who, "idea:up:1")
        await press(tg, card, OWNER, "idea:down:1")
        assert fake.of("editMessageText") == []
        await tg.app.advance(CARD_REFRESH)
        await until(lambda: len(fake.of("editMessageText")) == 1, what="the card's edit")
        (edit,) = fake.of("editMessageText")
        assert (int(str(edit["chat_id"])), int(str(edit["message_id"]))) == key
        assert edit["reply_markup"] == posted["reply_markup"]  # the same vote buttons
        shown = fake.texts[key]["text"]
        assert shown.startswith("💡 Idea #1: Dark &lt;b&gt;mode&lt;/b&gt;")  # still no markup
        assert shown.endswith("So far: 2 votes for it, 1 against.")
        await tg.app.advance(CARD_REFRESH * 12)
        assert len(fake.of("editMessageText")) == 1  # no new votes, no edit
