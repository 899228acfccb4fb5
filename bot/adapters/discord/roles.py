"""Discord permissions and role names to Kenes levels, and the role-hierarchy check."""

from __future__ import annotations

import discord

from bot.config import DiscordSection
from bot.core.permissions import Level

# Any one of these makes a member an admin / a moderator in the core's eyes.
ADMIN_PERMISSIONS = ("administrator", "manage_guild")
MODERATOR_PERMISSIONS = ("moderate_members", "kick_members", "ban_members", "manage_messages")


def level_of(
    member: discord.Member,
    section: DiscordSection,
    extra: discord.Permissions | None = None,
) -> Level:
    """The level Discord itself grants: permissions (plus `extra`, e.g. an interaction's
    resolved permissions) and the role names configured as moderator or admin roles."""
    permissions = member.guild_permissions
    if extra is not None:
        permissions = discord.Permissions(permissions.value | extra.value)
    names = {role.name.casefold() for role in member.roles}
    admin_roles = {name.casefold() for name in section.admin_roles}
    moderator_roles = {name.casefold() for name in section.moderator_roles}
    if any(getattr(permissions, p) for p in ADMIN_PERMISSIONS) or names & admin_roles:
        return Level.ADMIN
    if any(getattr(permissions, p) for p in MODERATOR_PERMISSIONS) or names & moderator_roles:
        return Level.MODERATOR
    return Level.MEMBER


def role_names(member: discord.Member) -> tuple[str, ...]:
    """The member's role names, without @everyone."""
    return tuple(role.name for role in member.roles if not role.is_default())


def outranks(actor: discord.Member, target: discord.Member) -> bool:
    """Whether `actor` may act on `target`: the owner always, others only from a higher role."""
    if actor.guild.owner_id == actor.id:
        return True
    if target.guild.owner_id == target.id:
        return False
    return actor.top_role > target.top_role
