"""Teams: who may run a feature's staff commands besides moderators and admins.

A feature registers a check per team name (the support desk registers `support`: its staff role,
its listed members, per community). Commands declare `team=`; the router asks here. It fails
closed: an unknown team, or a check that raises, means "not a member".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Called with the event's Context; typed loosely because the context module imports the
# services, which hold the teams (naming Context here would be an import cycle).
TeamCheck = Callable[[Any], bool]


class Teams:
    """Team name → the check that says whether the actor of a context belongs to it."""

    def __init__(self) -> None:
        self._checks: dict[str, TeamCheck] = {}

    def add(self, name: str, check: TeamCheck) -> None:
        if name in self._checks:
            raise ValueError(f"team {name!r} is already registered")
        self._checks[name] = check

    def remove(self, name: str) -> None:
        self._checks.pop(name, None)

    def member(self, name: str, ctx: Any) -> bool:
        check = self._checks.get(name)
        if check is None:
            return False
        try:
            return check(ctx) is True
        except Exception:
            log.exception("the check of team %s failed; refusing", name)
            return False
