"""The `/` menu: the core's commands published with setMyCommands per scope and language.

Members see member commands in every group; chat administrators also see the moderator and
admin commands. Each of kk, ru, en gets its own descriptions, and the default (no language)
uses the configured default locale, so the menu matches what /help lists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
)

from bot.core.commands import CommandSpec
from bot.core.permissions import Level
from bot.i18n import LOCALES, t

log = logging.getLogger(__name__)

MAX_COMMANDS = 100
DESCRIPTION_LIMIT = 256

SetCommands = Callable[[Sequence[BotCommand], BotCommandScope, str | None], Awaitable[object]]


def menu(
    specs: Sequence[CommandSpec], locale: str, *, staff: bool, private: bool = False
) -> list[BotCommand]:
    """Commands for one audience in one language, in the registry's (alphabetical) order;
    `private`: only those that work in a private chat with the bot."""
    shown = [
        s
        for s in specs
        if not s.hidden and (staff or s.level == Level.MEMBER) and (s.private or not private)
    ]
    commands = []
    for spec in shown[:MAX_COMMANDS]:
        description = t(locale, spec.description_key).strip() or spec.name
        commands.append(BotCommand(spec.name, description[:DESCRIPTION_LIMIT]))
    return commands


async def publish(specs: Sequence[CommandSpec], default_locale: str, send: SetCommands) -> int:
    """Publish every menu; returns how many setMyCommands calls were made."""
    calls = 0
    languages: list[str | None] = [*LOCALES, None]
    for language in languages:
        locale = language or default_locale
        members = menu(specs, locale, staff=False)
        staff = menu(specs, locale, staff=True)
        direct = menu(specs, locale, staff=False, private=True)
        for scope, commands in (
            (BotCommandScopeDefault(), members),
            (BotCommandScopeAllGroupChats(), members),
            (BotCommandScopeAllChatAdministrators(), staff),
            # A private chat is no community: only what works there (/help, /help_request...).
            (BotCommandScopeAllPrivateChats(), direct),
        ):
            await send(commands, scope, language)
            calls += 1
    log.info(
        "published the command menu: %d member and %d staff commands",
        *(
            len(menu(specs, default_locale, staff=False)),
            len(menu(specs, default_locale, staff=True)),
        ),
    )
    return calls
