"""Outbox and keyed effects: follow-up jobs commit before the platform call; re-runs skip."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import Action, ActionResult, Restrict, SendMessage, SendPoll
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.core.refs import UserRef
from bot.db.models import JobEffect, ScheduledJob
from tests.auxil.app import make_config, running_app


class Witness(MemoryAdapter):
    """A platform that, at the moment it is asked to act, notes which jobs are stored."""

    def __init__(self) -> None:
        super().__init__()
        self.app: Kenes | None = None
        self.jobs_at_call: list[tuple[str, set[str]]] = []

    async def execute(self, action: Action) -> ActionResult:
        assert self.app is not None
        async with self.app.services.sessions() as session:
            kinds = set((await session.scalars(select(ScheduledJob.kind))).all())
        self.jobs_at_call.append((type(action).__name__, kinds))
        return await super().execute(action)


async def _witnessed(
    tmp_path: Path, clock: ManualClock, command: str, cogs: list[str], **say: Any
) -> Witness:
    witness = Witness()
    config = make_config(bot={"cogs": cogs})
    async with running_app(tmp_path / "k.db", config, [witness], clock) as app:
        witness.app = app
        await witness.say("mod", command, level=Level.ADMIN, **say)
    return witness


async def test_a_timed_mute_has_its_unmute_stored_before_the_platform_mutes(
    tmp_path: Path, clock: ManualClock
) -> None:
    bob = UserRef("memory", "bob")
    witness = await _witnessed(
        tmp_path, clock, "/mute @bob 2h spam", ["core", "moderation"], mentions=(bob,)
    )
    (kinds,) = [kinds for name, kinds in witness.jobs_at_call if name == Restrict.__name__]
    assert "moderation.unmute" in kinds


async def test_a_poll_has_its_close_stored_before_it_is_posted(
    tmp_path: Path, clock: ManualClock
) -> None:
    witness = await _witnessed(tmp_path, clock, "/poll 2h Lunch? | soup | salad", ["core", "polls"])
    posts = [kinds for name, kinds in witness.jobs_at_call if name in ("SendMessage", "SendPoll")]
    assert posts
    assert "polls.close" in posts[0]


async def test_an_ama_has_its_jobs_stored_before_it_is_announced(
    tmp_path: Path, clock: ManualClock
) -> None:
    witness = await _witnessed(
        tmp_path, clock, "/ama_open tomorrow 18:00 Ask the team", ["core", "ama"]
    )
    first = witness.jobs_at_call[0]
    assert first[0] == SendMessage.__name__
    assert {"ama.top", "ama.summary"} <= first[1]


async def test_an_effect_is_done_once_and_an_interrupted_post_is_not_repeated(
    app: Kenes, clock: ManualClock
) -> None:
    scheduler, done = app.scheduler, []

    async def post() -> None:
        done.append("post")

    assert await scheduler.once("e:1", post)
    assert not await scheduler.once("e:1", post)
    assert done == ["post"]
    # A crash inside the platform call leaves the record `started`: a post may have gone out.
    async with app.services.sessions.begin() as session:
        session.add(JobEffect(key="e:2", state="started", started_at=clock.now()))
        session.add(JobEffect(key="e:3", state="started", started_at=clock.now()))
    assert not await scheduler.once("e:2", post)
    assert done == ["post"]
    # Lifting a mute is the same end state twice, so an interrupted one is done again.
    assert await scheduler.once("e:3", post, repeatable=True)
    assert done == ["post", "post"]


async def test_a_failed_effect_is_left_for_the_retry(app: Kenes) -> None:
    calls = 0

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("platform down")

    with pytest.raises(RuntimeError):
        await app.scheduler.once("e:flaky", flaky)
    assert await app.scheduler.once("e:flaky", flaky)
    assert calls == 2


async def test_poll_results_resumed_after_a_crash_inside_the_post_are_not_posted_again(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": ["core", "polls"]})
    async with running_app(tmp_path / "k.db", config, [memory], clock) as app:
        await memory.say("ann", "/poll 1h Lunch? | soup | salad")
        async with app.services.sessions.begin() as session:
            # What a kill -9 inside the results post leaves: the effect started, not done.
            session.add(JobEffect(key="polls:results:1", state="started", started_at=clock.now()))
        memory.clear()
        await app.advance(timedelta(hours=2))
        assert not [t for t in memory.texts() if "Results" in t]
        assert not memory.of_type(SendPoll)
