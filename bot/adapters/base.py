"""The adapter contract: a platform name, a capability set, and `execute(action)`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from bot.core.actions import Action, ActionResult
from bot.core.errors import UnsupportedAction
from bot.core.permissions import Level
from bot.core.refs import ChatRef, CommunityRef, UserRef

if TYPE_CHECKING:
    from bot.app import Kenes


class Adapter(ABC):
    """One platform. Thin: translation and execution only, no feature logic."""

    platform: ClassVar[str]
    capabilities: frozenset[type[Action]]
    # True when the adapter keeps its own durable inbox: it re-handles an update a crash
    # interrupted, so the core's persistent dedupe must not drop that re-run.
    has_inbox: ClassVar[bool] = False
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

    async def start(self, app: Kenes) -> None:  # noqa: B027 - optional hook
        """Connect to the platform and begin delivering events to `app.handle`."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Disconnect; called once at shutdown."""


EventSink = Callable[..., Awaitable[None]]
