"""Telegram identities as core refs: a chat is its own community; ids stay text."""

from __future__ import annotations

from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef

PLATFORM = "telegram"


def community_ref(chat_id: int | str) -> CommunityRef:
    """A Telegram group is one community; its id is the chat id (`-100...` for supergroups)."""
    return CommunityRef(PLATFORM, str(chat_id))


def chat_ref(chat_id: int | str) -> ChatRef:
    """The chat itself. Forum topics are not separate chats: replies land in their topic."""
    return ChatRef(PLATFORM, str(chat_id), community_ref(chat_id))


def private_chat_ref(chat_id: int | str) -> ChatRef:
    """A member's private chat with the bot: not a community (see `bot/core/refs.py`)."""
    return ChatRef(PLATFORM, str(chat_id), CommunityRef.private(PLATFORM))


def user_ref(user_id: int | str) -> UserRef:
    return UserRef(PLATFORM, str(user_id))


def message_ref(chat_id: int | str, message_id: int | str) -> MessageRef:
    return MessageRef(chat_ref(chat_id), str(message_id))


def chat_id_of(ref: ChatRef | CommunityRef) -> int:
    """The numeric chat id the Bot API expects."""
    return int(ref.id)
