"""Moderation replies people can act on: names not ids, honest failures, clear refusals."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import (
    Action,
    DeleteMessage,
    SendDirect,
    SendMessage,
    Unban,
    Unrestrict,
)
from bot.core.permissions import Level
from tests.auxil.moderation import cases, mod_log, moderated

MOD = Level.MODERATOR


def replies(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, SendMessage) and a.chat.id != "mod-log"]


async def test_replies_name_the_member_not_the_platform_id(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        await memory.say("bob", "hello")  # seen as "Bob", not yet flushed
        actions = await memory.say("mia", "/mute @bob 10m rude", level=MOD, mentions=(bob,))
        assert "Case #1: Bob: mute for 10 minutes." in replies(actions)
        await app.services.activity.flush()  # now only the members table knows the name
        actions = await memory.say("mia", "/unmute @bob", level=MOD, mentions=(bob,))
        assert replies(actions) == ["Bob is no longer muted."]
        assert any("Bob (bob)" in line for line in mod_log(memory))


async def test_a_member_never_seen_is_named_by_id(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        carl = memory.user("carl")
        actions = await memory.say("mia", "/warn @carl", level=MOD, mentions=(carl,))
        assert replies(actions)[0].startswith("Case #1: carl: ")


async def test_a_zero_ban_says_it_must_be_longer_than_zero(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        [error] = replies(await memory.say("mia", "/ban @bob 0m", level=MOD, mentions=(bob,)))
        assert "longer than zero" in error
        assert "not a duration" not in error
        assert await cases(app) == []


async def test_an_unknown_unit_is_explained_once(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        bob = memory.user("bob")
        [error] = replies(await memory.say("mia", "/mute @bob 2y", level=MOD, mentions=(bob,)))
        assert error.startswith(
            "Write the duration like 30s, 10m, 2h or 3d (units: s, m, h, d, w), not “2y”."
        )
        assert "duration must be a duration" not in error


async def test_a_mute_without_a_reason_does_not_repeat_itself(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        bob = memory.user("bob")
        await memory.say("mia", "/mute @bob 10m", level=MOD, mentions=(bob,))
        await memory.say("mia", "/warn @bob too loud", level=MOD, mentions=(bob,))
        [mute, warn] = [a.text for a in memory.of_type(SendDirect)]
        assert mute == (
            "You are muted for 10 minutes, until Jan 5, 2026, 14:10 (Almaty, UTC+5)."
            " Rule: moderator's decision."
        )
        assert warn.startswith("Warning. Rule: moderator's decision. Why: too loud. Further")


async def test_a_refused_unmute_is_reported_not_claimed(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    async with moderated(tmp_path, memory) as (app, _memory):
        bob = memory.user("bob")
        await memory.say("mia", "/mute @bob 10m", level=MOD, mentions=(bob,))
        memory.refuse[Unrestrict] = "not enough rights"
        actions = await memory.say("mia", "/unmute @bob", level=MOD, mentions=(bob,))
        [reply] = replies(actions)
        assert "not enough rights" in reply
        assert "no longer muted" not in reply
        assert [c.rule for c in await cases(app)] == ["manual"]
        memory.refuse.clear()
        await app.advance(timedelta(minutes=10))  # the expiry still lifts it on time
        assert [a.user for a in memory.of_type(Unrestrict)] == [bob]


async def test_a_refused_unban_is_reported_not_claimed(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    async with moderated(tmp_path, memory) as (app, _memory):
        bob = memory.user("bob")
        await memory.say("mia", "/ban @bob", level=MOD, mentions=(bob,))
        memory.refuse[Unban] = "not enough rights"
        [reply] = replies(await memory.say("mia", "/unban @bob", level=MOD, mentions=(bob,)))
        assert "not enough rights" in reply
        assert [c.action for c in await cases(app)] == ["ban"]


async def test_purge_does_not_count_messages_the_bot_already_deleted(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        for i in range(8):
            await memory.say("eve", f"msg {i}")  # the flood rule deletes the late ones
        flooded = {a.message for a in memory.of_type(DeleteMessage)}
        assert flooded
        actions = await memory.say("mia", "/purge 3", level=MOD)
        purged = [a.message for a in actions if isinstance(a, DeleteMessage)]
        assert len(purged) == 3
        assert not flooded & set(purged)
        assert replies(actions)[-1].startswith("Deleted 3")


async def test_reporting_your_own_message_is_refused(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        await memory.say("alice", "hello")
        stage = app.cogs.get("moderation").stage  # type: ignore[union-attr]
        [mine] = list(stage.channel(memory.chat).recent)
        actions = await memory.say(
            "alice", "/report oops", reply_to=mine.ref, reply_to_author=memory.user("alice")
        )
        assert replies(actions) == ["You cannot report your own message."]
        assert mod_log(memory) == []


async def test_the_expiry_log_line_names_the_member(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        await memory.say("bob", "hello")
        await memory.say("mia", "/mute @bob 10m", level=MOD, mentions=(bob,))
        await app.advance(timedelta(minutes=10))
        assert mod_log(memory)[-1] == "Case #1 ended: Bob (bob) may take part again"


async def test_a_removal_names_the_rule_and_the_words_written(tmp_path: Path) -> None:
    # Not the list id and wildcard entry ("Rule: spam-en … (“drop your wallet*”)").
    async with moderated(tmp_path) as (_app, memory):
        actions = await memory.say("bob", "Please DROP YOUR WALLETZ here, friends!")
        [notice] = [a.text for a in actions if isinstance(a, SendDirect)]
        assert "Rule: spam." in notice, notice
        assert "“DROP YOUR WALLETZ”" in notice, notice
        assert "spam-en" not in notice
        assert "*" not in notice
