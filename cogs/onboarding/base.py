"""What every part of onboarding stands on: its state, its rules, acting on the platform."""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.core.actions import Action, ActionResult, GrantRole, RevokeRole, SendMessage
from bot.core.context import Context
from bot.core.errors import ActionRefused, UnsupportedAction
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.i18n import t
from bot.rules.models import in_locale
from bot.services import Services
from cogs.onboarding.path import CompiledOnboarding
from cogs.onboarding.rules import OnboardingRules, Role
from cogs.onboarding.store import OnboardingStore, Poster

log = logging.getLogger(__name__)

Act = Callable[[Action], Awaitable[ActionResult]]
Key = tuple[CommunityRef, str]


@dataclass(slots=True)
class GateState:
    method: str
    status: str


async def notice(ctx: Context, text: str) -> None:
    """A private word to the actor whose message was just removed (so no reply to it)."""
    await ctx.act(SendMessage(chat=ctx.event.chat, text=text, ephemeral_to=ctx.actor.user))


def timeout_key(community: CommunityRef, user_id: str) -> str:
    return f"onboarding:timeout:{community}:{user_id}"


class OnboardingBase:
    """The state and helpers the parts of the `Onboarding` cog share (set in its `__init__`)."""

    name: ClassVar[str]
    services: Services
    store: OnboardingStore
    _gated: dict[Key, GateState]
    _raids: set[CommunityRef]
    _joins: dict[CommunityRef, deque[datetime]]
    _posters: dict[Key, Poster]
    _known: OrderedDict[Key, datetime]
    _bumped_since: datetime | None
    _welcomes: dict[CommunityRef, deque[tuple[str, MessageRef]]]
    _raid_welcomed: dict[CommunityRef, datetime]

    def _rules(self) -> OnboardingRules:
        return self.services.rules.current.get(OnboardingRules)

    def _compiled(self) -> CompiledOnboarding:
        found = self.services.rules.current.compiled.get("onboarding")
        assert isinstance(found, CompiledOnboarding)
        return found

    def _locale(self, community: CommunityRef) -> str:
        return self.services.config.community(community).locale

    def is_raid(self, community: CommunityRef) -> bool:
        return community in self._raids

    async def _try(self, act: Act, action: Action) -> bool:
        """Do `action` where the platform can; a refusal is logged, never fatal to the ritual."""
        if not self.services.actions.supports(action.platform, type(action)):
            return False
        try:
            await act(action)
        except (ActionRefused, UnsupportedAction) as exc:
            log.warning("onboarding: %s", exc)
            return False
        return True

    async def _swap_platform_role(
        self, act: Act, community: CommunityRef, user: UserRef, old: Role | None, new: Role
    ) -> None:
        """Give the platform role that goes with `new` and take back the one of `old`, if any."""
        locale = self._locale(community)
        reason = t(locale, "onboarding.reason.role", role=new.id)
        # A role named per language is the one in the community's language on the platform.
        previous = in_locale(old.platform_role, locale) if old and old.platform_role else None
        wanted = in_locale(new.platform_role, locale) if new.platform_role else None
        if previous and previous != wanted:
            await self._try(
                act, RevokeRole(community=community, user=user, role=previous, reason=reason)
            )
        if wanted:
            await self._try(
                act, GrantRole(community=community, user=user, role=wanted, reason=reason)
            )

    async def _announce(self, act: Act, chat: ChatRef, text: str) -> None:
        """Post in the chat, and in the moderators' log channel when one is configured."""
        await act(SendMessage(chat=chat, text=text))
        target = await self.services.channels.chat(chat.community, "log_channel")
        if target is not None and target.id != chat.id:
            await self._try(act, SendMessage(chat=target, text=text))
