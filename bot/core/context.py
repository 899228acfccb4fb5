"""The context of one event: built once, small and typed, handed to every stage and handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic

# PEP 696 defaults (from typing_extensions until Python 3.13): a bare `Context` is
# `Context[Event]`, so only handlers that want their event's type name it.
from typing_extensions import TypeVar

from bot.core.actions import Action, ActionResult, Button, SendMessage
from bot.core.events import CommandInvoked, Event, MessageCreated
from bot.core.permissions import Level
from bot.core.refs import CommunityRef, UserRef
from bot.i18n import t

if TYPE_CHECKING:
    from bot.config import CommunitySettings
    from bot.rules.loader import RuleSet
    from bot.services import Services


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused the event, with the permission level resolved once (platform + config)."""

    user: UserRef
    name: str
    level: Level
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class Community:
    """The community the event happened in, with its effective settings."""

    ref: CommunityRef
    settings: CommunitySettings

    @property
    def locale(self) -> str:
        return self.settings.locale


Executor = Callable[[Action], Awaitable[ActionResult]]
Supports = Callable[[type[Action]], bool]


E = TypeVar("E", bound=Event, default=Event, covariant=True)


@dataclass(eq=False)
class Context(Generic[E]):
    """Everything a middleware or handler needs about one event, and the way to act on it.

    Generic over the event: a handler registered for one event type takes `Context[TheEvent]`
    and reads `ctx.event` as that type, without `assert isinstance`.

    `services` is what the code holding the context may use: the core's stages see every
    service; while a cog's handler, command, guard, policy or stage runs it is the set the
    cog declared in `uses` (built once per cog at load, swapped in and out: no allocation per
    event), and an undeclared one raises UndeclaredServiceError naming the cog and service.
    """

    event: E
    actor: Actor
    community: Community
    rules: RuleSet
    services: Services
    log: logging.Logger
    _execute: Executor
    _supports: Supports
    state: dict[str, object] = field(default_factory=dict)
    acted: list[Action] = field(default_factory=list)
    # Every service, for the context's own helpers (a cog need not declare `config` to reply).
    _all: Services | None = None

    @property
    def locale(self) -> str:
        return self.community.locale

    def t(self, key: str, /, **params: object) -> str:
        """`key` translated into the community's language."""
        return t(self.locale, key, **params)

    def t_mine(self, key: str, /, **params: object) -> str:
        """`key` in the actor's own language (/lang), for what only they see."""
        config = (self._all or self.services).config
        mine = config.person_locale(self.actor.user) or self.locale
        return t(mine, key, **params)

    def supports(self, action: type[Action]) -> bool:
        """Whether this platform can perform `action` natively."""
        return self._supports(action)

    async def act(self, action: Action) -> ActionResult:
        """Ask the platform to do something; raises UnsupportedAction or ActionRefused."""
        result = await self._execute(action)
        self.acted.append(action)
        return result

    async def reply(
        self,
        key: str,
        /,
        *,
        buttons: tuple[Button, ...] = (),
        private: bool = False,
        **params: object,
    ) -> ActionResult:
        """Reply in the event's chat with translated text; `private` shows it to the actor only.

        A private reply is in the actor's own language when they chose one (/lang).
        """
        if private:
            return await self.send_text(self.t_mine(key, **params), buttons=buttons, private=True)
        return await self.send_text(self.t(key, **params), buttons=buttons, private=private)

    async def send_text(
        self, text: str, *, buttons: tuple[Button, ...] = (), private: bool = False
    ) -> ActionResult:
        """Reply with text that is already translated (e.g. assembled from several keys)."""
        event = self.event
        reply_to = event.message if isinstance(event, MessageCreated | CommandInvoked) else None
        interaction = event.interaction_id if isinstance(event, CommandInvoked) else None
        return await self.act(
            SendMessage(
                chat=event.chat,
                text=text,
                reply_to=reply_to,
                buttons=buttons,
                ephemeral_to=self.actor.user if private else None,
                interaction_id=interaction,
            )
        )
