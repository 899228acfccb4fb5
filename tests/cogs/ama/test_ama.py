"""The AMA ritual through the memory adapter: ask, merge, vote, moderate, top list, summary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import similarity
from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.config import CommunityOverride
from bot.core.actions import ALL_ACTIONS, SendDirect, SendMessage
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.core.refs import MessageRef
from cogs.ama.models import AmaQuestion, AmaSession
from tests.auxil.app import START, running_app
from tests.auxil.rituals_weekly import only, press, react, ritual_config, rules_copy, sent

MOD = Level.MODERATOR
# START is Monday 2026-01-05 14:00 in Asia/Almaty (UTC+5): the default slot is Friday 18:00
# local = 13:00 UTC; the top list goes out an hour before, the summary an hour after.
FRIDAY_START = START.replace(day=9, hour=13)


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    async with running_app(
        tmp_path / "kenes.db", ritual_config(), adapters=[memory], clock=clock
    ) as running:
        yield running


async def question_message(app: Kenes, qid: int) -> MessageRef:
    """Where the bot posted question `qid` (the message its button sits under)."""
    async with app.services.sessions() as session:
        row = await session.scalar(select(AmaQuestion).where(AmaQuestion.id == qid))
    assert row is not None
    assert row.message_id is not None
    memory = app.adapters["memory"]
    assert isinstance(memory, MemoryAdapter)
    return MessageRef(memory.chat, row.message_id)


async def open_ama(memory: MemoryAdapter, topic: str = "Product roadmap") -> SendMessage:
    return only(await memory.say("mod", f"/ama_open {topic}", level=MOD))


async def test_open_announces_the_default_friday_slot(app: Kenes, memory: MemoryAdapter) -> None:
    announcement = await open_ama(memory)
    assert "Product roadmap" in announcement.text
    assert "Friday Jan 9 at 18:00 (Almaty, UTC+5)" in announcement.text
    assert "/ask" in announcement.text
    jobs = {job.kind: job.due_at for job in await app.scheduler.pending()}
    assert jobs["ama.top"] == FRIDAY_START - timedelta(hours=1)
    assert jobs["ama.summary"] == FRIDAY_START + timedelta(hours=1)


async def test_open_parses_a_time_and_refuses_a_second_session(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory, "2h Release day")
    jobs = {job.kind: job.due_at for job in await app.scheduler.pending()}
    assert jobs["ama.top"] == START + timedelta(hours=1)
    again = only(await memory.say("mod", "/ama_open Another", level=MOD))
    assert "still open" in again.text
    assert again.ephemeral_to == memory.user("mod")


async def test_members_cannot_open_an_ama(app: Kenes, memory: MemoryAdapter) -> None:
    reply = only(await memory.say("alice", "/ama_open Sneaky"))
    assert "moderator" in reply.text
    assert await app.scheduler.pending("ama.top") == []


async def test_ask_without_a_session_says_how_to_get_one(app: Kenes, memory: MemoryAdapter) -> None:
    reply = only(await memory.say("alice", "/ask Anyone there?"))
    assert "no open AMA" in reply.text


async def test_ask_posts_the_question_with_an_upvote_button(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    posted = only(await memory.say("alice", "/ask Will pricing change next year?"))
    assert "Question #1 from Alice" in posted.text
    assert "Will pricing change next year?" in posted.text
    assert [b.custom_id for b in posted.buttons] == ["ama:up:1"]


async def test_near_duplicates_merge_and_add_the_co_askers_vote(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")
    merged = only(await memory.say("bob", "/ask will the PRICING change next year!!"))
    assert "#1" in merged.text
    assert "2 votes" in merged.text
    assert merged.ephemeral_to == memory.user("bob")
    # Bob's wording is kept as #2 (merged), so he can undo the merge.
    assert [b.custom_id for b in merged.buttons] == ["ama:split:2"]
    different = only(await memory.say("carol", "/ask When is the mobile app coming?"))
    assert "Question #3" in different.text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Will prices go UP next year?", "Will prices go down next year?"),
        ("What is the capital of Kazakhstan?", "What is not the capital of Kazakhstan?"),
        ("Does the app work offline?", "Doesn't the app work offline?"),
        ("Цены вырастут в следующем году?", "Цены упадут в следующем году?"),
        ("Какой город столица Казахстана?", "Какой город не столица Казахстана?"),
        ("Келесі жылы бағалар өседі ме?", "Келесі жылы бағалар түседі ме?"),
        ("Қазақстанның астанасы қай қала?", "Қазақстанның астанасы қай қала емес?"),
        ("Қосымша офлайн жұмыс істейді ме?", "Қосымша офлайн жұмыс істемейді ме?"),
    ],
)
async def test_opposite_questions_are_not_merged(
    app: Kenes, memory: MemoryAdapter, first: str, second: str
) -> None:
    await open_ama(memory)
    for text in (first, second, second.upper(), first.lower()):
        assert similarity.similarity(similarity.words(text), similarity.words(second)) in (0, 1)
    # Both directions: whichever comes first, the other is a question of its own.
    await memory.say("alice", f"/ask {first}")
    posted = only(await memory.say("bob", f"/ask {second}"))
    assert "Question #2 from Bob" in posted.text
    await memory.say("carol", f"/ask {second} ")  # the same as Bob's: merged into #2
    reverse = only(await memory.say("dave", f"/ask {first.lower()}"))
    assert "already in: #1" in reverse.text


def test_similar_wording_still_merges_in_every_language() -> None:
    pairs = [
        ("Will prices go up next year?", "will the prices go up next year"),
        ("Don't you plan a free tier?", "do not you plan a free tier"),
        ("Цены вырастут в следующем году?", "цены вырастут в следующем году!"),
        ("Келесі жылы бағалар өседі ме?", "бағалар келесі жылы өседі ме"),
    ]
    for a, b in pairs:
        assert similarity.similarity(similarity.words(a), similarity.words(b)) >= 0.7, (a, b)


async def test_the_asker_can_undo_an_automatic_merge(app: Kenes, memory: MemoryAdapter) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")
    merged = only(await memory.say("bob", "/ask Will pricing change in Kazakhstan next year?"))
    [separate] = merged.buttons
    # Only Bob may separate his question.
    refused = only(await memory.press("carol", separate.custom_id))
    assert "Only the member who asked it" in refused.text
    actions = await memory.press("bob", separate.custom_id)
    texts = [a.text for a in actions if isinstance(a, SendMessage)]
    assert texts[0] == "Your question #2 is no longer merged into #1: it stands on its own below."
    assert texts[1].startswith("Question #2 from Bob:\nWill pricing change in Kazakhstan")
    store = app.cogs.get("ama").store  # type: ignore[union-attr]
    assert (await store.votes(1), await store.votes(2)) == (1, 1)
    assert await store.askers(1) == [("alice", "Alice")]
    again = only(await memory.press("bob", separate.custom_id))
    assert "can no longer be separated" in again.text


async def test_each_member_upvotes_a_question_once_by_button_or_reaction(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")
    message = await question_message(app, 1)
    first = only(await press(memory, "carol", "ama:up:1", message))
    assert "2 votes" in first.text
    second = only(await press(memory, "carol", "ama:up:1", message))
    assert "already voted" in second.text
    await react(memory, "carol", message, "bot")  # a reaction on top of the button: no change
    await react(memory, "dave", message, "bot")
    own = only(await press(memory, "alice", "ama:up:1", message))  # asking was her vote
    assert "already voted" in own.text
    assert "3 votes" in own.text
    await react(memory, "dave", message, "bot", removed=True)
    after = only(await press(memory, "erin", "ama:up:1", message))
    assert "3 votes" in after.text


async def test_top_questions_by_votes_ties_older_first_before_the_session(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")  # 1: 2 votes
    await memory.say("bob", "/ask When is the mobile app coming?")  # 2: 2 votes, newer
    await memory.say("carol", "/ask Do you hire juniors in Almaty?")  # 3: 3 votes
    await memory.say("dave", "/ask Buy cheap followers here")  # 4: hidden
    for voter, qid in (("x", 1), ("y", 2), ("x", 3), ("y", 3), ("z", 4), ("w", 4), ("v", 4)):
        await press(memory, voter, f"ama:up:{qid}", await question_message(app, qid))
    await memory.say("mod", "/ama_hide 4", level=MOD)
    memory.clear()
    await app.advance(FRIDAY_START - START - timedelta(hours=1, minutes=1))
    assert memory.actions == []
    await app.advance(timedelta(minutes=1))
    top = only(memory.actions)
    lines = top.text.splitlines()
    assert "Product roadmap" in lines[0]
    assert [line.split()[1] for line in lines[1:-1]] == ["#3", "#1", "#2"]
    assert lines[-1].startswith("👍 Next step: vote")  # what members do with it
    assert top.next_step == "command"
    assert "Buy cheap" not in top.text
    assert top.chat == memory.chat


async def test_answer_notifies_every_asker_and_the_summary_lists_it(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")
    await memory.say("bob", "/ask will pricing change next year")
    await memory.say("carol", "/ask When is the mobile app coming?")
    answer = MessageRef(memory.chat, "answer-1")
    actions = await memory.say(
        "mod", "/ama_answer 1", level=MOD, reply_to=answer, reply_to_author=memory.user("cto")
    )
    direct = [a for a in actions if isinstance(a, SendDirect)]
    assert sorted(a.user.id for a in direct) == ["alice", "bob"]
    assert "Will pricing change next year?" in direct[0].text
    memory.clear()
    await app.advance(timedelta(days=5))
    summary = sent(memory.actions)[-1]
    assert "is over" in summary.text
    assert "#1 Will pricing change next year?" in summary.text
    assert "mobile app" not in summary.text
    assert "1 more question" in summary.text
    gone = only(await memory.say("dave", "/ask Too late?"))
    assert "no open AMA" in gone.text


async def test_without_direct_messages_the_answer_is_pointed_at_in_the_chat(
    tmp_path: Path, clock: ManualClock
) -> None:
    memory = MemoryAdapter(capabilities=ALL_ACTIONS - {SendDirect})
    async with running_app(tmp_path / "k.db", ritual_config(), [memory], clock):
        await open_ama(memory)
        await memory.say("alice", "/ask Will pricing change next year?")
        answer = MessageRef(memory.chat, "answer-1")
        actions = await memory.say("mod", "/ama_answer 1", level=MOD, reply_to=answer)
        public = [a for a in sent(actions) if a.reply_to == answer]
        assert len(public) == 1
        assert "Alice" in public[0].text
        assert "@" not in public[0].text
        assert memory.of_type(SendDirect) == []


async def test_merge_moves_votes_without_counting_anyone_twice(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")
    await memory.say("bob", "/ask Are prices going up in 2027?")
    await press(memory, "alice", "ama:up:2", await question_message(app, 2))
    reply = only(await memory.say("mod", "/ama_merge 2 1", level=MOD))
    assert "2 votes" in reply.text  # alice + bob, alice once
    redirected = only(await press(memory, "carol", "ama:up:2", await question_message(app, 2)))
    assert "question #1" in redirected.text
    assert "3 votes" in redirected.text
    bad = only(await memory.say("mod", "/ama_merge 1 1", level=MOD))
    assert "Cannot merge" in bad.text
    answer = MessageRef(memory.chat, "answer-1")
    actions = await memory.say("mod", "/ama_answer 2", level=MOD, reply_to=answer)
    assert "#1 is marked answered" in sent(actions)[0].text
    assert sorted(a.user.id for a in actions if isinstance(a, SendDirect)) == ["alice", "bob"]


async def test_hidden_questions_take_no_votes(app: Kenes, memory: MemoryAdapter) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Buy cheap followers here")
    await memory.say("mod", "/ama_hide 1", level=MOD)
    reply = only(await press(memory, "bob", "ama:up:1", await question_message(app, 1)))
    assert "not open for votes" in reply.text
    missing = only(await memory.say("mod", "/ama_hide 99", level=MOD))
    assert "no question #99" in missing.text


async def test_a_reply_to_the_announcement_is_a_question(app: Kenes, memory: MemoryAdapter) -> None:
    await open_ama(memory)
    async with app.services.sessions() as session:
        row = await session.scalar(select(AmaSession))
    assert row is not None
    assert row.announcement_id is not None
    announcement = MessageRef(memory.chat, row.announcement_id)
    posted = only(await memory.say("alice", "Is there a free tier?", reply_to=announcement))
    assert "Question #1 from Alice" in posted.text
    elsewhere = await memory.say(
        "bob", "Is there a free tier?", reply_to=MessageRef(memory.chat, "5")
    )
    assert elsewhere == []


async def test_close_posts_the_summary_once_and_cancels_the_jobs(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    actions = await memory.say("mod", "/ama_close", level=MOD)
    assert "is over" in only(actions).text
    assert await app.scheduler.pending("ama.top") == []
    memory.clear()
    await app.advance(timedelta(days=7))
    assert [a for a in sent(memory.actions) if "AMA" in a.text] == []


async def test_a_restart_neither_loses_nor_doubles_the_top_list(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    first = MemoryAdapter()
    async with running_app(db, ritual_config(), [first], clock):
        await open_ama(first)
        await first.say("alice", "/ask Will pricing change next year?")
    second = MemoryAdapter()
    async with running_app(db, ritual_config(), [second], clock) as app:
        await app.advance(timedelta(days=4, hours=3))  # Friday 12:00 UTC: top list due
        tops = [a for a in sent(second.actions) if "Top questions" in a.text]
        assert len(tops) == 1
    third = MemoryAdapter()
    async with running_app(db, ritual_config(), [third], clock) as app:
        await app.advance(timedelta(days=1))
        texts = [a.text for a in sent(third.actions)]
        assert not any("Top questions" in text for text in texts)
        assert sum("is over" in text for text in texts) == 1


async def test_auto_weekly_opens_next_fridays_session_by_itself(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    rules = rules_copy(
        tmp_path, lambda text: text.replace("auto_weekly = false", "auto_weekly = true")
    )
    async with running_app(tmp_path / "k.db", ritual_config(rules), [memory], clock) as app:
        await memory.say("alice", "hello")  # the community is seen: its weekly job is armed
        await app.advance(timedelta(hours=3, minutes=59))
        assert memory.of_type(SendMessage) == []
        await app.advance(timedelta(minutes=1))  # Monday 18:00 local: four days ahead
        first = only(memory.actions)
        assert first.text.startswith("AMA #1: Ask the team anything")
        assert "Friday Jan 9 at 18:00 (Almaty, UTC+5)" in first.text
        await app.advance(timedelta(days=7))
        announcements = [a for a in sent(memory.actions) if a.text.startswith("AMA #")]
        assert len(announcements) == 2
        assert "Friday Jan 16 at 18:00" in announcements[1].text


async def test_the_community_language_is_used_for_every_ama_post(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    config = ritual_config().model_copy(
        update={"communities": {"memory:c1": CommunityOverride(locale="kk")}}
    )
    async with running_app(tmp_path / "k.db", config, [memory], clock) as app:
        announcement = await open_ama(memory, "Жол картасы")
        assert "Қашан: жұма, 9 қаң., сағат 18:00 (Алматы, UTC+5)." in announcement.text
        posted = only(await memory.say("alice", "/ask Бағалар өзгере ме?"))
        assert posted.text.startswith("#1 сұрақ, авторы Alice:")
        assert posted.buttons[0].label == "👍 Қолдау"
        await app.advance(timedelta(days=5))
        texts = [a.text for a in sent(memory.actions)]
        assert any(text.startswith("«Жол картасы» AMA-сының үздік сұрақтары") for text in texts)
        assert any(text.startswith("«Жол картасы» AMA-сы аяқталды.") for text in texts)


async def test_answering_an_answered_question_again_tells_nobody_twice(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")
    answer = MessageRef(memory.chat, "answer-1")
    first = await memory.say("mod", "/ama_answer 1", level=MOD, reply_to=answer)
    assert [a.user.id for a in first if isinstance(a, SendDirect)] == ["alice"]
    again = await memory.say("mod", "/ama_answer 1", level=MOD, reply_to=answer)
    assert [a for a in again if isinstance(a, SendDirect)] == []
    refusal = only(again)
    assert "answered already" in refusal.text
    assert refusal.ephemeral_to == memory.user("mod")


async def test_an_answered_question_cannot_be_hidden_and_stays_in_the_summary(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")
    answer = MessageRef(memory.chat, "answer-1")
    await memory.say("mod", "/ama_answer 1", level=MOD, reply_to=answer)
    refusal = only(await memory.say("mod", "/ama_hide 1", level=MOD))
    assert "cannot be hidden" in refusal.text
    assert refusal.ephemeral_to == memory.user("mod")
    memory.clear()
    await memory.say("mod", "/ama_close", level=MOD)
    summary = sent(memory.actions)[-1]
    assert "#1 Will pricing change next year?" in summary.text
    assert "No question was marked answered" not in summary.text


async def test_asking_the_same_question_twice_changes_nothing(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Will pricing change next year?")
    await react(memory, "alice", await question_message(app, 1), "bot", removed=True)
    again = only(await memory.say("alice", "/ask will pricing change next year"))
    assert "already asked this" in again.text
    assert "co-asker" not in again.text
    assert again.ephemeral_to == memory.user("alice")
    counted = only(await press(memory, "bob", "ama:up:1", await question_message(app, 1)))
    # alice took her vote back; asking again did not quietly restore it
    assert "1 vote now" in counted.text


async def test_a_weekday_is_a_time_only_with_a_clock_time_after_it(
    app: Kenes, memory: MemoryAdapter
) -> None:
    announcement = await open_ama(memory, "Monday motivation")
    assert "AMA #1: Monday motivation" in announcement.text
    assert "Friday Jan 9 at 18:00 (Almaty, UTC+5)" in announcement.text
    await memory.say("mod", "/ama_close", level=MOD)
    timed = await open_ama(memory, "mon 18:30 Standup")
    assert "AMA #2: Standup" in timed.text
    assert "Monday Jan 5 at 18:30" in timed.text


async def test_an_impossible_clock_time_after_a_date_is_an_error_not_the_topic(
    app: Kenes, memory: MemoryAdapter
) -> None:
    for when in ("2026-01-09 25:99", "fri 24:00", "25:99"):
        refusal = only(await memory.say("mod", f"/ama_open {when} Topic", level=MOD))
        assert "can't read \"" + when.split()[-1] + '" as a time' in refusal.text
        assert "2026-01-09 18:00" in refusal.text  # the hint
    assert await app.scheduler.pending("ama.top") == []


async def test_a_moderator_can_type_the_answer_instead_of_replying(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await open_ama(memory)
    await memory.say("alice", "/ask Is there a free tier?")
    usage = only(await memory.say("mod", "/ama_answer", level=MOD))
    assert "/ama_answer <question> [answer]" in usage.text
    nothing = only(await memory.say("mod", "/ama_answer 1", level=MOD))
    assert "type the answer after the number: /ama_answer 1 <answer>" in nothing.text
    actions = await memory.say("mod", "/ama_answer 1 yes there is", level=MOD)
    posted = [a for a in sent(actions) if a.ephemeral_to is None]
    assert len(posted) == 1
    assert "Is there a free tier?" in posted[0].text
    assert "yes there is" in posted[0].text
    direct = [a for a in actions if isinstance(a, SendDirect)]
    assert [a.user.id for a in direct] == ["alice"]
    assert "yes there is" in direct[0].text
    async with app.services.sessions() as session:
        row = await session.scalar(select(AmaQuestion).where(AmaQuestion.id == 1))
    assert row is not None
    assert row.status == "answered"
    assert row.answered_by == memory.user("mod").id
    memory.clear()
    await memory.say("mod", "/ama_close", level=MOD)
    assert "#1 Is there a free tier?" in sent(memory.actions)[-1].text
