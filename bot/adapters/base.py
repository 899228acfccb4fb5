"""The adapter contract: a platform name, a capability set, and `execute(action)`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, Protocol

from bot.core.actions import Action, ActionResult
from bot.core.errors import UnsupportedAction
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, UserRef

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core.clock import AdjustableClock
    from bot.core.commands import CommandRegistry
    from bot.core.context import Context
    from bot.core.events import Event
    from bot.scheduler import Scheduler
    from bot.services import Services


class AdapterHost(Protocol):
    """What an adapter may use of the running bot: not the whole app (bot/app.py wires them)."""

    @property
    def config(self) -> Config: ...

    @property
    def clock(self) -> AdjustableClock: ...

    @property
    def scheduler(self) -> Scheduler: ...

    @property
    def services(self) -> Services: ...

    @property
    def commands(self) -> CommandRegistry: ...

    async def handle(self, event: Event) -> Context:
        """Run one inbound event through the pipeline."""
        ...

    async def advance(self, delta: timedelta) -> int:
        """Move simulated time on and run what fell due (console transcripts)."""
        ...


class Adapter(ABC):
    """One platform. Thin: translation and execution only, no feature logic."""

    platform: ClassVar[str]
    capabilities: frozenset[type[Action]]
    # How old a message the bot may still delete (None: any); /purge says so rather than fail.
    deletable_for: timedelta | None = None

    def supports(self, action: type[Action]) -> bool:
        return action in self.capabilities

    async def execute(self, action: Action) -> ActionResult:
        """Perform `action`; raise UnsupportedAction when the platform lacks it."""
        if type(action) not in self.capabilities:
            raise UnsupportedAction(self.platform, type(action).__name__)
        return await self._perform(action)

    @abstractmethod
    async def _perform(self, action: Action) -> ActionResult:
        """Carry out a supported action (dispatch on its type)."""

    async def platform_level(self, community: CommunityRef, user: UserRef) -> Level | None:
        """What the platform says `user` may do in `community` now; None when it cannot tell.

        Used before acting on someone (a moderator must not mute an admin), so an adapter that
        can look members up should: None makes such commands refuse, failing closed.
        """
        return None

    async def resolve_channel(self, community: CommunityRef, setting: str) -> ChatRef | None:
        """The chat a channel setting names in `community`; None when there is no such chat.

        `setting` is "" for the community's main chat, a chat id, or (where the platform has
        names) a channel name with or without `#`. Here every name is a channel, as on the
        console, whose channels exist by being named; platforms with real chats override this.
        Raises NotReady when the platform cannot tell yet.
        """
        return ChatRef(self.platform, setting.lstrip("#") or "general", community)

    async def start(self, app: AdapterHost) -> None:  # noqa: B027 - optional hook
        """Connect to the platform and begin delivering events to `app.handle`."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Disconnect; called once at shutdown."""


EventSink = Callable[..., Awaitable[None]]
