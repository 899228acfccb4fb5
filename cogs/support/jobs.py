"""The payload of the support desk's SLA timers (checked when staged, read with `payload_as`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.weekly import CommunityJob


class SlaTimer(CommunityJob):
    """`support.sla`: one warning or breach of one run of a ticket's clock.

    `round` is the clock's run it belongs to (a timer of an earlier run is stale);
    `target` is "resolution" for the resolution clock, None for the response clock.
    """

    ticket: int = Field(ge=1)
    round: int = Field(ge=0)
    stage: Literal["warning", "breach"]
    target: Literal["resolution"] | None = None
