"""The payload of the polls' scheduled job (checked when staged, read with `payload_as`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CLOSE_JOB = "polls.close"


class CloseJob(BaseModel):
    """`polls.close`: the poll to close and count."""

    model_config = ConfigDict(frozen=True)

    poll: int = Field(ge=1)
