"""The payloads of the ideas board's scheduled jobs (checked when staged, read as models)."""

from __future__ import annotations

from pydantic import Field

from bot.weekly import CommunityJob


class CardRefresh(CommunityJob):
    """`ideas.card`: show an idea card's votes as they are at the end of a refresh period."""

    idea: int = Field(ge=1)
