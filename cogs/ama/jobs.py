"""The payloads of the AMA's scheduled jobs (checked when staged, read with `payload_as`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SessionJob(BaseModel):
    """`ama.top` and `ama.summary`: the session they belong to."""

    model_config = ConfigDict(frozen=True)

    session: int = Field(ge=1)
