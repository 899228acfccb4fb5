"""The payloads of onboarding's scheduled jobs (checked when staged, read with `payload_as`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.core.refs import ChatRef, CommunityRef

TIMEOUT_JOB = "onboarding.timeout"
PROMOTIONS_JOB = "onboarding.promotions"


class GateTimeout(BaseModel):
    """`onboarding.timeout`: the newcomer at the gate, and the chat they joined."""

    model_config = ConfigDict(frozen=True)

    platform: str = Field(min_length=1)
    community: str = Field(min_length=1)
    chat: str = Field(min_length=1)
    user: str = Field(min_length=1)
    name: str

    @property
    def where(self) -> CommunityRef:
        return CommunityRef(self.platform, self.community)

    @property
    def chat_ref(self) -> ChatRef:
        return ChatRef(self.platform, self.chat, self.where)
