"""Dispatch events to handlers in priority groups; `StopPropagation` ends dispatch."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.context import Context
from bot.core.events import Event

EventHandler = Callable[[Context], Awaitable[None]]


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


class Dispatcher:
    """Handlers run group by group, lowest group first; within a group in registration order."""

    def __init__(self) -> None:
        self._registrations: list[Registration] = []
        self._ids = itertools.count(1)

    def add(
        self,
        event_type: type[Event],
        handler: EventHandler,
        group: int = 0,
        *,
        private: bool = False,
    ) -> Registration:
        registration = Registration(next(self._ids), event_type, handler, group, private)
        self._registrations.append(registration)
        self._registrations.sort(key=lambda r: (r.group, r.id))
        return registration

    def remove(self, registration: Registration) -> None:
        self._registrations = [r for r in self._registrations if r.id != registration.id]

    async def dispatch(self, ctx: Context) -> None:
        off = ctx.community.settings.features_off
        private = ctx.event.chat.is_private
        for registration in list(self._registrations):
            if private and not registration.private:
                continue  # a DM is not a community: only handlers that serve DMs see it
            if off and feature_of(registration.handler) in off:
                continue  # switched off in this community (/setup or `features_off`)
            if isinstance(ctx.event, registration.event_type):
                try:
                    await registration.handler(ctx)
                except StopPropagation:
                    return


def feature_of(handler: object) -> str | None:
    """The name of the feature (cog) a handler belongs to, None for the core's own."""
    owner = getattr(handler, "__self__", None)
    if owner is None:
        return None
    return getattr(owner, "name", None) or type(owner).__name__.lower()
