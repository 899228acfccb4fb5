"""The moderation stage through the memory adapter: each rule type acting, and not acting."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from types import FrameType

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import DeleteMessage, Restrict, SendDirect, SendMessage, Unrestrict
from bot.core.events import Author, MemberJoined, MessageCreated, MessageEdited
from bot.core.permissions import Level
from bot.core.refs import MessageRef
from cogs.moderation.matcher import CompiledModeration
from cogs.moderation.stage import Verdict
from tests.auxil.moderation import cases, copy_rules, mod_log, moderated, seen_by_handlers


async def test_stop_word_deletes_tells_records_and_stops_the_event(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        seen = seen_by_handlers(app.dispatcher)
        actions = await memory.say("bob", "what the f.u.c.k")
        assert seen == []  # later handlers never saw the removed message
        deleted = [a for a in actions if isinstance(a, DeleteMessage)]
        assert len(deleted) == 1
        notice = [a for a in actions if isinstance(a, SendDirect)]
        assert "Rule: profanity." in notice[0].text
        assert "“f.u.c.k”" in notice[0].text  # the words written, not the entry "fuck*"
        [case] = await cases(app)
        assert (case.user_id, case.action, case.rule, case.points) == (
            "bob",
            "delete",
            "profanity-en",
            2,
        )
        assert case.moderator_id == "auto"
        assert any(
            f"Case #{case.id} · " in line and ": message removed" in line
            for line in mod_log(memory)
        )


async def test_innocent_look_alikes_pass_untouched(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        seen = seen_by_handlers(app.dispatcher)
        for text in ("Scunthorpe is lovely", "a class about grass", "заработная плата растёт"):
            assert await memory.say("bob", text) == []
        assert len(seen) == 3
        assert await cases(app) == []


async def test_evasions_in_russian_and_kazakh_are_caught(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        for text in ("Заработок в интeрнeтe", "у д а л е н н ы й заработок", "Салымсыз ТАБЫС бар"):
            actions = await memory.say("bob", text)
            assert any(isinstance(a, DeleteMessage) for a in actions), text


async def test_verdict_is_left_on_the_context(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        event = MessageCreated(
            chat=memory.chat,
            author=memory.author("bob"),
            at=app.clock.now(),
            message=MessageRef(memory.chat, "1"),
            text="drop your wallets here",
        )
        ctx = await app.handle(event)
        verdict = ctx.state["moderation"]
        assert isinstance(verdict, Verdict)
        assert (verdict.action, verdict.rules) == ("delete", ("spam-en",))


async def test_edits_and_captions_are_checked(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        ref = MessageRef(memory.chat, "77")
        edit = MessageEdited(
            chat=memory.chat, author=memory.author("bob"), at=app.clock.now(), message=ref,
            text="now with 100% profit",
        )  # fmt: skip
        actions = await memory.push(edit)
        assert [a.message for a in actions if isinstance(a, DeleteMessage)] == [ref]
        caption = MessageCreated(
            chat=memory.chat, author=memory.author("bob"), at=app.clock.now(),
            message=MessageRef(memory.chat, "78"), text="nude pics inside", is_caption=True,
        )  # fmt: skip
        assert any(isinstance(a, DeleteMessage) for a in await memory.push(caption))


async def test_display_name_is_checked_on_join(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        author = Author(user=memory.user("x1"), name="Free Bonus Bot")
        await memory.push(MemberJoined(chat=memory.chat, author=author, at=app.clock.now()))
        assert any("display name" in line and "x1" in line for line in mod_log(memory))


async def test_moderators_and_bots_are_exempt(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        assert await memory.say("mod", "100% profit", level=Level.MODERATOR) == []


async def test_flood_mutes_and_the_mute_ends_on_time(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        for i in range(6):
            assert await memory.say("bob", f"message number {i}") == []
            await app.advance(timedelta(seconds=1))
        actions = await memory.say("bob", "and one more")
        mute = [a for a in actions if isinstance(a, Restrict)]
        assert mute
        assert mute[0].duration == timedelta(minutes=5)
        await app.advance(timedelta(minutes=4))
        assert memory.of_type(Unrestrict) == []
        await app.advance(timedelta(minutes=2))
        assert [a.user.id for a in memory.of_type(Unrestrict)] == ["bob"]


async def test_slow_pace_is_not_flood(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        for i in range(20):
            assert await memory.say("bob", f"thoughtful message {i}") == []
            await app.advance(timedelta(seconds=3))


async def test_duplicates_across_channels(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        assert await memory.say("bob", "Check my channel please!") == []
        await app.advance(timedelta(seconds=20))
        other = memory.channel("random")
        assert await memory.say("bob", "check my channel, please", chat=other) == []
        await app.advance(timedelta(seconds=20))
        actions = await memory.say("bob", "CHECK MY CHANNEL PLEASE", chat=memory.channel("x"))
        assert any(isinstance(a, DeleteMessage) for a in actions)
        assert (await cases(app))[0].rule == "duplicates"


async def test_mention_spam_per_message_and_per_window(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        many = tuple(memory.user(f"u{i}") for i in range(6))
        actions = await memory.say("bob", "hey all", mentions=many)
        assert any(isinstance(a, DeleteMessage) for a in actions)
        five = many[:5]
        assert await memory.say("eve", "hi", mentions=five) == []
        await app.advance(timedelta(seconds=10))
        assert await memory.say("eve", "hi again", mentions=five) == []
        await app.advance(timedelta(seconds=10))
        actions = await memory.say("eve", "and again", mentions=five[:1])
        assert any(isinstance(a, DeleteMessage) for a in actions)


async def test_links_for_newcomers_and_denied_domains(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        await memory.join("newbie")
        actions = await memory.say("newbie", "look at https://example.com/x")
        assert any(isinstance(a, DeleteMessage) for a in actions)
        assert await memory.say("newbie", "docs: https://github.com/kenes") == []
        await app.advance(timedelta(hours=25))
        assert await memory.say("newbie", "look at example.com") == []
        actions = await memory.say("oldie", "free stuff at grabify.link/abc")
        assert any(isinstance(a, DeleteMessage) for a in actions)


async def test_emoji_flood(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        assert await memory.say("bob", "🎉" * 5) == []
        actions = await memory.say("bob", "🔥" * 16)
        assert any(isinstance(a, DeleteMessage) for a in actions)


async def test_mixed_script_is_reported_not_removed(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        assert await memory.say("bob", "log in to pаypal now") == [
            a for a in memory.actions[-1:] if isinstance(a, SendMessage)
        ]
        assert any("Latin and Cyrillic" in line for line in mod_log(memory))


async def test_hostile_regex_does_not_stall_the_loop(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    with (rules / "moderation.toml").open("a") as f:
        f.write("\n[[regex]]\nid = 'evil'\npattern = '(a+)+$'\naction = 'log'\n")
    async with moderated(tmp_path, rules=rules) as (app, memory):
        compiled = app.services.rules.current.compiled["moderation"]
        assert isinstance(compiled, CompiledModeration)
        evil = next(r for r in compiled.regexes if r.rule.id == "evil")
        assert type(evil.compiled).__module__.startswith("re2")
        # With a backtracking engine this input takes longer than the universe has left.
        assert await memory.say("bob", "a" * 50_000 + "!") == []
        logged = await memory.say("bob", "aaaa")  # a match: `log` only reports it
        assert [a.chat.id for a in logged if isinstance(a, SendMessage)] == ["mod-log"]
        assert "pattern evil" in mod_log(memory)[-1]


async def test_ladder_escalates_and_decays(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        kinds = []
        for text in ("100% profit", "drop your wallet", "nude pics"):
            await memory.say("bob", text)  # 2 points each
            kinds.append((await cases(app))[-1].action)
            await app.advance(timedelta(minutes=1))
        assert kinds == ["delete", "warn", "mute"]  # 2 → 4 (≥3 warn) → 6 (≥6 mute 1h)
        assert any(
            isinstance(a, Restrict) and a.duration == timedelta(hours=1) for a in memory.actions
        )
        await app.advance(timedelta(hours=72))  # 6 points → 0.75
        await memory.say("bob", "onlyfans leak")
        assert (await cases(app))[-1].action == "delete"  # 2.75: below the first step again


async def test_dry_run_logs_and_does_nothing(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    text = (rules / "moderation.toml").read_text().replace("dry_run = false", "dry_run = true", 1)
    (rules / "moderation.toml").write_text(text)
    async with moderated(tmp_path, rules=rules) as (app, memory):
        seen = seen_by_handlers(app.dispatcher)
        assert await memory.say("bob", "100% profit") == [memory.actions[-1]]
        assert len(seen) == 1
        assert await cases(app) == []
        assert any(
            line.startswith("Dry run, nothing done") and "message removed" in line
            for line in mod_log(memory)
        )


async def test_hot_reload_keeps_the_last_good_rules(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    async with moderated(tmp_path, rules=rules) as (app, memory):
        await memory.say("bob", "hello")  # the community becomes known
        path = rules / "moderation.toml"
        good = path.read_text()
        path.write_text(good.replace("[limits.flood]\n", "[limits.flood]\nmesages = 3\n"))
        problems = await app.services.rules.reload()
        assert problems
        posted = mod_log(memory)[-1]
        assert "rejected" in posted
        assert "limits.flood.mesages" in posted
        assert "unknown key" in posted
        actions = await memory.say("bob", "100% profit")
        assert any(isinstance(a, DeleteMessage) for a in actions)  # old rules still on
        (rules / "words" / "en.txt").write_text("pineapple pizza\n")
        path.write_text(good)
        assert await app.services.rules.reload() == []
        assert await memory.say("eve", "100% profit") == []  # the edit took effect
        actions = await memory.say("eve", "Pineapple  PIZZA!")
        assert any(isinstance(a, DeleteMessage) for a in actions)


async def test_bad_word_file_edit_is_reported_with_line(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    async with moderated(tmp_path, rules=rules) as (app, memory):
        await memory.say("bob", "hello")
        with (rules / "words" / "ru.txt").open("a") as f:
            f.write("зара*боток\n")
        await app.services.rules.reload()
        assert any("words/ru.txt: line" in line for line in mod_log(memory))


async def test_without_direct_messages_the_notice_is_posted_and_cleaned_up(
    tmp_path: Path,
) -> None:
    from bot.core.actions import ALL_ACTIONS

    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SendDirect})
    async with moderated(tmp_path, memory=memory) as (_app, memory):
        actions = await memory.say("bob", "100% profit")
        [notice] = [a for a in actions if isinstance(a, SendMessage) and a.chat.id == "general"]
        assert notice.text.startswith("Bob: ")
        assert notice.delete_after == timedelta(seconds=30)


async def test_exemptions_by_role_and_channel(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    text = (rules / "moderation.toml").read_text()
    text = text.replace(
        "[exempt]\nroles = []\nchannels = []", '[exempt]\nroles = []\nchannels = ["offtopic"]'
    )
    text = text.replace(
        'id = "spam-en"\n', 'id = "spam-en"\nexempt = { roles = ["trusted"], channels = [] }\n'
    )
    (rules / "moderation.toml").write_text(text)
    async with moderated(tmp_path, rules=rules) as (app, memory):
        assert await memory.say("bob", "100% profit", chat=memory.channel("offtopic")) == []
        trusted = Author(user=memory.user("tim"), name="Tim", roles=("trusted",))
        event = MessageCreated(
            chat=memory.chat, author=trusted, at=app.clock.now(),
            message=MessageRef(memory.chat, "5"), text="100% profit",
        )  # fmt: skip
        assert await memory.push(event) == []
        # The role exempts from spam-en only: the Russian list still applies to Tim.
        event = MessageCreated(
            chat=memory.chat, author=trusted, at=app.clock.now(),
            message=MessageRef(memory.chat, "6"), text="пассивный источник дохода",
        )  # fmt: skip
        assert any(isinstance(a, DeleteMessage) for a in await memory.push(event))


async def test_ladder_climbs_to_kick_and_ban(tmp_path: Path) -> None:
    from bot.core.actions import Ban, Kick

    words = ["100% profit", "drop your wallet", "nude pics", "nude pics", "onlyfans leak",
             "motherfucker", "work from home and earn", "cunt"]  # fmt: skip
    async with moderated(tmp_path) as (app, memory):
        for text in words:  # 2 points each: 2 4 6 8 10 12 14 16
            await memory.say("bob", text)
            await app.advance(timedelta(seconds=30))
        kinds = [c.action for c in await cases(app)]
        assert kinds == ["delete", "warn", "mute", "delete", "kick", "delete", "delete", "ban"]
        assert [k.user.id for k in memory.of_type(Kick)] == ["bob"]
        [ban] = memory.of_type(Ban)
        assert ban.duration is None


async def test_a_burst_in_flight_makes_one_case_not_twenty(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        for i in range(20):  # all sent before the mute reached the platform
            await memory.say("bob", f"burst {i}")
        assert [c.rule for c in await cases(app)] == ["flood"]
        assert len(memory.of_type(Restrict)) == 1
        assert len(memory.of_type(DeleteMessage)) == 14
        await app.advance(timedelta(minutes=10))
        for i in range(7):  # a new burst after the window is a new case
            await memory.say("bob", f"again {i}")
        assert [c.rule for c in await cases(app)] == ["flood", "flood"]


async def test_a_message_stamped_before_the_first_event_is_still_moderated(
    tmp_path: Path,
) -> None:
    # A backlog read after a restart carries its own (older) stamps.
    async with moderated(tmp_path) as (app, memory):
        await memory.say("ann", "hello")
        seen = seen_by_handlers(app.dispatcher)
        old = MessageCreated(
            chat=memory.chat,
            author=memory.author("bob"),
            at=app.clock.now() - timedelta(hours=5),
            message=MessageRef(memory.chat, "old-1"),
            text="what the f.u.c.k",
        )
        actions = await memory.push(old)
        assert seen == []
        assert [a.message for a in actions if isinstance(a, DeleteMessage)] == [old.message]


async def test_a_message_with_a_link_is_scanned_for_links_once(tmp_path: Path) -> None:
    """The newcomer, link and spam checks all need the message's hosts: the link pattern (the
    costliest scan of a message) runs once for them all, and the link still counts."""
    from cogs.moderation import checks

    scans = 0

    def profile(_frame: FrameType, event: str, arg: object) -> None:
        nonlocal scans
        if event == "c_call" and getattr(arg, "__self__", None) is checks._LINK:
            scans += 1

    async with moderated(tmp_path) as (_app, memory):
        await memory.join("newbie")
        sys.setprofile(profile)
        try:
            actions = await memory.say("newbie", "cheap deals at https://example.com/deal today")
        finally:
            sys.setprofile(None)
        assert scans == 1
        assert any(isinstance(a, DeleteMessage) for a in actions)  # a newcomer's link
