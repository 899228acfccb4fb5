"""End to end with the polls cog in a Telegram group: a public native poll, voted, closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Config
from tests.auxil.app import make_config
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.auxil.telegram import Harness, until

GROUP = supergroup(-100888)
ALICE = user(11, "Alice", "alice")
BOB = user(22, "Bob", "bob")
CAT = user(33, "Cat", "cat")


@pytest.fixture
def fake(fake: FakeTelegram) -> FakeTelegram:
    fake.set_admins(GROUP["id"], user(99, "Owner"))
    return fake


@pytest.fixture
def tg_config() -> Config:
    return make_config(bot={"cogs": ["core", "polls"]})


async def test_a_public_native_poll_is_counted_and_its_results_posted(tg: Harness) -> None:
    update_id, _ = tg.fake.say(
        GROUP, ALICE, "/poll 30s --public Carousel or video? | Carousel | Video"
    )
    await tg.settle(update_id)
    (sent,) = await tg.fake.wait_for("sendPoll")
    assert sent["question"] == "Carousel or video?"
    assert sent["is_anonymous"] is False
    (poll_id,) = tg.fake.polls
    last = 0
    for voter, option in ((BOB, 0), (CAT, 1), (ALICE, 0)):
        last = tg.fake.vote(poll_id, voter, [option])
    await tg.settle(last)
    await tg.app.advance(timedelta(seconds=31))
    await until(
        lambda: any("67%" in str(c["text"]) for c in tg.fake.of("sendMessage")),
        what="the results",
    )
    results = next(str(c["text"]) for c in tg.fake.of("sendMessage") if "67%" in str(c["text"]))
    assert "Carousel" in results
    assert "Bob" in results
