"""Moderation replies people can act on: names not ids, honest failures, clear refusals."""

from __future__ import annotations

from pathlib import Path

from bot.core.actions import Action, SendMessage
from bot.core.permissions import Level
from tests.auxil.moderation import mod_log, moderated

MOD = Level.MODERATOR


def replies(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, SendMessage) and a.chat.id != "mod-log"]


async def test_replies_name_the_member_not_the_platform_id(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        await memory.say("bob", "hello")  # seen as "Bob", not yet flushed
        actions = await memory.say("mia", "/mute @bob 10m rude", level=MOD, mentions=(bob,))
        assert "Case #1: Bob: mute for 10 min." in replies(actions)
        await app.services.activity.flush()  # now only the members table knows the name
        actions = await memory.say("mia", "/unmute @bob", level=MOD, mentions=(bob,))
        assert replies(actions) == ["Bob is no longer muted."]
        assert any("Bob (bob)" in line for line in mod_log(memory))


async def test_a_member_never_seen_is_named_by_id(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        carl = memory.user("carl")
        actions = await memory.say("mia", "/warn @carl", level=MOD, mentions=(carl,))
        assert replies(actions)[0].startswith("Case #1: carl: ")
