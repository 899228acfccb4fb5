"""The adapter contract: a platform name, a capability set, and `execute(action)`."""

from __future__ import annotations

from abc import ABC
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from bot.core import permalinks
from bot.core.actions import Action, ActionResult
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.i18n import t

if TYPE_CHECKING:
    from bot.config import Config
    from bot.core.clock import AdjustableClock
    from bot.core.commands import CommandRegistry
    from bot.core.context import Context
    from bot.core.events import Event
    from bot.outbound import Outbound
    from bot.scheduler import Scheduler
    from bot.services import Services


def file_too_big(locale: str, limit: int) -> ActionRefused:
    """FetchFile's refusal of a file over `limit` bytes, in the community's language."""
    megabytes = max(1, round(limit / 1_000_000))
    return ActionRefused("FetchFile", t(locale, "core.files.too_big", limit=megabytes))


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
    def outbound(self) -> Outbound:
        """The one outbound port; `later()` is how an adapter's follow-ups are scheduled."""
        ...

    @property
    def commands(self) -> CommandRegistry: ...

    async def handle(self, event: Event) -> Context:
        """Run one inbound event through the pipeline."""
        ...

    async def advance(self, delta: timedelta) -> int:
        """Move simulated time on and run what fell due (console transcripts)."""
        ...


Perform = Callable[[Any], Awaitable[ActionResult]]
A = TypeVar("A", bound=Action)


class ActionHandlers:
    """One handler per Action type, registered by the adapter (like opsdroid's register_event).

    The registered types are the adapter's capabilities, exactly; an action of any other type
    raises UnsupportedAction, so a new action never silently does nothing.
    """

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self._by_type: dict[type[Action], Perform] = {}

    def on(self, kind: type[A], handler: Callable[[A], Awaitable[ActionResult]]) -> None:
        if kind in self._by_type:
            raise ValueError(f"{self.platform} already handles {kind.__name__}")
        self._by_type[kind] = handler

    @property
    def types(self) -> frozenset[type[Action]]:
        return frozenset(self._by_type)

    async def perform(self, action: Action) -> ActionResult:
        handler = self._by_type.get(type(action))
        if handler is None:
            raise UnsupportedAction(self.platform, type(action).__name__)
        return await handler(action)


class Adapter(ABC):
    """One platform. Thin: translation and execution only, no feature logic.

    A subclass registers a handler per Action type it can perform on `self.handlers`.
    """

    platform: ClassVar[str]
    # True when the adapter keeps its own durable inbox: it re-handles an update a crash
    # interrupted, so the core's persistent dedupe must not drop that re-run.
    has_inbox: ClassVar[bool] = False
    # How old a message the bot may still delete (None: any); /purge says so rather than fail.
    deletable_for: timedelta | None = None
    # The longest mute the platform holds (None: any, or until lifted). The core applies a
    # longer or open-ended Restrict again before it runs out (bot/outbound.py); the adapter
    # schedules nothing of its own.
    restrict_ceiling: timedelta | None = None

    def __init__(self) -> None:
        self.handlers = ActionHandlers(self.platform)

    @property
    def capabilities(self) -> frozenset[type[Action]]:
        """Exactly the action types this adapter registered a handler for."""
        return self.handlers.types

    def supports(self, action: type[Action]) -> bool:
        return action in self.capabilities

    @property
    def connected(self) -> bool:
        """Whether the platform connection is up, for /healthz; a local adapter always is."""
        return True

    async def execute(self, action: Action) -> ActionResult:
        """Perform `action`; raise UnsupportedAction when the platform lacks it."""
        return await self.handlers.perform(action)

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

    async def community_name(self, community: CommunityRef) -> str | None:
        """What members call `community` (a group's title, a server's name); None if unknown."""
        return None

    def message_link(self, message: MessageRef) -> str | None:
        """A link a person can open to `message` (bot/core/permalinks.py); None if none."""
        return permalinks.message_link(message)

    async def start(self, app: AdapterHost) -> None:  # noqa: B027 - optional hook
        """Connect to the platform and begin delivering events to `app.handle`."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Disconnect; called once at shutdown."""


EventSink = Callable[..., Awaitable[None]]
