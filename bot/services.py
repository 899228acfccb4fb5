"""The services a cog may use, passed explicitly (no global bot object to reach through)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Config
from bot.core.clock import Clock
from bot.core.teams import Teams

if TYPE_CHECKING:
    from bot.activity import ActivityRecorder, CommunityDirectory
    from bot.core.actions import Action, ActionResult
    from bot.core.commands import CommandRegistry
    from bot.core.permissions import Level
    from bot.core.published import Published
    from bot.core.refs import ChatRef, CommunityRef, UserRef
    from bot.private import PrivateChats
    from bot.rules.store import RulesStore
    from bot.scheduler import Scheduler
    from bot.shared import SharedState


class ActionSink:
    """Executes actions outside an event (scheduled jobs): routes each to its platform adapter."""

    async def execute(self, action: Action) -> ActionResult:  # pragma: no cover - interface
        raise NotImplementedError

    def supports(self, platform: str, action: type[Action]) -> bool:  # pragma: no cover
        raise NotImplementedError

    async def level_of(self, community: CommunityRef, user: UserRef) -> Level | None:
        """`user`'s level now (platform rights and the config's lists); None when unknown."""
        raise NotImplementedError  # pragma: no cover

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None:
        """The chat a channel setting names ("" = the main chat); None when it is not found."""
        raise NotImplementedError  # pragma: no cover

    async def community_name(self, community: CommunityRef) -> str | None:
        """What members call the community on its platform; None when it cannot tell."""
        raise NotImplementedError  # pragma: no cover

    def deletable_for(self, platform: str) -> timedelta | None:
        """How old a message the platform lets the bot delete (None: any age)."""
        raise NotImplementedError  # pragma: no cover


class ChannelSettings(Protocol):
    """The community's channel settings (log, rules) resolved per platform (bot/channels.py)."""

    async def chat(
        self, ref: CommunityRef, key: Literal["log_channel", "rules_channel"]
    ) -> ChatRef | None: ...

    async def check(self, ref: CommunityRef) -> None: ...


@dataclass(frozen=True, eq=False)
class Services:
    config: Config
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    scheduler: Scheduler
    rules: RulesStore
    directory: CommunityDirectory
    activity: ActivityRecorder
    commands: CommandRegistry
    actions: ActionSink
    published: Published
    channels: ChannelSettings
    private: PrivateChats  # where members' DMs to the bot go (a DM is not a community)
    # Redis, when several instances share state (bot.redis_url); None on a single instance.
    shared: SharedState | None = None
    # Teams features register (support staff), for commands declared with `team=`.
    teams: Teams = field(default_factory=Teams)
