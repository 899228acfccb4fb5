"""The services a cog may use, passed explicitly (no global bot object to reach through)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Config
from bot.core.clock import Clock
from bot.core.teams import Teams

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.activity import ActivityRecorder, CommunityDirectory
    from bot.core.actions import Action, ActionResult
    from bot.core.commands import CommandRegistry
    from bot.core.permissions import Level
    from bot.core.published import Published
    from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
    from bot.private import PrivateChats
    from bot.rules.store import RulesStore
    from bot.scheduler import Job, Scheduler
    from bot.shared import SharedState
    from bot.web.access import Logins
    from bot.web.links import Links


class ActionSink:
    """Executes actions outside an event (scheduled jobs): routes each to its platform adapter."""

    async def execute(self, action: Action) -> ActionResult:  # pragma: no cover - interface
        raise NotImplementedError

    def supports(self, platform: str, action: type[Action]) -> bool:  # pragma: no cover
        raise NotImplementedError

    def count_posts(
        self, counter: Callable[[CommunityRef, datetime, str], None]
    ) -> Callable[[], None]:
        """Tell `counter` of each bot post in a community chat and its next-step kind ("" for
        none); returns the call that stops it (bot/outbound.py)."""
        raise NotImplementedError  # pragma: no cover

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

    def message_link(self, message: MessageRef) -> str | None:
        """A link a person can open to `message` (a public Telegram group's by its username;
        bot/core/permalinks.py); None where the platform has none."""
        raise NotImplementedError  # pragma: no cover

    async def later(
        self, action: Action, due: datetime, key: str, *, until: datetime | None = None
    ) -> None:
        """Perform `action` at `due`, durably, once (the one job kind; bot/outbound.py)."""
        raise NotImplementedError  # pragma: no cover

    def job(self, action: Action, due: datetime, key: str, *, until: datetime | None = None) -> Job:
        """The job `later` would store, to stage in a caller's transaction with its row."""
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
    # Tracked links (`/l/<id>`) other features shorten their posted links with; the original
    # link comes back while the web server is off.
    links: Links
    # One-time dashboard login links (/dashboard).
    logins: Logins
    # Redis, when several instances share state (bot.redis_url); None on a single instance.
    shared: SharedState | None = None
    # Teams features register (support staff), for commands declared with `team=`.
    teams: Teams = field(default_factory=Teams)


SERVICE_NAMES: frozenset[str] = frozenset(f.name for f in fields(Services))


class UndeclaredServiceError(RuntimeError):
    """A cog used a service it did not declare in `uses`."""


class _Undeclared:
    """Stands in for a service a cog did not declare: any use says which and how to fix it."""

    def __init__(self, owner: str, service: str) -> None:
        self._owner = owner
        self._service = service

    def __getattr__(self, attribute: str) -> Any:
        raise UndeclaredServiceError(
            f"{self._owner} uses services.{self._service}.{attribute} but does not declare it: "
            f"add {self._service!r} to {self._owner}.uses"
        )

    def __repr__(self) -> str:
        return f"<services.{self._service}, not declared by {self._owner}>"


def scoped(services: Services, declared: frozenset[str], owner: str) -> Services:
    """`services` with only the `declared` ones usable; the others raise UndeclaredServiceError.

    Raises ValueError at load for a name that is no service (a typo would otherwise hide).
    """
    unknown = sorted(declared - SERVICE_NAMES)
    if unknown:
        raise ValueError(
            f"{owner}.uses names {', '.join(unknown)}, which "
            f"{'is not a service' if len(unknown) == 1 else 'are not services'}; "
            f"services are {', '.join(sorted(SERVICE_NAMES))}"
        )
    hidden: dict[str, Any] = {name: _Undeclared(owner, name) for name in SERVICE_NAMES - declared}
    return replace(services, **hidden)
