"""Which actions are bot posts in a community, and the next step each asks for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.actions import (
    Action,
    Button,
    OpenThread,
    Restrict,
    SendDirect,
    SendImage,
    SendMessage,
    SendPoll,
)
from bot.core.refs import ChatRef, CommunityRef, UserRef
from bot.outbound import next_step_of

GROUP = CommunityRef("telegram", "-1001")
CHAT = ChatRef("telegram", "-1001", GROUP)
DM = ChatRef("telegram", "5", CommunityRef.private("telegram"))
ANN = UserRef("telegram", "5")


@pytest.mark.parametrize(
    ("action", "step"),
    [
        (SendMessage(chat=CHAT, text="hi"), ""),
        (SendMessage(chat=CHAT, text="hi", buttons=(Button("a", "b"),)), "buttons"),
        (SendMessage(chat=CHAT, text="why?", next_step="question"), "question"),
        (SendPoll(chat=CHAT, question="?", options=("a", "b")), "poll"),
        (OpenThread(chat=CHAT, title="t"), "thread"),
        (SendImage(chat=CHAT, image=b"png"), ""),
        (SendMessage(chat=CHAT, text="psst", ephemeral_to=ANN), None),
        (SendMessage(chat=DM, text="hello"), None),
        (SendDirect(user=ANN, text="hello"), None),
        (Restrict(community=GROUP, user=ANN, duration=timedelta(minutes=5)), None),
    ],
)
def test_next_step_of(action: Action, step: str | None) -> None:
    assert next_step_of(action) == step


def test_an_unknown_next_step_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown next step 'qestion'.*poll, buttons"):
        SendMessage(chat=CHAT, text="?", next_step="qestion")
