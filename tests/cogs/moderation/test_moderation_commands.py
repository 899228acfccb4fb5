"""Moderators' commands, reports, slow-mode (native, emulated, automatic) and durable expiry."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.adapters.memory import MemoryAdapter
from bot.core.actions import (
    ALL_ACTIONS,
    Action,
    Ban,
    DeleteMessage,
    Kick,
    Restrict,
    SendMessage,
    SetSlowMode,
    Unban,
    Unrestrict,
)
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.core.refs import ChatRef, MessageRef
from cogs.moderation.models import ModRecentMessage, ModReport
from cogs.moderation.recent import PRUNE_AFTER, RECENT_KEPT
from tests.auxil.app import START, make_config, running_app
from tests.auxil.moderation import cases, mod_log, moderated

MOD = Level.MODERATOR


def replies(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, SendMessage) and a.chat.id != "mod-log"]


async def test_mute_records_a_case_and_ends_on_time(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        actions = await memory.say("mia", "/mute @bob 10m rude", level=MOD, mentions=(bob,))
        [mute] = [a for a in actions if isinstance(a, Restrict)]
        assert mute.duration == timedelta(minutes=10)
        assert "Case #1: bob: mute for 10 minutes." in replies(actions)
        [case] = await cases(app)
        assert (case.moderator_id, case.reason, case.expires_at) == (
            "mia",
            "rude",
            START + timedelta(minutes=10),
        )
        await app.advance(timedelta(minutes=10))
        assert [a.user for a in memory.of_type(Unrestrict)] == [bob]


async def test_temporary_ban_ends_after_a_restart(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with moderated(tmp_path, clock=clock) as (_app, memory):
        bob = memory.user("bob")
        await memory.say("mia", "/ban @bob 2d scam links", level=MOD, mentions=(bob,))
        [ban] = memory.of_type(Ban)
        assert ban.duration == timedelta(days=2)
    # A new process on the same database: the unban is still due.
    async with moderated(tmp_path, clock=clock) as (app, memory):
        await app.advance(timedelta(days=1))
        assert memory.of_type(Unban) == []
        await app.advance(timedelta(days=1, minutes=1))
        assert [a.user for a in memory.of_type(Unban)] == [bob]


async def test_unmute_cancels_the_pending_expiry(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        await memory.say("mia", "/mute @bob 1h", level=MOD, mentions=(bob,))
        await memory.say("mia", "/unmute @bob", level=MOD, mentions=(bob,))
        assert len(memory.of_type(Unrestrict)) == 1
        await app.advance(timedelta(hours=2))
        assert len(memory.of_type(Unrestrict)) == 1
        assert await app.scheduler.pending() == []


async def test_moderators_cannot_act_on_their_peers_or_admins(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        await memory.say("ann", "hi", level=Level.ADMIN)
        await memory.say("max", "hi", level=MOD)
        for target in ("ann", "max", "mia"):
            user = memory.user(target)
            actions = await memory.say("mia", f"/kick @{target}", level=MOD, mentions=(user,))
            assert memory.of_type(Kick) == []
            assert "cannot act on" in replies(actions)[0]
        # An admin may act on a moderator.
        max_ = memory.user("max")
        await memory.say("ann", "/kick @max", level=Level.ADMIN, mentions=(max_,))
        assert [k.user for k in memory.of_type(Kick)] == [max_]


async def test_a_moderator_cannot_unban_an_admin(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        await memory.say("ann", "hi", level=Level.ADMIN)
        ann = memory.user("ann")
        actions = await memory.say("mia", "/unban @ann", level=MOD, mentions=(ann,))
        assert memory.of_type(Unban) == []
        assert "cannot act on" in replies(actions)[0]
        bob = memory.user("bob")
        # Only a ban in force can be lifted (an unban of nothing is refused), so ban bob first.
        await memory.say("mia", "/ban @bob", level=MOD, mentions=(bob,))
        await memory.say("mia", "/unban @bob", level=MOD, mentions=(bob,))
        assert [u.user for u in memory.of_type(Unban)] == [bob]


async def test_members_cannot_use_moderator_commands(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        bob = memory.user("bob")
        await memory.say("eve", "/ban @bob", mentions=(bob,))
        assert memory.of_type(Ban) == []


async def test_manual_warnings_count_towards_the_ladder_and_pardon_undoes(
    tmp_path: Path,
) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        await memory.say("mia", "/warn @bob be nice", level=MOD, mentions=(bob,))  # 3 points
        await memory.say("bob", "100% profit")  # +2 = 5
        actions = await memory.say("mia", "/strikes @bob", level=MOD, mentions=(bob,))
        assert replies(actions) == ["bob has 5 points; the next step, at 6: mute for 1 hour."]
        await memory.say("bob", "100% profit")  # +2 = 7: crosses 6
        assert (await cases(app))[-1].action == "mute"
        await memory.say("mia", "/pardon 1", level=MOD)
        actions = await memory.say("mia", "/strikes @bob", level=MOD, mentions=(bob,))
        assert replies(actions) == ["bob has 4 points; the next step, at 6: mute for 1 hour."]
        actions = await memory.say("mia", "/case 1", level=MOD)
        assert "(pardoned)" in replies(actions)[0]


async def test_case_and_pardon_say_which_of_missing_and_already_pardoned_it_is(
    tmp_path: Path,
) -> None:
    # /case 99 said "no case #99 (or it is already pardoned)", yet /case shows pardoned
    # cases; a second /pardon said there was no such case.
    async with moderated(tmp_path) as (_app, memory):
        bob = memory.user("bob")
        await memory.say("mia", "/warn @bob be nice", level=MOD, mentions=(bob,))
        await memory.say("mia", "/pardon 1", level=MOD)
        again = replies(await memory.say("mia", "/pardon 1", level=MOD))
        assert again == ["Case #1 is already pardoned: its points no longer count."]
        missing = replies(await memory.say("mia", "/case 99", level=MOD))
        assert missing == ["There is no case #99 here. /cases @member lists a member's cases."]
        assert replies(await memory.say("mia", "/pardon 99", level=MOD)) == missing


async def test_report_lands_in_the_queue(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        await memory.say("bob", "you all are idiots")
        [recent] = list(app.cogs.get("moderation").stage.channel(memory.chat).recent)  # type: ignore[union-attr]
        actions = await memory.say(
            "eve", "/report insulting", reply_to=recent.ref, reply_to_author=memory.user("bob")
        )
        assert "report #1" in replies(actions)[0]
        assert "idiots" in mod_log(memory)[-1]
        async with app.services.sessions() as session:
            [row] = list(await session.scalars(select(ModReport)))
        assert (row.reporter_id, row.target_user_id, row.status) == ("eve", "bob", "open")
        actions = await memory.say("mia", "/reports", level=MOD)
        assert "#1 by Eve about Bob" in replies(actions)[0]


async def test_purge_deletes_the_last_messages(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        for i in range(5):
            await memory.say("bob", f"line {i}")
        actions = await memory.say("mia", "/purge 3", level=MOD)
        assert len([a for a in actions if isinstance(a, DeleteMessage)]) == 3


async def test_native_slowmode_set_and_lifted(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        await memory.say("mia", "/slowmode 30", level=MOD)
        await memory.say("mia", "/slowmode off", level=MOD)
        assert [a.seconds for a in memory.of_type(SetSlowMode)] == [30, 0]


async def test_emulated_slowmode_removes_early_messages(tmp_path: Path) -> None:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SetSlowMode})
    async with moderated(tmp_path, memory=memory) as (app, memory):
        await memory.say("mia", "/slowmode 30", level=MOD)
        assert await memory.say("bob", "first") == []
        await app.advance(timedelta(seconds=10))
        early = await memory.say("bob", "second")
        assert any(isinstance(a, DeleteMessage) for a in early)
        [notice] = [a for a in early if isinstance(a, SendMessage)]
        assert "wait 21 seconds" in notice.text
        assert notice.delete_after is not None
        assert await memory.say("eve", "someone else") == []
        await app.advance(timedelta(seconds=21))
        assert await memory.say("bob", "third") == []
        await memory.say("mia", "/slowmode off", level=MOD)
        assert await memory.say("bob", "fourth") == []
        assert memory.of_type(SetSlowMode) == []


async def test_emulated_slowmode_survives_a_restart(tmp_path: Path) -> None:
    clock = ManualClock(START)
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SetSlowMode})
    async with moderated(tmp_path, memory=memory, clock=clock) as (_app, memory):
        await memory.say("mia", "/slowmode 60", level=MOD)
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SetSlowMode})
    async with moderated(tmp_path, memory=memory, clock=clock) as (_app, memory):
        assert await memory.say("bob", "first") == []
        assert any(isinstance(a, DeleteMessage) for a in await memory.say("bob", "again"))


async def test_automatic_slowmode_after_a_burst_of_violations(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        for i in range(5):
            await memory.say(f"spammer{i}", "100% profit for all")
            await app.advance(timedelta(seconds=5))
        assert [a.seconds for a in memory.of_type(SetSlowMode)] == [30]
        assert any("Slow-mode is on for 10 minutes" in text for text in memory.texts())
        await app.advance(timedelta(minutes=10))
        assert [a.seconds for a in memory.of_type(SetSlowMode)] == [30, 0]


async def test_automatic_emulated_slowmode_is_lifted_by_the_scheduler(tmp_path: Path) -> None:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SetSlowMode})
    async with moderated(tmp_path, memory=memory) as (app, memory):
        for i in range(5):
            await memory.say(f"spammer{i}", "100% profit for all")
        assert await memory.say("bob", "one") == []
        assert any(isinstance(a, DeleteMessage) for a in await memory.say("bob", "two"))
        await app.advance(timedelta(minutes=10))
        assert "Slow-mode is off." in memory.texts()
        assert await memory.say("bob", "three") == []


async def test_console_transcript_flood_evasion_and_mute(tmp_path: Path) -> None:
    out: list[str] = []
    console = ConsoleAdapter("demo", "general", out=out.append)
    config = make_config(defaults={"log_channel": "mod-log"})
    transcript = "\n".join(
        ["bob: hi", "bob: с п а м? no: f.u.c.k", *[f"eve: msg {i}" for i in range(7)],
         "mia is moderator", "mia: /mute @bob 10m rude", "bob: can I talk?", "+11m", "bob: back"]
    )  # fmt: skip
    async with running_app(tmp_path / "c.db", config, [console], ManualClock(START)):
        assert await replay(console, io.StringIO(transcript).readlines(), io.StringIO()) == 0
    shown = "\n".join(out)
    assert "bot deleted msg 2 in #general (case 1: profanity-en)" in shown
    assert "bot muted eve until 2026-01-05 09:05 UTC (case 2: flood)" in shown
    assert "bot muted bob until 2026-01-05 09:10 UTC (case 3: manual)" in shown
    assert "(bob is muted; the platform drops the message)" in shown
    assert "bot unmuted bob (case 3 ended)" in shown
    last = out[-1]
    assert last.startswith("[#general] bob (msg ")
    assert last.endswith("): back")


async def test_case_and_cases_show_a_timed_ban_as_timed(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (_app, memory):
        bob = memory.user("bob")
        await memory.say("mia", "/ban @bob 2h spam", level=MOD, mentions=(bob,))
        await memory.say("mia", "/mute @bob 10m rude", level=MOD, mentions=(bob,))
        [one] = replies(await memory.say("mia", "/case 1", level=MOD))
        assert "ban for 2 h" in one
        assert "for good" not in one
        [listed] = replies(await memory.say("mia", "/cases @bob", level=MOD, mentions=(bob,)))
        assert "ban for 2 h" in listed
        assert "mute for 10 min" in listed
        assert "for good" not in listed
        assert "until lifted" not in listed


async def test_unmute_and_unban_refuse_when_nothing_is_in_force(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        await memory.say("bob", "hi")
        actions = await memory.say("mia", "/unmute @bob", level=MOD, mentions=(bob,))
        assert replies(actions) == ["Bob is not muted, so there is nothing to lift."]
        actions = await memory.say("mia", "/unban @bob", level=MOD, mentions=(bob,))
        assert replies(actions) == ["Bob is not banned, so there is nothing to lift."]
        assert await cases(app) == []
        assert memory.of_type(Unrestrict) == []
        assert memory.of_type(Unban) == []
        # A mute that ran out is not in force either; a mute in force is lifted once.
        await memory.say("mia", "/mute @bob 10m", level=MOD, mentions=(bob,))
        await app.advance(timedelta(minutes=11))
        actions = await memory.say("mia", "/unmute @bob", level=MOD, mentions=(bob,))
        assert "not muted" in replies(actions)[0]
        await memory.say("mia", "/mute @bob 1h", level=MOD, mentions=(bob,))
        await memory.say("mia", "/ban @bob", level=MOD, mentions=(bob,))
        actions = await memory.say("mia", "/unmute @bob", level=MOD, mentions=(bob,))
        assert replies(actions) == ["Bob is no longer muted."]
        actions = await memory.say("mia", "/unmute @bob", level=MOD, mentions=(bob,))
        assert "not muted" in replies(actions)[0]
        actions = await memory.say("mia", "/unban @bob", level=MOD, mentions=(bob,))
        assert replies(actions) == ["Bob is no longer banned."]


async def test_reports_are_closed_from_the_queue_or_by_acting(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob, eve = memory.user("bob"), memory.user("eve")
        stage = app.cogs.get("moderation").stage  # type: ignore[union-attr]
        await memory.say("bob", "you all are idiots")
        await memory.say("eve", "buy my course")
        first, second = (r.ref for r in stage.channel(memory.chat).recent)
        await memory.say("ann", "/report rude", reply_to=first, reply_to_author=bob)
        # The same reporter cannot report the same message twice.
        again = await memory.say("ann", "/report rude!", reply_to=first, reply_to_author=bob)
        assert replies(again) == [
            "You have already reported this message (report #1); the moderators have it."
        ]
        await memory.say("cat", "/report ad", reply_to=second, reply_to_author=eve)
        await memory.say("dan", "/report spam", reply_to=second, reply_to_author=eve)
        [queue] = [
            a for a in await memory.say("mia", "/reports", level=MOD) if isinstance(a, SendMessage)
        ]
        assert "#1 by Ann about Bob" in queue.text
        assert "report:dismiss:1" in [b.custom_id for b in queue.buttons]
        # Dismissed from the queue with a command; a member cannot press the queue's buttons.
        await memory.say("mia", "/report_dismiss 1 just banter", level=MOD)
        assert "Report #1 dismissed by Mia: just banter" in mod_log(memory)
        refused = await memory.press("eve", "report:resolve:2")
        assert replies(refused) == ["Only moderators can handle reports."]
        # Acting on the member closes every open report about them.
        await memory.say("mia", "/warn @eve ads", level=MOD, mentions=(eve,))
        async with app.services.sessions() as session:
            rows = list(await session.scalars(select(ModReport).order_by(ModReport.id)))
        assert [(r.status, r.closed_by) for r in rows] == [
            ("dismissed", "mia"),
            ("acted", "mia"),
            ("acted", "mia"),
        ]
        assert replies(await memory.say("mia", "/reports", level=MOD)) == ["No open reports."]
        again = await memory.say("mia", "/report_resolve 2", level=MOD)
        assert replies(again) == ["There is no open report #2 here."]


async def test_a_report_button_deletes_the_reported_message(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        bob = memory.user("bob")
        stage = app.cogs.get("moderation").stage  # type: ignore[union-attr]
        await memory.say("bob", "you all are idiots")
        [message] = [r.ref for r in stage.channel(memory.chat).recent]
        await memory.say("ann", "/report rude", reply_to=message, reply_to_author=bob)
        actions = await memory.press("mia", "report:delete:1", level=MOD)
        assert [a.message for a in actions if isinstance(a, DeleteMessage)] == [message]
        [case] = await cases(app)
        assert (case.action, case.user_id, case.reason) == (
            "delete",
            "bob",
            "reported by a member (report #1)",
        )
        async with app.services.sessions() as session:
            [row] = list(await session.scalars(select(ModReport)))
        assert row.status == "acted"


async def test_purge_reaches_messages_from_before_a_restart_and_says_what_it_skipped(
    tmp_path: Path,
) -> None:
    clock = ManualClock(START)
    async with moderated(tmp_path, clock=clock) as (app, memory):
        for i in range(4):
            await memory.say("bob", f"old line {i}")
            await app.advance(timedelta(hours=1))
        await app.advance(timedelta(hours=47))
        for i in range(3):
            await memory.say("bob", f"line {i}")
            await app.advance(timedelta(minutes=1))
        fresh = [r.ref for r in app.cogs.get("moderation").stage.channel(memory.chat).recent][-3:]  # type: ignore[union-attr]
    # A new process: nothing in memory, the index is in the database. Bots may delete
    # messages only for 48 hours on this platform (as on Telegram).
    memory = MemoryAdapter()
    memory.deletable_for = timedelta(hours=48)
    async with moderated(tmp_path, memory=memory, clock=clock) as (_app, memory):
        actions = await memory.say("mia", "/purge 9", level=MOD)
        assert {a.message for a in actions if isinstance(a, DeleteMessage)} == set(fresh)
        [reply] = replies(actions)
        assert reply.split("\n") == [
            "Deleted 3 messages.",
            "4 messages were not deleted: they are older than 2 days, and Memory does not let "
            "bots delete older ones.",
            "2 more messages are not known to Kenes here (it keeps the last 1,000 messages per "
            "channel from the last 14 days).",
        ]
        # The deleted ones left the index: a second purge finds only the old ones.
        again = await memory.say("mia", "/purge 1", level=MOD)
        assert not [a for a in again if isinstance(a, DeleteMessage)]


async def test_the_recent_message_index_is_bounded_per_channel_and_in_age(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        index = app.cogs.get("moderation").recent  # type: ignore[union-attr]
        community_id = await app.services.directory.id_for(memory.community)
        old = START - timedelta(days=15)
        index.add(MessageRef(memory.chat, "1"), "bob", old)
        for i in range(RECENT_KEPT + 5):
            index.add(MessageRef(memory.chat, str(10 + i)), "bob", START + timedelta(seconds=i))
        await index.flush()
        async with app.services.sessions() as session:
            rows = list(await session.scalars(select(ModRecentMessage)))
        assert len(rows) == RECENT_KEPT
        assert min(r.sent_at for r in rows) == START + timedelta(seconds=5)
        assert {r.user_id for r in rows} == {"bob"}  # ids, author, time: no text column at all
        latest = await index.latest(community_id, memory.chat, 2)
        assert [s.message.id for s in latest] == [str(RECENT_KEPT + 14), str(RECENT_KEPT + 13)]


async def test_the_recent_message_index_prunes_a_channel_per_hundred_rows_not_per_flush(
    tmp_path: Path,
) -> None:
    async with moderated(tmp_path) as (app, memory):
        index = app.cogs.get("moderation").recent  # type: ignore[union-attr]
        chats = [ChatRef("memory", f"busy{n}", memory.community) for n in range(20)]
        at = START
        for _ in range(PRUNE_AFTER // 5 - 1):  # 19 flushes of 5 rows a channel: 95 each
            for chat in chats:
                for _ in range(5):
                    at += timedelta(milliseconds=10)
                    index.add(MessageRef(chat, str(at.timestamp())), "bob", at)
            await index.flush()
        assert index.prunes == 0  # was one write transaction per channel per flush: 380
        for chat in chats:
            for n in range(5):
                index.add(MessageRef(chat, f"last{n}"), "bob", at)
        await index.flush()
        assert index.prunes == len(chats)  # each reached PRUNE_AFTER rows since its last prune
