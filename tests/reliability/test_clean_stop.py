"""SIGTERM during a burst while the database is locked: the bot exits within the README's 10 s,
and the next start answers what the stopped one could not (the inbox kept it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.auxil.fake_telegram import FakeTelegram
from tests.reliability.child import queue_pings, replies, start, stop, wait_for, write_config

PROMISED_STOP_SECONDS = 10.0


async def test_sigterm_while_the_database_is_locked_stops_within_the_promised_time(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as fake:
        config = write_config(tmp_path, fake, ["core"])
        log = tmp_path / "bot.log"
        asked = queue_pings(fake, 150, 10, first_chat=-2_000_000, first_user=20_000)
        bot = await start(config, log)
        await wait_for(lambda: sum(replies(fake, "Pong").values()) >= 20, 60, "the burst")

        # Another process takes SQLite's write lock and keeps it: every write of the bot now
        # waits out its busy timeout and fails with "database is locked".
        blocker = sqlite3.connect(tmp_path / "kenes.db", timeout=30, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            assert await stop(bot, within=PROMISED_STOP_SECONDS) == 0
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()

        again = await start(config, log)
        await wait_for(lambda: set(replies(fake, "Pong")) >= asked, 120, "every ping answered")
        assert await stop(again) == 0
    doubled = {k: c for k, c in replies(fake, "Pong").items() if c > 1}
    assert not doubled
