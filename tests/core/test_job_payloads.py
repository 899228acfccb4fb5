"""Every scheduled job kind declares a pydantic payload model (bot/scheduler.py PAYLOADS).

A job is built from its model and checked against it where it is staged, so a wrong payload
fails at once, in the caller's test; a stored payload that no longer fits fails the job run
with JobPayloadError, naming the job and the field.
"""

from __future__ import annotations

import pkgutil
from datetime import timedelta

import pytest
from sqlalchemy import select

import cogs
from bot.app import Kenes
from bot.db.models import ScheduledJob
from bot.scheduler import PAYLOADS, Job, JobPayloadError, NoPayload, declare_payload
from bot.weekly import CommunityJob
from cogs.polls.jobs import CloseJob
from tests.auxil.app import START


async def _load_every_feature(app: Kenes) -> None:
    loaded = set(app.cogs.names)
    for package in pkgutil.iter_modules(cogs.__path__):
        if package.ispkg and package.name not in loaded:
            await app.cogs.load_extension(f"cogs.{package.name}")


async def test_every_registered_job_kind_declares_its_payload_model(app: Kenes) -> None:
    await _load_every_feature(app)
    kinds = app.scheduler.kinds
    assert {"core.act", "polls.close", "moderation.unmute", "support.sla"} <= kinds
    missing = sorted(kinds - PAYLOADS.keys())
    assert not missing, (
        "these job kinds have no payload model; declare one with `@job(kind, payload=Model)` "
        f"(or bot.scheduler.declare_payload) and build their jobs from it: {', '.join(missing)}"
    )


def test_a_job_staged_with_a_wrong_payload_fails_where_it_is_staged() -> None:
    with pytest.raises(JobPayloadError, match=r"polls.close cannot be staged: .*CloseJob: poll"):
        Job("polls.close", START, {"poll": "the third one"})
    with pytest.raises(JobPayloadError, match="takes a CloseJob payload, not CommunityJob"):
        Job("polls.close", START, CommunityJob(platform="memory", community="c1"))
    with pytest.raises(JobPayloadError, match="NoPayload: surprise: Extra inputs"):
        Job("onboarding.promotions", START, {"surprise": 1})
    # Built from the model, a job stores JSON types the model reads back.
    assert Job("polls.close", START, CloseJob(poll=3)).payload == {"poll": 3}


def test_a_kind_has_one_payload_model() -> None:
    with pytest.raises(ValueError, match="already has the payload model CloseJob"):
        declare_payload("polls.close", NoPayload)


async def test_a_stored_payload_that_does_not_fit_fails_the_run_clearly(app: Kenes) -> None:
    await _load_every_feature(app)
    async with app.services.sessions.begin() as session:
        session.add(
            ScheduledJob(
                kind="polls.close",
                due_at=START,
                payload={"poll": "soon"},
                status="pending",
                attempts=0,
                created_at=START,
            )
        )
    await app.advance(timedelta(seconds=1))
    async with app.services.sessions() as session:
        query = select(ScheduledJob).where(ScheduledJob.kind == "polls.close")
        row = (await session.scalars(query)).one()
    assert row.status == "pending"  # retried, then marked failed; never half-read
    assert row.last_error is not None
    assert row.last_error == (
        f"JobPayloadError: job polls.close #{row.id} has a payload CloseJob cannot read: "
        "poll: Input should be a valid integer, unable to parse string as an integer"
    )
