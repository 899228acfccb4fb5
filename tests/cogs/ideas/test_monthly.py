"""The monthly "you asked — we did" post: on its day in the community's time zone, once,
across restarts and crashes; preview, edit and send by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.core.actions import ALL_ACTIONS, SendPoll
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from cogs.ideas.monthly import bounds, label, next_monthly
from cogs.ideas.rules import MonthlySlot
from cogs.ideas.store import IdeaStore
from tests.auxil.app import START, make_config, running_app
from tests.auxil.crash import DyingAdapter, ProcessDied
from tests.auxil.rituals import press, rules_copy, sent

COGS = ["core", "ideas"]
MOD = Level.MODERATOR
# Day 1 at 10:00 in Almaty (UTC+5), the first slot after START (Monday 2026-01-05 09:00 UTC).
FEB_1 = datetime(2026, 2, 1, 5, 0, tzinfo=UTC)


def monthly_posts(memory: MemoryAdapter) -> list[str]:
    return [text for text in memory.texts() if text.startswith("📣")]


async def ship_one(memory: MemoryAdapter) -> None:
    await memory.say("alice", "/idea Dark mode")
    await memory.say("bob", "/idea Weekly office hours")
    await memory.say("cat", "/idea Sticker pack")
    await memory.say("mod", "/idea_status 1 shipped", level=MOD)
    await memory.say("mod", "/idea_status 2 planned", level=MOD)
    await memory.say("mod", "/idea_status 3 declined no budget this year", level=MOD)


def test_the_slot_and_the_month_it_covers() -> None:
    slot = MonthlySlot(day=1, time="10:00")
    assert next_monthly(START, slot, "Asia/Almaty") == FEB_1
    assert next_monthly(FEB_1, slot, "Asia/Almaty") == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    # Before the day in the same month, it is this month's slot.
    late = MonthlySlot(day=28, time="23:30")
    assert next_monthly(START, late, "Asia/Almaty") == datetime(2026, 1, 28, 18, 30, tzinfo=UTC)
    # December's slot rolls over to January of the next year.
    december = datetime(2026, 12, 20, tzinfo=UTC)
    assert next_monthly(december, slot, "UTC") == datetime(2027, 1, 1, 10, 0, tzinfo=UTC)
    assert label(FEB_1, "Asia/Almaty") == "2026-01"
    assert label(datetime(2027, 1, 1, 10, tzinfo=UTC), "UTC") == "2026-12"
    start, end = bounds("2026-12", "UTC")
    assert (start.month, end.year, end.month) == (12, 2027, 1)


async def test_the_post_goes_out_on_its_day_with_thanks_once_across_a_restart(
    tmp_path: Path,
) -> None:
    clock = ManualClock(START)
    config = make_config(bot={"cogs": COGS})
    first = MemoryAdapter()
    async with running_app(tmp_path / "k.db", config, [first], clock) as app:
        await ship_one(first)
        await app.advance(FEB_1 - clock.now() - timedelta(minutes=1))
        assert monthly_posts(first) == []
    second = MemoryAdapter()
    async with running_app(tmp_path / "k.db", config, [second], clock) as app:
        await app.advance(timedelta(minutes=2))
        (post,) = monthly_posts(second)
    assert post.splitlines() == [
        "📣 You asked — we did: January 2026",
        "Shipped (1 idea), thanks to its authors:",
        "✔ #1 Dark mode: thank you, Alice!",
        "Next up:",
        "• #2 Weekly office hours (0 votes)",
        "3 new ideas came in. Keep them coming: /idea <title>.",
        "",
        "Open retro",
        "What launched: #1",
        "What did not: #3 (no budget this year)",
        "What changes: the team writes this with /ideas_retro",
    ]
    third = MemoryAdapter()
    async with running_app(tmp_path / "k.db", config, [third], clock) as app:
        await app.advance(timedelta(days=20))
        assert monthly_posts(third) == []
        await app.advance(timedelta(days=10))  # March 1: February's post, a month later
        (march,) = monthly_posts(third)
        assert march.startswith("📣 You asked — we did: February 2026")
        assert "Nothing shipped this month" in march


async def test_preview_edit_and_send_by_hand_then_the_scheduled_run_is_skipped(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": COGS})
    async with running_app(tmp_path / "k.db", config, [memory], clock) as app:
        await ship_one(memory)
        assert "Write what changes" in "".join(
            s.text for s in sent(await memory.say("mod", "/ideas_retro", level=MOD))
        )
        await memory.say("mod", "/ideas_retro We answer every idea within a week.", level=MOD)
        (preview,) = sent(await memory.say("mod", "/ideas_digest_preview", level=MOD))
        assert preview.ephemeral_to == memory.user("mod")
        assert "What changes: We answer every idea within a week." in preview.text
        assert monthly_posts(memory) == []
        (posted,) = sent(await memory.say("mod", "/ideas_digest_send", level=MOD))
        assert posted.ephemeral_to is None
        assert posted.text == preview.text.split("\n\n", 1)[1]
        again = sent(await memory.say("mod", "/ideas_digest_send", level=MOD))
        assert "already sent" in again[0].text
        refused = sent(await memory.say("alice", "/ideas_digest_preview"))
        assert "moderator" in refused[0].text.lower()
        await app.advance(FEB_1 - clock.now() + timedelta(hours=1))
        assert len(monthly_posts(memory)) == 1


async def test_a_crash_while_posting_posts_it_once_after_the_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    config = make_config(bot={"cogs": COGS})
    dying = DyingAdapter("📣")
    async with running_app(tmp_path / "k.db", config, [dying], clock) as app:
        await ship_one(dying)
        with pytest.raises(ProcessDied):
            await app.advance(FEB_1 - clock.now())
    second = MemoryAdapter()
    async with running_app(tmp_path / "k.db", config, [second], clock) as app:
        await app.advance(timedelta(minutes=2))
        assert len(monthly_posts(second)) == 1
        await app.advance(timedelta(days=2))
        assert len(monthly_posts(second)) == 1


async def test_the_post_speaks_the_communitys_language(tmp_path: Path, clock: ManualClock) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": COGS}, defaults={"locale": "ru"})
    async with running_app(tmp_path / "k.db", config, [memory], clock) as app:
        await ship_one(memory)
        await app.advance(FEB_1 - clock.now())
        (post,) = monthly_posts(memory)
        assert post.startswith("📣 Вы просили — мы сделали: январь 2026")
        assert "✔ №1 Dark mode: спасибо, Alice!" in post
        assert "Пришло 3 новые идеи." in post


async def test_the_open_survey_is_a_poll_of_the_top_ideas_once_a_month(
    tmp_path: Path, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"ideas.toml": [("enabled = false", "enabled = true")]})
    config = make_config(rules_dir=rules, bot={"cogs": ["core", "polls", "ideas"]})
    first = MemoryAdapter(capabilities=ALL_ACTIONS - {SendPoll})
    async with running_app(tmp_path / "k.db", config, [first], clock) as app:
        await first.say("alice", "/idea Dark mode")
        few = sent(await first.say("mod", "/ideas_survey", level=MOD))
        assert "at least two open ideas" in few[0].text
        await first.say("bob", "/idea Weekly office hours")
        await first.say("cat", "/idea Sticker pack")
        await press(first, "dan", "idea:up:2")
        # Jan 15 at 12:00 in Almaty is 07:00 UTC.
        await app.advance(datetime(2026, 1, 15, 6, 59, tzinfo=UTC) - clock.now())
        assert not [t for t in first.texts() if t.startswith("Open survey")]
    second = MemoryAdapter(capabilities=ALL_ACTIONS - {SendPoll})
    async with running_app(tmp_path / "k.db", config, [second], clock) as app:
        await app.advance(timedelta(minutes=2))
        (survey,) = [t for t in second.texts() if t.startswith("Open survey")]
        assert survey.splitlines()[1:4] == [
            "1. #2 Weekly office hours",
            "2. #1 Dark mode",
            "3. #3 Sticker pack",
        ]
        await press(second, "erin", "poll:1:0")
        again = sent(await second.say("mod", "/ideas_survey", level=MOD))
        assert "already out" in again[0].text
        stored = await IdeaStore(app.services.sessions).survey(
            await app.services.directory.id_for(second.community), "2026-01"
        )
        assert stored is not None
        assert (stored.poll_number, stored.ideas) == (1, [2, 1, 3])
        await app.advance(timedelta(hours=72))
        (results,) = [t for t in second.texts() if t.startswith("Results of poll #1")]
        assert "#2 Weekly office hours" in results
        assert "1 member voted." in results
        await app.advance(timedelta(days=3))
        assert len([t for t in second.texts() if t.startswith("Open survey")]) == 1


async def test_the_survey_without_the_polls_feature_says_so(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter()
    config = make_config(bot={"cogs": COGS})
    async with running_app(tmp_path / "k.db", config, [memory], clock):
        reply = sent(await memory.say("mod", "/ideas_survey", level=MOD))
        assert "needs the polls feature" in reply[0].text
