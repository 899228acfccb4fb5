"""Button polls via the memory adapter: create, vote, change, close, results, errors, restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import ALL_ACTIONS, SendMessage, SendPoll
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from tests.auxil.crash import DyingAdapter, ProcessDied
from tests.auxil.rituals import buttons_of, press, ritual_app, sent

NO_NATIVE = ALL_ACTIONS - {SendPoll}


@pytest.fixture
def memory() -> MemoryAdapter:
    return MemoryAdapter(capabilities=NO_NATIVE)


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    async with ritual_app(tmp_path, memory, clock) as running:
        yield running


def results(memory: MemoryAdapter) -> list[str]:
    return [text for text in memory.texts() if text.startswith("Results of")]


async def test_button_poll_votes_change_and_results_at_close(
    app: Kenes, memory: MemoryAdapter
) -> None:
    created = await memory.say("alice", '/poll 2h "Carousel or video?" | Carousel | Video')
    assert not memory.of_type(SendPoll)
    post = sent(created)[0]
    assert post.text.startswith("Carousel or video?")
    assert "Vote with a button" in post.text  # the next step
    assert [(b.label, b.custom_id) for b in post.buttons] == [
        ("Carousel", "poll:1:0"),
        ("Video", "poll:1:1"),
    ]
    receipt = await press(memory, "alice", "poll:1:0")
    assert sent(receipt)[0].ephemeral_to == memory.user("alice")
    assert "Your vote: Carousel" in sent(receipt)[0].text
    await press(memory, "bob", "poll:1:1")
    await press(memory, "cat", "poll:1:0")
    changed = await press(memory, "cat", "poll:1:1")  # latest vote wins
    assert "Your vote: Video" in sent(changed)[0].text
    await app.advance(timedelta(hours=1, minutes=59))
    assert not results(memory)
    await app.advance(timedelta(minutes=1))
    [text] = results(memory)
    assert "Carousel  ███░░░░░░░ 33% (1)" in text
    assert "Video     ███████░░░ 67% (2)" in text
    assert "3 members voted." in text
    assert "Next step" in text
    assert "Alice" not in text  # anonymous by default
    late = await press(memory, "dan", "poll:1:0")
    assert "closed" in sent(late)[0].text
    assert sent(late)[0].ephemeral_to == memory.user("dan")
    await app.advance(timedelta(days=3))
    assert len(results(memory)) == 1


async def test_multi_choice_toggles_and_public_poll_names_voters(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("alice", "/poll 30s --multi --public Which days? | Mon | Tue | Wed")
    await press(memory, "bob", "poll:1:0")
    await press(memory, "bob", "poll:1:2")
    await press(memory, "cat", "poll:1:2")
    toggled = await press(memory, "bob", "poll:1:0")  # pressing again takes it back
    assert "Your vote: Wed" in sent(toggled)[0].text
    await app.advance(timedelta(seconds=30))
    [text] = results(memory)
    assert "Mon  ░░░░░░░░░░ 0% (0)" in text
    assert "Wed  ██████████ 100% (2)" in text
    assert "Wed: Bob, Cat" in text


async def test_moderator_closes_a_poll_early_exactly_once(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("alice", "/poll 1d Lunch? | Plov | Beshbarmak")
    await press(memory, "bob", "poll:1:1")
    refused = await memory.say("bob", "/poll_close 1")  # not his poll, not a moderator
    assert not results(memory)
    assert "Only the member who opened poll #1 or a moderator" in sent(refused)[0].text
    assert sent(refused)[0].ephemeral_to == memory.user("bob")
    await memory.say("mod", "/poll_close 1", level=Level.MODERATOR)
    [text] = results(memory)
    assert "Beshbarmak  ██████████ 100% (1)" in text
    again = await memory.say("mod", "/poll_close 1", level=Level.MODERATOR)
    assert "already closed" in sent(again)[0].text
    missing = await memory.say("mod", "/poll_close 42", level=Level.MODERATOR)
    assert "no poll #42" in sent(missing)[0].text
    await app.advance(timedelta(days=2))
    assert len(results(memory)) == 1


async def test_author_closes_their_own_poll_early_exactly_once(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("alice", "/poll 1d Lunch? | Plov | Beshbarmak")
    await press(memory, "bob", "poll:1:0")
    await memory.say("alice", "/poll_close 1")  # a member, but the poll is hers
    [text] = results(memory)
    assert "Plov        ██████████ 100% (1)" in text
    late = await press(memory, "cat", "poll:1:1")
    assert "closed" in sent(late)[0].text
    again = await memory.say("alice", "/poll_close 1")
    assert "already closed" in sent(again)[0].text
    await app.advance(timedelta(days=2))  # the cancelled close job posts nothing more
    assert len(results(memory)) == 1


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/poll", "Missing question"),
        ("/poll Carousel or video", "Separate the question and each option with |"),
        ("/poll 2h Only one? | yes", "2 to 10 options; I found 1"),
        ("/poll Many? | " + " | ".join(str(n) for n in range(11)), "I found 11"),
        ("/poll 5s Quick? | a | b", "from 15 seconds to 30 days"),
        ("/poll 2h | a | b", "The question is missing"),
        ("/poll Q? | a | | b", "One of the options is empty"),
        ("/poll Q? | a | A", "Two options are the same"),
        ("/poll --secret Q? | a | b", "I don't know the flag --secret"),
        ("/poll Q? | a | b --explain because", "--explain works with /quiz only"),
        ("/quiz Capital? | Almaty | Astana", "Mark exactly one correct answer"),
        ("/ab Which? | x | y | z", "exactly two options; I found 3"),
        ("/reactpoll Next? | Pricing | 🎉 Setup", '"Pricing" does not'),
    ],
)
async def test_bad_poll_syntax_gets_a_clear_private_error_and_creates_nothing(
    app: Kenes, memory: MemoryAdapter, line: str, expected: str
) -> None:
    reply = sent(await memory.say("alice", line))
    assert len(reply) == 1
    assert expected in reply[0].text
    assert reply[0].ephemeral_to == memory.user("alice")
    assert not reply[0].buttons
    assert not await app.scheduler.pending("polls.close")


async def test_errors_speak_the_community_language(
    tmp_path: Path, memory: MemoryAdapter, clock: ManualClock
) -> None:
    for locale, expected in (("ru", "Отделите вопрос"), ("kk", "Сұрақ пен әр нұсқаны")):
        async with ritual_app(
            tmp_path, memory, clock, db_name=f"{locale}.db", defaults={"locale": locale}
        ):
            reply = sent(await memory.say("alice", "/poll no options here"))
            assert expected in reply[0].text
            assert "/poll 2h" in reply[0].text  # a working example in the same language


async def test_a_restart_neither_loses_nor_doubles_the_close(
    tmp_path: Path, clock: ManualClock
) -> None:
    first = MemoryAdapter(capabilities=NO_NATIVE)
    async with ritual_app(tmp_path, first, clock) as app:
        await first.say("alice", "/poll 1h Tea or coffee? | Tea | Coffee")
        await press(first, "bob", "poll:1:0")
        await app.advance(timedelta(minutes=30))
    second = MemoryAdapter(capabilities=NO_NATIVE)
    async with ritual_app(tmp_path, second, clock) as app:
        await press(second, "cat", "poll:1:1")
        await press(second, "dan", "poll:1:1")
        await app.advance(timedelta(hours=2))
        [text] = results(second)
        assert "Coffee  ███████░░░ 67% (2)" in text
    third = MemoryAdapter(capabilities=NO_NATIVE)
    async with ritual_app(tmp_path, third, clock) as app:
        await app.advance(timedelta(days=1))
        assert not results(third)
        late = await press(third, "eve", "poll:1:0")
        assert "closed" in sent(late)[0].text


async def test_a_poll_message_names_its_close_and_id(app: Kenes, memory: MemoryAdapter) -> None:
    created = await memory.say("alice", "/ab 30s Which cover? | Dark | Light")
    post = sent(created)[0]
    assert [b.label for b in buttons_of(created)] == ["A. Dark", "B. Light"]
    assert "Closes in 30 sec" in post.text
    assert "Poll #1" in post.text
    assert isinstance(post, SendMessage)


async def test_results_refused_on_an_early_close_are_posted_by_the_close_job(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("alice", "/poll 1d Lunch? | Plov | Beshbarmak")
    await press(memory, "bob", "poll:1:0")
    memory.refuse[SendMessage] = "the platform is down"
    await memory.say("mod", "/poll_close 1", level=Level.MODERATOR)
    assert not results(memory)
    del memory.refuse[SendMessage]
    await app.advance(timedelta(minutes=5))
    [text] = results(memory)
    assert "Plov        ██████████ 100% (1)" in text
    await app.advance(timedelta(days=2))
    assert len(results(memory)) == 1


async def test_a_crash_while_posting_results_posts_them_once_after_the_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    dying = DyingAdapter("Results of")
    dying.capabilities = NO_NATIVE
    async with ritual_app(tmp_path, dying, clock) as app:
        await dying.say("alice", "/poll 1h Tea or coffee? | Tea | Coffee")
        await press(dying, "bob", "poll:1:0")
        with pytest.raises(ProcessDied):
            await app.advance(timedelta(hours=1))  # closed (the claim), then the process dies
    second = MemoryAdapter(capabilities=NO_NATIVE)
    async with ritual_app(tmp_path, second, clock) as app:
        await app.advance(timedelta(minutes=1))
        [text] = results(second)
        assert "Tea     ██████████ 100% (1)" in text
    third = MemoryAdapter(capabilities=NO_NATIVE)
    async with ritual_app(tmp_path, third, clock) as app:
        await app.advance(timedelta(days=1))
        assert not results(third)


async def test_a_quoted_question_keeps_its_bar(app: Kenes, memory: MemoryAdapter) -> None:
    created = await memory.say("alice", '/poll "Tabs | spaces?" | tabs | "spaces | both"')
    post = sent(created)[0]
    assert post.text.startswith("Tabs | spaces?\n")
    assert [b.label for b in post.buttons] == ["tabs", "spaces | both"]


async def test_flags_count_only_before_the_question(app: Kenes, memory: MemoryAdapter) -> None:
    created = await memory.say("alice", "/poll Should we use --public mode? | yes | use --force")
    post = sent(created)[0]
    assert post.text.startswith("Should we use --public mode?\n")
    assert "This poll is public" not in post.text  # the flag in the question is just text
    assert [b.label for b in post.buttons] == ["yes", "use --force"]
    head = sent(await memory.say("alice", "/poll --buttons 2h --public Lunch? | Plov | Manty"))[0]
    assert head.text.startswith("Lunch?\n")
    assert "This poll is public" in head.text
    assert "closes in 2 hours" in head.text


@pytest.mark.parametrize("token", ["0s", "10x", "5мес"])
async def test_an_unreadable_duration_is_an_error_not_part_of_the_question(
    app: Kenes, memory: MemoryAdapter, token: str
) -> None:
    reply = sent(await memory.say("alice", f"/poll --multi {token} Q | a | b"))
    assert len(reply) == 1
    assert f"I can't read the duration {token}" in reply[0].text
    assert reply[0].ephemeral_to == memory.user("alice")
    assert not await app.scheduler.pending("polls.close")


async def test_ordinals_and_numbers_still_start_a_question(
    app: Kenes, memory: MemoryAdapter
) -> None:
    created = await memory.say("alice", "/poll 1st or 2nd? | 1st | 2nd")
    assert sent(created)[0].text.startswith("1st or 2nd?\n")


async def test_ab_refuses_the_same_choice_twice_and_numbers_once(
    app: Kenes, memory: MemoryAdapter
) -> None:
    refused = sent(await memory.say("alice", "/ab Same? | same | Same"))
    assert "Two options are the same" in refused[0].text
    assert not await app.scheduler.pending("polls.close")
    post = sent(await memory.say("alice", "/ab Which cover? | Dark | Light"))[0]
    assert "\nA. Dark\nB. Light\n" in post.text
    assert "1. A." not in post.text


async def test_a_button_for_a_missing_option_is_not_called_closed(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("alice", "/poll 1d Lunch? | Plov | Beshbarmak")
    reply = sent(await press(memory, "dan", "poll:1:5"))
    assert len(reply) == 1
    assert "no such option" in reply[0].text
    assert "closed" not in reply[0].text
    assert reply[0].ephemeral_to == memory.user("dan")
    counted = sent(await press(memory, "dan", "poll:1:1"))  # the poll is still open
    assert "Your vote: Beshbarmak" in counted[0].text


@pytest.mark.parametrize("line", ["/reactpoll Q | ! a | ? b", "/reactpoll Q | 👍 a | ? b"])
async def test_a_reaction_poll_needs_real_emoji(
    app: Kenes, memory: MemoryAdapter, line: str
) -> None:
    reply = sent(await memory.say("alice", line))
    assert "Start each option of a reaction poll with its emoji" in reply[0].text
    assert not await app.scheduler.pending("polls.close")


async def test_a_reaction_poll_takes_keycaps_flags_and_custom_emoji(
    app: Kenes, memory: MemoryAdapter
) -> None:
    line = "/reactpoll Q | 1️⃣ one | 🇰🇿 kz | <:kenes:123> custom | 👍🏽 yes | ❤️ love"
    post = sent(await memory.say("alice", line))[0]
    assert "Vote by reacting" in post.text
    assert "<:kenes:123> custom" in post.text


async def test_a_quiz_explanation_may_contain_a_bar(app: Kenes, memory: MemoryAdapter) -> None:
    post = sent(await memory.say("alice", '/quiz 1m "A | B?" | a | *b --explain b | a.'))[0]
    assert post.text.startswith("A | B?\n1. a\n2. b\n")
    answer = sent(await press(memory, "bob", "poll:1:1"))
    assert "b | a." in answer[0].text
