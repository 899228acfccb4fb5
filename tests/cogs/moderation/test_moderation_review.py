"""Review findings on the moderation engine, each through the real app and memory adapter."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import Ban, DeleteMessage, Restrict, SendDirect, SendMessage
from bot.core.clock import ManualClock
from bot.core.events import CommandInvoked
from bot.core.permissions import Level
from bot.core.refs import CommunityRef, MessageRef, UserRef
from cogs.moderation.cog import Moderation
from tests.auxil.app import START
from tests.auxil.moderation import LOG, cases, mod_log, moderated, seen_by_handlers

MOD = Level.MODERATOR


def chat_texts(memory: MemoryAdapter) -> list[str]:
    return [a.text for a in memory.of_type(SendMessage) if a.chat.id != LOG]


# -- 1: commands meet the content rules and the flood limit ----------------------------------


async def test_an_insult_in_a_command_is_removed_and_the_command_never_runs(
    tmp_path: Path,
) -> None:
    async with moderated(tmp_path) as (app, memory):
        seen = seen_by_handlers(app.dispatcher)
        gina = memory.user("gina")
        actions = await memory.say("bob", "/thanks @gina you fucking cunt", mentions=(gina,))
        assert seen == []
        assert [a for a in actions if isinstance(a, DeleteMessage)]
        assert any(isinstance(a, SendDirect) and "profanity" in a.text for a in actions)
        await memory.say("bob", "/poll 1h fuck this? | cunt | yes")
        assert not any("cunt" in text or "fuck" in text for text in chat_texts(memory))
        assert [c.rule for c in await cases(app)] == ["profanity-en", "profanity-en"]


async def test_a_report_may_quote_the_insult_it_reports(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        await memory.say("mallory", "hello")
        target = MessageRef(memory.chat, "1")
        await memory.say(
            "gina",
            "/report he called me a cunt",
            reply_to=target,
            reply_to_author=memory.user("mallory"),
        )
        assert await cases(app) == []
        assert any("Report #1" in line and "cunt" in line for line in mod_log(memory))


async def test_native_slash_command_options_are_checked(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        seen = seen_by_handlers(app.dispatcher)
        event = CommandInvoked(
            chat=memory.chat,
            author=memory.author("bob"),
            at=app.clock.now(),
            name="poll",
            options={"question": "c*nt or not?"},
            interaction_id="i-1",
        )
        await memory.push(event)
        assert seen == []
        assert [c.user_id for c in await cases(app)] == ["bob"]


async def test_commands_count_towards_the_flood_limit(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        for _ in range(8):
            await memory.say("bob", "/help")
        assert [a.user.id for a in memory.of_type(Restrict)] == ["bob"]


async def test_moderators_keep_their_exemption_in_commands(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        await memory.say("mia", "/warn @bob you fucking cunt", level=MOD, mentions=(bob,))
        [case] = await cases(app)
        assert (case.user_id, case.moderator_id) == ("bob", "mia")


# -- 2: ranks come from the platform at the time of acting -----------------------------------


async def test_a_moderator_cannot_ban_an_admin_who_never_posted(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        memory.levels["alice"] = Level.ADMIN  # the platform knows; the bot never saw her post
        alice = memory.user("alice")
        actions = await memory.say("mia", "/ban @alice spite", level=MOD, mentions=(alice,))
        assert memory.of_type(Ban) == []
        assert any("at or above your level" in getattr(a, "text", "") for a in actions)
        assert await cases(app) == []


async def test_a_demoted_moderator_is_no_longer_protected(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        await memory.say("carl", "hello", level=MOD)
        memory.levels["carl"] = Level.MEMBER  # demoted on the platform
        carl = memory.user("carl")
        await memory.say("mia", "/ban @carl abuse", level=MOD, mentions=(carl,))
        assert [b.user.id for b in memory.of_type(Ban)] == ["carl"]


class BlindMemory(MemoryAdapter):
    """A platform that cannot look members up (the far side of the boundary)."""

    async def platform_level(self, community: CommunityRef, user: UserRef) -> Level | None:
        return None


async def test_an_unknown_rank_is_refused(tmp_path: Path) -> None:
    async with moderated(tmp_path, memory=BlindMemory()) as (app, memory):
        bob = memory.user("bob")
        actions = await memory.say("mia", "/ban @bob spam", level=MOD, mentions=(bob,))
        assert memory.of_type(Ban) == []
        assert any("could not confirm their rank" in getattr(a, "text", "") for a in actions)
        assert await cases(app) == []


# -- 4: Kazakh with a Latin i; log-only hits write no case ------------------------------------


async def test_kazakh_with_latin_i_is_ordinary_and_log_hits_write_no_case(
    tmp_path: Path,
) -> None:
    async with moderated(tmp_path) as (app, memory):
        for i in range(3):
            await app.advance(timedelta(seconds=20))
            assert await memory.say("aru", f"бiз келдiк {i}") == []
        for i in range(3):  # a real look-alike word: noted, once per window, never a case
            await app.advance(timedelta(seconds=20))
            await memory.say("bob", f"pаypal login {i}")
        assert await cases(app) == []
        assert len([line for line in mod_log(memory) if "mixed-script" in line]) == 1
        await app.advance(timedelta(minutes=15))
        await memory.say("bob", "pаypal again")
        [last] = [line for line in mod_log(memory) if "mixed-script" in line][1:]
        assert "2 more" in last


# -- 5: mentions are mentions, links are links -----------------------------------------------


async def test_email_addresses_are_not_mentions(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        text = "mail a@x.kz b@x.kz c@x.kz d@x.kz e@x.kz f@x.kz"
        assert await memory.say("bob", text) == []


async def newcomer_says(app: object, memory: MemoryAdapter, name: str, text: str) -> bool:
    await memory.join(name)
    return any(isinstance(a, DeleteMessage) for a in await memory.say(name, text))


async def test_newcomer_link_rule_ignores_text_that_is_not_a_link(tmp_path: Path) -> None:
    innocent = ["write to info@company.kz", "ASP.NET is great", "I'm done.To be honest",
                "Hi all.Me too"]  # fmt: skip
    links = ["see example.com/deal", "t.me/joinchat/x", "bit.ly/abc", "www.x.kz"]
    async with moderated(tmp_path) as (app, memory):
        for i, text in enumerate(innocent):
            assert not await newcomer_says(app, memory, f"new{i}", text), text
        for i, text in enumerate(links):
            assert await newcomer_says(app, memory, f"spam{i}", text), text


# -- 8: a bare number is not a ban duration --------------------------------------------------


async def test_ban_with_a_bare_number_is_refused(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        for arg in ("10", "10x"):
            actions = await memory.say("mia", f"/ban @bob {arg}", level=MOD, mentions=(bob,))
            assert any("10m" in getattr(a, "text", "") for a in actions)
        assert memory.of_type(Ban) == []
        assert await cases(app) == []
        await memory.say("mia", "/ban @bob 10m cool off", level=MOD, mentions=(bob,))
        [ban] = memory.of_type(Ban)
        assert ban.duration == timedelta(minutes=10)


# -- 11: newcomers stay newcomers across a restart -------------------------------------------


async def test_newcomer_is_remembered_across_a_restart(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with moderated(tmp_path, clock=clock) as (app, memory):
        await memory.join("nina")
        await app.advance(timedelta(hours=1))
    async with moderated(tmp_path, clock=clock) as (app, memory):
        await app.advance(timedelta(hours=1))  # joined two hours ago
        actions = await memory.say("nina", "great deals at example.com/deal")
        assert any(isinstance(a, DeleteMessage) for a in actions)
        await app.advance(timedelta(hours=23))  # now a day and more: links are fine
        assert await memory.say("nina", "docs at example.com/docs") == []


# -- 12: Russian evasions and masked letters --------------------------------------------------


async def test_digit_latin_and_masked_evasions_are_caught(tmp_path: Path) -> None:
    texts = ["пи3дец", "e6aн", "3аработок в интернете", "пиzдец", "бляdь", "ƒuck", "ʃuck",
             "f*ck", "c*nt", "Haйдu uнтuм фото"]  # fmt: skip
    async with moderated(tmp_path) as (app, memory):
        missed = []
        for i, text in enumerate(texts):
            await app.advance(timedelta(seconds=30))
            if not any(isinstance(a, DeleteMessage) for a in await memory.say(f"m{i}", text)):
                missed.append(text)
        assert missed == []


# -- 14: the stage's maps shrink ------------------------------------------------------------


async def test_stage_maps_are_pruned(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        cog = app.cogs.get("moderation")
        assert isinstance(cog, Moderation)
        stage = cog.stage
        await memory.join("nina")
        stage.channel(memory.chat).slow_seconds = 30  # emulated slow-mode
        await memory.say("bob", "hi")
        assert stage.newcomers.known
        assert stage.channel(memory.chat).last_post
        await app.advance(timedelta(days=2))
        await memory.say("eve", "later")
        assert "nina" not in {u for _, u in stage.newcomers.known}
        assert "bob" not in stage.channel(memory.chat).last_post


async def test_a_refused_slash_command_is_explained_privately_in_place(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        event = CommandInvoked(
            chat=memory.chat,
            author=memory.author("bob"),
            at=app.clock.now(),
            name="poll",
            options={"question": "c*nt or not?"},
            interaction_id="i-2",
        )
        actions = await memory.push(event)
        [notice] = [a for a in actions if isinstance(a, SendMessage) and a.chat == memory.chat]
        assert notice.ephemeral_to == memory.user("bob")
        assert notice.interaction_id == "i-2"
        assert "Your message was removed" in notice.text
        assert not any(isinstance(a, SendDirect) for a in actions)
