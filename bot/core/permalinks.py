"""A link a person can open to a message, from its ref (the moderation log's cases).

- Discord: `https://discord.com/channels/<guild>/<channel>/<message>` (a thread is a channel).
- Telegram supergroups (`-100…` ids): a public one, whose username the adapter learnt from
  Telegram's chat object, gets `https://t.me/<username>/<message>`, which opens for anyone;
  a private one (or one whose username is not known yet) `https://t.me/c/<id without -100>/
  <message>`, which opens for its members, as the moderators reading it are.
- Basic Telegram groups, private chats and the console have no message links: None.
"""

from __future__ import annotations

import re

from bot.core.refs import MessageRef

TELEGRAM_SUPERGROUP = "-100"
# Telegram's public usernames: 5-32 letters, digits and underscores, starting with a letter.
# Anything else from the outside world is no username, so no link is ever made of it.
TELEGRAM_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,30}[A-Za-z0-9]")


def public_username(value: str | None) -> str | None:
    """`value` when it is a well-formed Telegram username, else None."""
    if value is None or TELEGRAM_USERNAME.fullmatch(value) is None:
        return None
    return value


def message_link(message: MessageRef, username: str | None = None) -> str | None:
    """The link to `message`; `username` is its Telegram chat's public username, if any."""
    chat, platform = message.chat, message.chat.platform
    if chat.is_private or not message.id.isdigit():
        return None
    if platform == "discord" and chat.community.id.isdigit() and chat.id.isdigit():
        return f"https://discord.com/channels/{chat.community.id}/{chat.id}/{message.id}"
    if platform == "telegram" and chat.id.startswith(TELEGRAM_SUPERGROUP):
        channel = chat.id.removeprefix(TELEGRAM_SUPERGROUP)
        if not channel.isdigit():
            return None
        public = public_username(username)
        if public is not None:
            return f"https://t.me/{public}/{message.id}"
        return f"https://t.me/c/{channel}/{message.id}"
    return None
