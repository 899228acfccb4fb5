"""Admission: one pipeline stage decides whether a member may speak, vote or press, before any
handler sees the event.

Features register policies instead of each guarding their own listeners at the front of the
queue: moderation refuses a muted member's votes and presses, onboarding a gated member's
messages, commands, presses and votes (and raid mode a new member's links). A policy is a cog
method marked `@admission(EventType, ...)` returning True (may go on) or False (refused; the
policy has already done what a refusal means, such as removing the message and telling the
member). Policies run in the order their cogs loaded; the first refusal ends the event.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bot.core.context import Context
from bot.core.dispatch import StopPropagation, feature_of
from bot.core.events import Event

if TYPE_CHECKING:
    from bot.services import Services

Policy = Callable[[Context], Awaitable[bool]]
P = TypeVar("P", bound=Callable[..., Awaitable[bool]])


def admission(*event_types: type[Event]) -> Callable[[P], P]:
    """Mark a cog method as the cog's admission policy for `event_types`."""
    if not event_types:
        raise TypeError("admission() needs at least one event type")

    def decorate(func: P) -> P:
        marks: tuple[type[Event], ...] = getattr(func, "__kenes_admission__", ())
        func.__kenes_admission__ = marks + event_types  # type: ignore[attr-defined]
        return func

    return decorate


@dataclass(frozen=True, slots=True)
class PolicyRegistration:
    id: int
    event_types: tuple[type[Event], ...]
    policy: Policy
    # What `ctx.services` is while the policy runs: its cog's declared set (None: unchanged).
    services: Services | None = None


class Admission:
    """The `admission` pipeline stage: every registered policy, in registration order."""

    def __init__(self) -> None:
        self._policies: list[PolicyRegistration] = []
        self._ids = itertools.count(1)
        self.refused = 0  # events a policy stopped (for tests and logs)

    def add(
        self,
        event_types: tuple[type[Event], ...],
        policy: Policy,
        services: Services | None = None,
    ) -> PolicyRegistration:
        registration = PolicyRegistration(next(self._ids), event_types, policy, services)
        self._policies.append(registration)
        return registration

    def remove(self, registration: PolicyRegistration) -> None:
        self._policies = [p for p in self._policies if p.id != registration.id]

    async def admits(self, ctx: Context) -> bool:
        """Whether every policy for this event lets it through."""
        off = ctx.community.settings.features_off
        everything = ctx.services
        for registration in self._policies:
            if not isinstance(ctx.event, registration.event_types):
                continue
            if off and feature_of(registration.policy) in off:
                continue  # the feature is switched off in this community
            if registration.services is not None:
                ctx.services = registration.services
            try:
                if not await registration.policy(ctx):
                    return False
            except StopPropagation:  # a policy written as a listener: the same as refusing
                return False
            finally:
                ctx.services = everything
        return True

    async def __call__(self, handler: Callable[[Context], Awaitable[None]], ctx: Context) -> None:
        if self._policies and not await self.admits(ctx):
            self.refused += 1
            return
        await handler(ctx)
