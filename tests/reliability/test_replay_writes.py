"""kill -9 while updates are being handled, then a restart on the same database: the updates
whose handling was cut short are handled again (the inbox hands them over), and the rows their
handlers wrote before the kill are found by their update id, not written a second time."""

from __future__ import annotations

import random
import re
import sqlite3
from collections import Counter
from pathlib import Path

from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.reliability.child import kill_9, start, stop, wait_for, write_config

CHATS, MEMBERS = 10, 12
SWEAR = "what the f.u.c.k"
NOT_AGAIN = re.compile(r"write (\S+) was made before a restart; not again")


def deleted(fake: FakeTelegram) -> set[tuple[int, int]]:
    found = set()
    for params in fake.of("deleteMessage"):
        found.add((int(params["chat_id"]), int(params["message_id"])))
    for params in fake.of("deleteMessages"):
        for message_id in params["message_ids"]:
            found.add((int(params["chat_id"]), int(message_id)))
    return found


def cases(db: Path) -> Counter[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT chat_id, user_id FROM mod_cases").fetchall()
    return Counter((str(chat), str(member)) for chat, member in rows)


async def test_kill_9_mid_handling_doubles_no_case(tmp_path: Path) -> None:
    rng = random.Random(11)
    async with FakeTelegram() as fake:
        fake.latency = 0.03  # every call waits at "Telegram": kills land between writes and posts
        config = write_config(tmp_path, fake, ["core", "moderation"])
        log = tmp_path / "bot.log"
        sent: set[tuple[int, int]] = set()
        for n in range(CHATS * MEMBERS):
            chat = supergroup(-2_000_000 - n % CHATS, f"group {n % CHATS}")
            _, message = fake.say(chat, user(20_000 + n, f"m{n}"), SWEAR)
            sent.add((chat["id"], message["message_id"]))

        first = await start(config, log)
        kill_at = rng.randrange(20, 60)
        await wait_for(lambda: len(deleted(fake)) >= kill_at, 90, "deletes before the kill")
        await kill_9(first)
        before = cases(tmp_path / "kenes.db")

        second = await start(config, log)
        try:
            await wait_for(lambda: sent <= deleted(fake), 120, "every message removed")
            await wait_for(
                lambda: sum(cases(tmp_path / "kenes.db").values()) >= len(sent), 30, "cases"
            )
        except BaseException:
            await kill_9(second)
            raise
        assert await stop(second) == 0

    after = cases(tmp_path / "kenes.db")
    replayed = NOT_AGAIN.findall(log.read_text("utf-8", errors="replace"))
    print(
        f"killed with {sum(before.values())} cases written; {len(replayed)} write(s) found "
        f"again after the restart; {sum(after.values())} cases for {len(sent)} messages"
    )
    assert len(after) == len(sent), "one case per removed message: none lost"
    assert max(after.values()) == 1, {k: v for k, v in after.items() if v > 1}
