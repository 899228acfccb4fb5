"""A timed case's end is a typed job payload (JobRun.payload_as): read whole or refused clearly."""

from __future__ import annotations

import pytest

from bot.scheduler import JobPayloadError, JobRun
from cogs.moderation.enforce import CaseExpiry
from tests.auxil.app import START


def test_a_job_payload_is_read_through_its_declared_model() -> None:
    good = {"platform": "memory", "community": "c1", "user": "bob", "case": 4}
    run = JobRun(id=1, kind="moderation.unmute", key=None, due_at=START, payload=good, attempt=1)
    assert run.payload_as(CaseExpiry) == CaseExpiry(
        platform="memory", community="c1", user="bob", case=4
    )
    broken = JobRun(id=2, kind="moderation.unmute", key=None, due_at=START, payload={}, attempt=1)
    with pytest.raises(
        JobPayloadError,
        match=r"moderation.unmute #2 has a payload CaseExpiry cannot read: .*case: Field required",
    ):
        broken.payload_as(CaseExpiry)
