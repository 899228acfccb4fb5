"""The core's command registry as Discord application (slash) commands, and back again."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import discord

from bot.core.commands import CommandSpec, Param
from bot.core.events import Attachment
from bot.core.permissions import Level
from bot.core.refs import ChatRef, MessageRef, UserRef
from bot.i18n import t

PLATFORM = "discord"
# Discord locales we ship a catalogue for. Discord has no Kazakh locale: Kazakh communities set
# `locale = "kk"` and see the default description, which follows `[defaults] locale`.
DISCORD_LOCALES: Mapping[str, str] = {"ru": "ru", "en-US": "en", "en-GB": "en"}

OPTION_STRING = 3
OPTION_INTEGER = 4
OPTION_USER = 6
OPTION_ATTACHMENT = 11
# The attachment option of a command declared with `files=True` (bot/core/commands.py).
FILE_OPTION = "file"
_OPTION_TYPES = {"member": OPTION_USER, "int": OPTION_INTEGER}

# Who sees a command in the menu before the core checks it (the core still checks, failing
# closed). Discord requires every listed bit, so moderators need both.
LEVEL_PERMISSIONS: Mapping[Level, discord.Permissions | None] = {
    Level.MEMBER: None,
    Level.MODERATOR: discord.Permissions(moderate_members=True, manage_messages=True),
    Level.ADMIN: discord.Permissions(administrator=True),
}
_MESSAGE_LINK = re.compile(r"(?:/channels/\d+/(\d+)/)?(\d{15,21})/?$")


def _text(locale: str, key: str) -> str:
    text = t(locale, key).strip() or key
    return text if len(text) <= 100 else text[:99] + "…"


def _localised(key: str) -> dict[str, str]:
    return {discord_locale: _text(ours, key) for discord_locale, ours in DISCORD_LOCALES.items()}


def _option(spec: CommandSpec, param: Param, locale: str) -> dict[str, Any]:
    key = spec.param_key(param.name)
    return {
        "type": _OPTION_TYPES.get(param.kind, OPTION_STRING),
        "name": param.name,
        "description": _text(locale, key),
        "description_localizations": _localised(key),
        "required": param.required,
    }


def command_payload(spec: CommandSpec, locale: str) -> dict[str, Any]:
    """One CHAT_INPUT command; `locale` gives the default description (Discord's fallback)."""
    # Discord wants required options before optional ones.
    params = sorted(spec.params, key=lambda p: not p.required)
    options = [_option(spec, p, locale) for p in params]
    if spec.files:
        key = spec.param_key(FILE_OPTION)
        options.append(
            {
                "type": OPTION_ATTACHMENT,
                "name": FILE_OPTION,
                "description": _text(locale, key),
                "description_localizations": _localised(key),
                "required": False,
            }
        )
    permissions = LEVEL_PERMISSIONS[spec.level]
    return {
        "type": 1,
        "name": spec.name,
        "description": _text(locale, spec.description_key),
        "description_localizations": _localised(spec.description_key),
        "options": options,
        "default_member_permissions": None if permissions is None else str(permissions.value),
        # Guilds; and the bot's DMs for commands declared for private chats (/help_request).
        "contexts": [0, 1] if spec.private else [0],
        "integration_types": [0],
        "nsfw": False,
    }


def command_payloads(specs: Iterable[CommandSpec], locale: str) -> list[dict[str, Any]]:
    """Every command, ready for a bulk overwrite (`PUT .../commands`)."""
    return [command_payload(spec, locale) for spec in specs]


def attachments(data: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """The files of attachment options, from the interaction's resolved data (id → file)."""
    resolved = (data.get("resolved") or {}).get("attachments") or {}
    found: list[Attachment] = []
    for option in data.get("options", []):
        if option.get("type") != OPTION_ATTACHMENT:
            continue
        item = resolved.get(str(option.get("value")))
        if not isinstance(item, Mapping) or not item.get("url"):
            continue
        size = item.get("size")
        found.append(
            Attachment(
                str(item["url"]),
                str(item.get("filename") or "file"),
                size if isinstance(size, int) else None,
            )
        )
    return tuple(found)


def invocation(
    spec: CommandSpec | None, data: Mapping[str, Any], chat: ChatRef
) -> tuple[dict[str, str], tuple[UserRef, ...], MessageRef | None]:
    """Options as text, the members named by user options, and a message named by link or id.

    Message parameters have no Discord option type: members paste a message link or id, which
    becomes the invocation's `reply_to` (the core reads message parameters from there).
    """
    kinds = {p.name: p.kind for p in spec.params} if spec is not None else {}
    options: dict[str, str] = {}
    mentions: list[UserRef] = []
    target: MessageRef | None = None
    for option in data.get("options", []):
        name, value = str(option["name"]), option.get("value")
        if value is None or option.get("type") == OPTION_ATTACHMENT:  # see `attachments`
            continue
        if option.get("type") == OPTION_USER:
            mentions.append(UserRef(PLATFORM, str(value)))
        if kinds.get(name) == "message":
            found = _MESSAGE_LINK.search(str(value).strip())
            if found:
                where = chat if found[1] is None else ChatRef(PLATFORM, found[1], chat.community)
                target = MessageRef(where, found[2])
            continue
        options[name] = str(value)
    return options, tuple(mentions), target
