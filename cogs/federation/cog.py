"""The federation cog: /fed, /fban, /funban, /fbanlist, the fan-out jobs and the CAS check.

A ban is a row plus one keyed job per community, written in one transaction; each job applies
the ban in its community through moderation's published sanction (its ladder, its case, its log
line) under a keyed effect, so a re-run after a crash never bans or writes a case twice. A
community whose platform is not connected keeps its job, re-armed later and at every start.

The cog is made of parts, each in a file named for what it holds and using only those before
it: `base.py` (state, rules, log lines, who a command means), `fanout.py` (the apply, lift and
import jobs), `fed_commands.py` (`/fed`), `ban_commands.py` (`/fban`, `/funban`, `/fbanlist`)
and `cas_check.py` (newcomers looked up in CAS). This file wires them: the state they share,
loading and unloading.
"""

from __future__ import annotations

import random

from bot.core.cogs import Cog
from bot.i18n import t
from bot.services import Services
from cogs.federation.ban_commands import BanCommands
from cogs.federation.cas import CasClient, Lookups
from cogs.federation.cas_check import CasCheck
from cogs.federation.fed_commands import CONSOLE_SEED, FedCommands
from cogs.federation.store import FederationStore


class Federations(FedCommands, BanCommands, CasCheck, Cog):
    name = "federation"
    uses = frozenset(
        {
            "actions",
            "activity",
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
        self.services = services
        self.store = FederationStore(services.sessions)
        self.cas = CasClient(services.clock)
        self.lookups = Lookups()
        self._first_seen = {}
        # The console is a local simulation whose transcripts must replay to the same output,
        # so its codes come from a fixed seed; every real platform's from `secrets`.
        self._console_codes = random.Random(CONSOLE_SEED)

    async def load(self) -> None:
        await self.catch_up()

    async def unload(self) -> None:
        await self.lookups.cancel()
        await self.cas.close()

    def about_here(self, locale: str) -> str | None:
        return t(locale, "federation.about")
