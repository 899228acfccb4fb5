"""Dispatch events to handlers in priority groups; `StopPropagation` ends dispatch."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.context import Context
from bot.core.events import Event

if TYPE_CHECKING:
    from bot.services import Services

EventHandler = Callable[[Context], Awaitable[None]]
Ev = TypeVar("Ev", bound=Event)


class StopPropagation(Exception):
    """Raise in a handler to stop later groups from seeing the event (e.g. after a delete)."""


@dataclass(frozen=True, slots=True)
class Registration:
    id: int
    event_type: type[Event]
    handler: EventHandler
    group: int
    # Also runs for events in private chats (DMs); most handlers serve communities only.
    private: bool = False
    # What `ctx.services` is while the handler runs: its cog's declared set (None: unchanged).
    services: Services | None = None


class Dispatcher:
    """Handlers run group by group, lowest group first; within a group in registration order."""

    def __init__(self) -> None:
        self._registrations: list[Registration] = []
        self._ids = itertools.count(1)

    def add(
        self,
        event_type: type[Ev],
        handler: Callable[[Context[Ev]], Awaitable[None]],
        group: int = 0,
        *,
        private: bool = False,
        services: Services | None = None,
    ) -> Registration:
        """Run `handler` for every `event_type` event; it may take `Context[event_type]`.

        With `private`, it also runs for events in private chats (DMs with the bot); with
        `services`, the handler's `ctx.services` is that set (its cog's declared services)."""
        # Only events of `event_type` reach it (dispatch checks), so it is an EventHandler.
        anyhandler: Any = handler
        registration = Registration(
            next(self._ids), event_type, anyhandler, group, private, services
        )
        self._registrations.append(registration)
        self._registrations.sort(key=lambda r: (r.group, r.id))
        return registration

    def remove(self, registration: Registration) -> None:
        self._registrations = [r for r in self._registrations if r.id != registration.id]

    async def dispatch(self, ctx: Context) -> None:
        off = ctx.community.settings.features_off
        private = ctx.event.chat.is_private
        everything = ctx.services
        for registration in list(self._registrations):
            if private and not registration.private:
                continue  # a DM is not a community: only handlers that serve DMs see it
            if off and feature_of(registration.handler) in off:
                continue  # switched off in this community (/setup or `features_off`)
            if isinstance(ctx.event, registration.event_type):
                if registration.services is not None:
                    ctx.services = registration.services
                try:
                    await registration.handler(ctx)
                except StopPropagation:
                    return
                finally:
                    ctx.services = everything


def feature_of(handler: object) -> str | None:
    """The name of the feature (cog) a handler belongs to, None for the core's own."""
    owner = getattr(handler, "__self__", None)
    if owner is None:
        return None
    return getattr(owner, "name", None) or type(owner).__name__.lower()
