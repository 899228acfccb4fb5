"""The payloads of the federation's scheduled jobs (checked when staged, read with `payload_as`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.core.refs import CommunityRef, UserRef


class BanPlacement(BaseModel):
    """`federation.apply` / `federation.lift`: one ban in one member community (row ids)."""

    model_config = ConfigDict(frozen=True)

    ban: int = Field(ge=1)
    community: int = Field(ge=1)


class ImportedBan(BaseModel):
    """`federation.import`: one ban of an imported list, to apply in one community."""

    model_config = ConfigDict(frozen=True)

    platform: str = Field(min_length=1)
    community: str = Field(min_length=1)
    user: str = Field(min_length=1)
    name: str = ""
    reason: str
    source: str = Field(min_length=1)

    @property
    def where(self) -> CommunityRef:
        return CommunityRef(self.platform, self.community)

    @property
    def account(self) -> UserRef:
        return UserRef(self.platform, self.user)
