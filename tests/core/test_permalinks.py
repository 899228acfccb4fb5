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
