"""Who is support staff, per community: the check the core runs for every staff command.

Registered with the core as the `support` team (`bot/core/teams.py`); commands declare
`team="support"`, and the router refuses anyone the check does not accept (fail closed: an
error in the check refuses too). Admins always pass.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.permissions import Level
from bot.core.refs import CommunityRef
from cogs.support.rules import SupportRules

TEAM = "support"


def is_staff(rules: SupportRules, community: CommunityRef, ctx: Context) -> bool:
    """An admin, listed by id, holding the staff role (a platform role), or a moderator when
    moderators are staff there; never in a private chat, which belongs to no community."""
    if ctx.event.chat.is_private:
        return False
    if ctx.actor.level >= Level.ADMIN:
        return True
    staff = rules.staff_for(str(community))
    actor = ctx.actor.user
    if f"{actor.platform}:{actor.id}" in staff.members:
        return True
    role = staff.role.casefold()
    if role and any(name.casefold() == role for name in ctx.event.author.roles):
        return True
    return staff.moderators and ctx.actor.level >= Level.MODERATOR
