"""A link a person can open to a message, from its ref alone (the moderation log's cases).

- Discord: `https://discord.com/channels/<guild>/<channel>/<message>` (a thread is a channel).
- Telegram supergroups (`-100…` ids): `https://t.me/c/<id without -100>/<message>`. It opens
  for members of the group, public or private, which the moderators reading it are; the
  public `t.me/<username>/<message>` form needs the group's username, which no ref carries.
- Basic Telegram groups, private chats and the console have no message links: None.
"""

from __future__ import annotations

from bot.core.refs import MessageRef

TELEGRAM_SUPERGROUP = "-100"


def message_link(message: MessageRef) -> str | None:
    chat, platform = message.chat, message.chat.platform
    if chat.is_private or not message.id.isdigit():
        return None
    if platform == "discord" and chat.community.id.isdigit() and chat.id.isdigit():
        return f"https://discord.com/channels/{chat.community.id}/{chat.id}/{message.id}"
    if platform == "telegram" and chat.id.startswith(TELEGRAM_SUPERGROUP):
        channel = chat.id.removeprefix(TELEGRAM_SUPERGROUP)
        if channel.isdigit():
            return f"https://t.me/c/{channel}/{message.id}"
    return None
