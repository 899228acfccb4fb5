"""Onboarding: newcomers are welcomed, pass a gate, and grow along a path of roles.

The cog is made of parts, each in a file named for what it holds and using only those before
it: `base.py` (state, rules, acting on the platform), `posters.py`, `promotions.py` (the role
path), `raid.py` (the raid guard), `welcome.py` (the join), then `gate.py` (the entry gate).
This file wires them: the state they share, loading and unloading.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.core.cogs import Cog
from bot.i18n import t
from bot.services import Services
from cogs.onboarding.base import GateState
from cogs.onboarding.gate import EntryGate
from cogs.onboarding.published import OnboardingPublished
from cogs.onboarding.store import OnboardingStore


class Onboarding(EntryGate, Cog):
    name = "onboarding"
    uses = frozenset(
        {
            "actions",
            "activity",
            "channels",
            "clock",
            "config",
            "directory",
            "published",
            "rules",
            "scheduler",
            "sessions",
        }
    )

    def __init__(self, services: Services) -> None:
        # The state every part uses (its types are declared on `OnboardingBase`).
        self.services = services
        self.store = OnboardingStore(services.sessions)
        self.published = OnboardingPublished(services.sessions)
        self._gated = {}
        self._raids = set()
        self._joins = {}
        # Where members were last seen posting (name, chat), written in batches; their
        # reactions and helpful marks are counted by the core activity ledger.
        self._posters = {}
        # Members seen posting lately, oldest first: their name and chat are recorded once a
        # day at most, and members quiet for longer drop out (the map does not grow forever).
        self._known = OrderedDict()
        self._bumped_since = None
        # Welcomes still on screen, newest last: an older one is deleted once its newcomer is
        # through the gate ("clean welcome"), so the chat keeps one welcome, not one per join.
        self._welcomes = {}
        # When the shared raid-mode welcome was last posted: a join wave gets one, not 20.
        self._raid_welcomed = {}

    async def load(self) -> None:
        self.published.attach(self.services.published)
        for gated in await self.store.gated():
            self._gated[(gated.community, gated.user_id)] = GateState(gated.method, gated.status)
        self._raids = set(await self.store.raids())
        await self._schedule_promotions()

    async def unload(self) -> None:
        self.published.detach(self.services.published)
        await self.flush()

    def about_here(self, locale: str) -> str | None:
        return t(locale, "onboarding.about")
