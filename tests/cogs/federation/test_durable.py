"""Durable fan-out: a community whose platform is away catches up after a restart, and no ban
is applied twice however often the bot restarts (a real SQLite file across app instances)."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import Ban
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.core.refs import UserRef
from tests.auxil.app import START
from tests.cogs.federation.console import console_app


async def test_an_offline_community_catches_up_after_a_restart_and_never_twice(
    tmp_path: Path,
) -> None:
    db, clock = tmp_path / "kenes.db", ManualClock(START)
    memory = MemoryAdapter()
    async with console_app(db, memory=memory, clock=clock) as con:
        await con("ada is admin", "ada: /fed new Brand")
        code = await con.code()
        await memory.say("mia", f"/fed join {code}", level=Level.ADMIN)
        assert any("now in federation “Brand”" in text for text in memory.texts())
        await con("ada: /fed link console:bob memory:bob")

    # The memory platform is not connected: the console bans at once, the other one waits.
    async with console_app(db, clock=clock) as con:
        out = await con("ada is admin", "ada: /fban @bob spam", "+1s")
        assert "  bot banned bob for good (case 1: federation)" in out
        waiting = await con.app.scheduler.pending("federation.apply")
        assert [run.payload["ban"] for run in waiting] == [1]
        out = await con("+30m")  # retried while away: still waiting, nothing doubled
        assert not any("banned bob" in line for line in out)

    # Back: the ban it missed is applied at start, through its own adapter, once.
    back = MemoryAdapter()
    async with console_app(db, memory=back, clock=clock) as con:
        await con.app.scheduler.run_due()
        assert [(b.community.id, b.user) for b in back.of_type(Ban)] == [
            ("c1", UserRef("memory", "bob"))
        ]
        assert await con.app.scheduler.pending("federation.apply") == []

    # Another restart (and time passing) bans nobody again, anywhere.
    again = MemoryAdapter()
    async with console_app(db, memory=again, clock=clock) as con:
        out = await con("+1h")
        await con.app.scheduler.run_due()
        assert again.of_type(Ban) == []
        assert not any("banned bob" in line for line in out)


async def test_an_fban_staged_before_a_crash_is_applied_at_the_next_start(tmp_path: Path) -> None:
    """The ban and its jobs commit before any platform call: a process that dies right after
    the command (before the scheduler ran) loses nothing."""
    db, clock = tmp_path / "kenes.db", ManualClock(START)
    async with console_app(db, clock=clock) as con:
        await con("ada is admin", "ada: /fed new Brand")
        code = await con.code()
        await con("in community kz", f"ada: /fed join {code}", "in community demo")
        out = await con("ada: /fban @bob spam")  # no time passes: the jobs have not run
        assert not any("banned bob" in line for line in out)
    async with console_app(db, clock=clock) as con:
        out = await con("+1s")
        assert "  bot banned bob for good (case 1: federation)" in out
        assert "  bot banned bob in kz for good (case 2: federation)" in out
