"""Message links from refs: Discord's and Telegram supergroups', nothing for the rest."""

from __future__ import annotations

import pytest

from bot.core.permalinks import message_link
from bot.core.refs import ChatRef, CommunityRef, MessageRef


def message(platform: str, community: str, chat: str, number: str) -> MessageRef:
    return MessageRef(ChatRef(platform, chat, CommunityRef(platform, community)), number)


@pytest.mark.parametrize(
    ("ref", "link"),
    [
        (
            message("discord", "111", "222", "333"),
            "https://discord.com/channels/111/222/333",
        ),
        (
            message("telegram", "-1001234567890", "-1001234567890", "42"),
            "https://t.me/c/1234567890/42",
        ),
        (message("telegram", "-4567", "-4567", "42"), None),  # a basic group: no links
        (message("console", "demo", "general", "7"), None),
        (MessageRef(ChatRef("telegram", "99", CommunityRef.private("telegram")), "5"), None),
        (message("discord", "111", "222", "33 3"), None),  # never a made-up link
        (message("telegram", "-100abc", "-100abc", "1"), None),
    ],
)
def test_message_links(ref: MessageRef, link: str | None) -> None:
    assert message_link(ref) == link


SUPERGROUP = message("telegram", "-1001234567890", "-1001234567890", "42")


@pytest.mark.parametrize(
    ("username", "link"),
    [
        ("kenes_kz", "https://t.me/kenes_kz/42"),  # a public group: opens for anyone
        (None, "https://t.me/c/1234567890/42"),  # a private one: for its members
        ("", "https://t.me/c/1234567890/42"),
        ("ab", "https://t.me/c/1234567890/42"),  # not a Telegram username: never linked
        ("x/../../evil", "https://t.me/c/1234567890/42"),
        ("kenes kz", "https://t.me/c/1234567890/42"),
        ("a" * 33, "https://t.me/c/1234567890/42"),
    ],
)
def test_a_public_telegram_group_links_by_its_username(username: str | None, link: str) -> None:
    assert message_link(SUPERGROUP, username) == link


def test_a_username_makes_no_link_where_the_platform_has_none() -> None:
    assert message_link(message("telegram", "-4567", "-4567", "42"), "kenes_kz") is None
    discord = message("discord", "111", "222", "333")
    assert message_link(discord, "kenes_kz") == "https://discord.com/channels/111/222/333"
