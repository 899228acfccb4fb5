"""A feature switched off in /setup is off everywhere: its message stage, its commands and its
scheduled jobs. Jobs put aside while it is off run when it is switched on again; jobs that undo
what the feature did while it was on (a timed mute ending) still run."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import DeleteMessage, Kick, Restrict, SendMessage, Unrestrict
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.db.models import ScheduledJob
from bot.scheduler import FEATURE_OFF_RECHECK
from tests.auxil.app import START, make_config, running_app

COGS = ["core", "moderation", "onboarding", "polls", "ama", "support", "settings"]


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    config = make_config(bot={"cogs": COGS})
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as running:
        yield running


async def switch(memory: MemoryAdapter, feature: str) -> None:
    """An admin presses the feature's button in /setup (off when on, on when off)."""
    await memory.press("ada", f"setup:feature:{feature}", level=Level.ADMIN)


async def job_rows(app: Kenes, kind: str) -> list[ScheduledJob]:
    async with app.services.sessions() as session:
        return list(await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == kind)))


async def test_moderation_off_skips_its_stage_and_on_again_moderates(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await switch(memory, "moderation")
    passed = await memory.say("bob", "what the f.u.c.k")
    assert not [a for a in passed if isinstance(a, DeleteMessage)], "off: the stage is skipped"
    await switch(memory, "moderation")
    removed = await memory.say("bob", "what the f.u.c.k")
    assert [a for a in removed if isinstance(a, DeleteMessage)], "on again: moderated"


async def test_a_timed_mute_still_ends_when_moderation_is_switched_off(
    app: Kenes, memory: MemoryAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    bob = memory.user("bob")
    await memory.say("mod", "/mute @bob 10m spam", level=Level.MODERATOR, mentions=(bob,))
    assert memory.of_type(Restrict)
    await switch(memory, "moderation")
    with caplog.at_level(logging.INFO):
        await app.advance(timedelta(minutes=11))
    assert [a.user for a in memory.of_type(Unrestrict)] == [memory.user("bob")]
    assert "undoes what was done while it was on" in caplog.text


async def test_polls_off_keeps_the_poll_open_until_switched_on(
    app: Kenes, memory: MemoryAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    await memory.say("alice", '/poll 1h "Tea or coffee?" | Tea | Coffee')
    await switch(memory, "polls")
    with caplog.at_level(logging.INFO):
        await app.advance(timedelta(hours=2))
    assert not [t for t in memory.texts() if t.startswith("Results of")]
    assert "polls is switched off in" in caplog.text
    [row] = await job_rows(app, "polls.close")
    assert (row.status, row.attempts) == ("pending", 0), "waiting is not a failed attempt"
    assert row.last_error is not None
    assert row.last_error.startswith("paused: polls")
    await switch(memory, "polls")  # on again: the waiting close runs at once
    await app.advance(timedelta(seconds=1))
    assert len([t for t in memory.texts() if t.startswith("Results of")]) == 1


async def test_a_feature_switched_on_in_the_config_file_resumes_at_the_next_look(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("alice", '/poll 1h "Tea or coffee?" | Tea | Coffee')
    ref = memory.chat.community
    app.config.store_setting(ref, "features_off", "polls")
    await app.advance(timedelta(hours=2))
    assert not [t for t in memory.texts() if t.startswith("Results of")]
    app.config.store_setting(ref, "features_off", "")
    await app.advance(FEATURE_OFF_RECHECK)
    assert len([t for t in memory.texts() if t.startswith("Results of")]) == 1


async def test_onboarding_off_holds_the_gate_timeout(app: Kenes, memory: MemoryAdapter) -> None:
    await memory.join("newbie")
    await switch(memory, "onboarding")
    await app.advance(timedelta(minutes=30))
    assert not memory.of_type(Kick), "off: nobody is kicked by a gate that is switched off"
    await switch(memory, "onboarding")
    await app.advance(timedelta(seconds=1))
    assert [k.user for k in memory.of_type(Kick)] == [memory.user("newbie")]


async def test_ama_off_holds_the_top_list_and_the_summary(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("mod", "/ama_open Roadmap", level=Level.MODERATOR)
    await memory.say("alice", "/ask When is the next release?")
    await switch(memory, "ama")
    memory.clear()
    await app.advance(timedelta(days=5))
    assert not memory.of_type(SendMessage), "off: neither the top list nor the summary"
    for kind in ("ama.top", "ama.summary"):
        [row] = await job_rows(app, kind)
        assert row.status == "pending"
        assert (row.last_error or "").startswith("paused: ama")
    await switch(memory, "ama")
    await app.advance(timedelta(seconds=1))
    posted = memory.texts()
    assert any("When is the next release?" in text for text in posted), posted


async def test_support_off_holds_the_sla_timers(app: Kenes, memory: MemoryAdapter) -> None:
    """The gate sees the community in the job's payload, so the handler is not even called."""
    ref = memory.chat.community
    payload = {"platform": ref.platform, "community": ref.id, "ticket": 999, "round": 0,
               "stage": "breach"}  # fmt: skip
    await app.scheduler.schedule("support.sla", START, payload)
    await switch(memory, "support")
    await app.advance(timedelta(minutes=1))
    [row] = await job_rows(app, "support.sla")
    assert row.status == "pending"
    assert (row.last_error or "").startswith("paused: support")
    await switch(memory, "support")
    await app.advance(timedelta(seconds=1))
    [row] = await job_rows(app, "support.sla")
    assert row.status == "done"  # ran (an unknown ticket does nothing)
