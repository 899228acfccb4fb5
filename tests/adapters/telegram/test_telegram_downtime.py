"""Downtime on Telegram: updates that arrive while the bot is down wait at Telegram (it keeps
what no offset confirmed, for 24 hours) and are moderated once when the bot is back, by long
polling and by webhook. The fake Bot API forgets confirmed updates and keeps the others, as
Telegram does, and in webhook mode it re-tries a bot that does not answer."""

from __future__ import annotations

import socket
import sqlite3
from collections import Counter
from pathlib import Path

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.adapters.telegram.ratelimit import VirtualTime
from bot.core.clock import ManualClock
from tests.auxil.app import running_app
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.auxil.telegram import make_adapter, telegram_app, until

GROUP = supergroup(-100777, "downtime")
SWEAR = "what the f.u.c.k"
WHILE_DOWN = 50


def deletes(fake: FakeTelegram) -> Counter[int]:
    """Deletions per message id (single and bulk deletes)."""
    found: Counter[int] = Counter()
    for params in fake.of("deleteMessage"):
        found[int(params["message_id"])] += 1
    for params in fake.of("deleteMessages"):
        for message_id in params["message_ids"]:
            found[int(message_id)] += 1
    return found


def cases(db: Path) -> Counter[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT user_id FROM mod_cases").fetchall()
    return Counter(str(member) for (member,) in rows)


def post_while_down(fake: FakeTelegram) -> set[int]:
    """Fifty members swear while no bot is there to see it; returns their message ids."""
    sent = set()
    for n in range(WHILE_DOWN):
        _, message = fake.say(GROUP, user(40_000 + n, f"m{n}"), SWEAR)
        sent.add(int(message["message_id"]))
    return sent


def assert_moderated_once(fake: FakeTelegram, sent: set[int], db: Path) -> None:
    removed = deletes(fake)
    assert set(removed) >= sent
    assert max(removed[m] for m in sent) == 1, "a message removed twice"
    found = cases(db)
    assert set(found) == {str(40_000 + n) for n in range(WHILE_DOWN)}
    assert max(found.values()) == 1, "a second case for one message"


async def test_messages_sent_while_polling_bot_was_down_are_moderated_once(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    async with telegram_app(db, fake, clock) as first:
        update_id, _ = fake.say(GROUP, user(11, "Alice"), "hello")
        await first.settle(update_id)
    sent = post_while_down(fake)
    assert fake.pending >= WHILE_DOWN  # nothing confirmed them: Telegram keeps them

    async with telegram_app(db, fake, clock) as second:
        await until(lambda: set(deletes(fake)) >= sent, within=30, what="every swear removed")
        await second.adapter.intake.wait_idle(within=10.0)
        # The next poll's offset confirms them all, and Telegram forgets them.
        await until(lambda: fake.pending == 0, within=10, what="Telegram to forget them")
    assert_moderated_once(fake, sent, db)


async def test_messages_sent_while_webhook_bot_was_down_are_moderated_once(
    tmp_path: Path, fake: FakeTelegram, clock: ManualClock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake.webhook_target = f"http://127.0.0.1:{port}/tg/hook"
    db = tmp_path / "kenes.db"

    def webhook_adapter() -> TelegramAdapter:
        return make_adapter(
            fake,
            VirtualTime(),
            mode="webhook",
            webhook_listen="127.0.0.1",
            webhook_port=port,
            webhook_url="https://bot.example.org/tg/hook",
        )

    first = webhook_adapter()
    async with running_app(db, adapters=[first], clock=clock):
        fake.say(GROUP, user(11, "Alice"), "hello")
        await until(lambda: fake.webhook_delivered == 1, what="the first update delivered")
        await first.intake.wait_idle(within=5.0)
    sent = post_while_down(fake)
    # Telegram tries the webhook and gets no answer: it keeps every update for later.
    await until(lambda: fake.webhook_refused >= 3, what="delivery tried while down")
    assert fake.pending == WHILE_DOWN
    assert fake.webhook_delivered == 1

    second = webhook_adapter()
    async with running_app(db, adapters=[second], clock=clock):
        await until(lambda: set(deletes(fake)) >= sent, within=30, what="every swear removed")
        await second.intake.wait_idle(within=10.0)
    assert fake.pending == 0
    assert fake.webhook_delivered == 1 + WHILE_DOWN
    assert fake.of("getUpdates") == []
    assert_moderated_once(fake, sent, db)
