"""The content calendar's scheduled jobs: kinds and payloads (checked when staged)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

PUBLISH = "content.publish"
DEBATE_CLOSE = "content.debate_close"
CHALLENGE_CLOSE = "content.challenge_close"


class PublishJob(BaseModel):
    """`content.publish`: the post to publish (its row carries everything else)."""

    model_config = ConfigDict(frozen=True)

    post: int = Field(ge=1)


class DebateClose(BaseModel):
    """`content.debate_close`: the debate whose result to post."""

    model_config = ConfigDict(frozen=True)

    debate: int = Field(ge=1)


class ChallengeClose(BaseModel):
    """`content.challenge_close`: the challenge to close."""

    model_config = ConfigDict(frozen=True)

    challenge: int = Field(ge=1)
