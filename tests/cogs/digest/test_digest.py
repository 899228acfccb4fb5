"""The weekly digest: sections from providers, private preview, one publication per week."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.core.published import Period
from bot.core.refs import MessageRef
from cogs.polls.models import Poll, PollVote
from tests.auxil.app import running_app
from tests.auxil.crash import DyingAdapter, ProcessDied
from tests.auxil.rituals_weekly import only, react, ritual_config, sent

# START is Monday 14:00 in Asia/Almaty; the digest goes out on Sunday 19:00 local (14:00 UTC).
TO_DIGEST = timedelta(days=6, hours=5)
ADMIN, MOD = Level.ADMIN, Level.MODERATOR


@pytest.fixture
async def app(tmp_path: Path, memory: MemoryAdapter, clock: ManualClock) -> AsyncIterator[Kenes]:
    async with running_app(
        tmp_path / "kenes.db", ritual_config(), adapters=[memory], clock=clock
    ) as running:
        yield running


def digests(memory: MemoryAdapter) -> list[str]:
    return [a.text for a in sent(memory.actions) if a.text.startswith("📰")]


async def busy_week(memory: MemoryAdapter) -> None:
    """An AMA with one answered question, a helpful reply, and a teaser for next week."""
    await memory.say("mod", "/ama_open Product roadmap", level=MOD)
    await memory.say("alice", "/ask Will pricing change next year?")
    await memory.say("bob", "/ask When is the mobile app coming?")
    await memory.say("cto", "Prices stay as they are in 2027.")
    answer = MessageRef(memory.chat, "answer-1")
    await memory.say(
        "mod", "/ama_answer 1", level=MOD, reply_to=answer, reply_to_author=memory.user("cto")
    )
    await memory.say("dana", "Anyone knows where the docs are?")
    await memory.say(
        "erin",
        "Pinned in #general.",
        reply_to=MessageRef(memory.chat, "q"),
        reply_to_author=memory.user("dana"),
    )
    await memory.say("dana", "thanks!", reply_to=MessageRef(memory.chat, "erin-reply"),
                     reply_to_author=memory.user("erin"))  # fmt: skip
    await memory.say("admin", "/digest_next Onboarding tips from the team", level=ADMIN)


async def test_preview_is_private_and_matches_what_is_published(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await busy_week(memory)
    await app.advance(TO_DIGEST - timedelta(minutes=1))
    assert digests(memory) == []
    preview = only(await memory.say("admin", "/digest_preview", level=ADMIN))
    assert preview.ephemeral_to == memory.user("admin")
    assert preview.text.startswith("Preview: only you see this.")
    await app.advance(timedelta(minutes=1))
    [published] = [a for a in sent(memory.actions) if a.text.startswith("📰")]
    assert published.ephemeral_to is None
    assert published.chat == memory.chat
    assert preview.text.split("\n\n", 1)[1] == published.text
    text = published.text
    assert "Best answered questions" in text
    assert "#1 Will pricing change next year?" in text
    assert "mobile app" not in text  # not answered
    assert "Hero of the week: Cto (1 AMA answer)" in text
    assert "Next week: Onboarding tips from the team" in text
    assert text.index("Best answered") < text.index("Hero of the week") < text.index("Next week")


async def test_the_teaser_is_used_once_and_the_next_ama_is_announced(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await busy_week(memory)
    await app.advance(TO_DIGEST)
    await memory.say("mod", "/ama_open 2026-01-23 Hiring in 2026", level=MOD)
    await app.advance(timedelta(days=7))
    texts = digests(memory)
    assert len(texts) == 2
    assert "Onboarding tips" not in texts[1]
    assert "Next AMA: Hiring in 2026, Friday Jan 23 at 18:00 (Almaty, UTC+5)" in texts[1]


async def test_only_admins_preview_or_set_the_teaser(app: Kenes, memory: MemoryAdapter) -> None:
    refused = only(await memory.say("mod", "/digest_preview", level=MOD))
    assert "admin" in refused.text
    assert refused.ephemeral_to == memory.user("mod")
    refused = only(await memory.say("alice", "/digest_next Free pizza"))
    assert "admin" in refused.text
    long = only(await memory.say("admin", "/digest_next " + "x" * 400, level=ADMIN))
    assert "too long" in long.text


async def test_a_quiet_week_still_gets_a_short_digest(app: Kenes, memory: MemoryAdapter) -> None:
    await memory.say("alice", "hello")
    await app.advance(TO_DIGEST)
    [text] = digests(memory)
    assert "A quiet week" in text
    assert "Hero" not in text


async def test_other_cogs_plug_in_sections_and_a_failing_one_is_left_out(
    app: Kenes, memory: MemoryAdapter
) -> None:
    async def polls(period: Period) -> str | None:
        return f"📊 Top poll in {period.ref}: carousel or video?"

    async def ideas(period: Period) -> str | None:
        raise RuntimeError("ideas table is being migrated")

    sections = app.services.published.sections
    sections.add("polls", polls)
    sections.add("ideas", ideas)
    try:
        preview = only(await memory.say("admin", "/digest_preview", level=ADMIN))
    finally:
        sections.remove("polls", only=polls)
        sections.remove("ideas", only=ideas)
    assert "📊 Top poll in memory:c1: carousel or video?" in preview.text
    assert "A quiet week" not in preview.text


async def test_a_restart_neither_loses_nor_doubles_the_digest(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    first = MemoryAdapter()
    async with running_app(db, ritual_config(), [first], clock) as app:
        await busy_week(first)
        await react(first, "zed", MessageRef(first.chat, "x"), "alice")
    second = MemoryAdapter()
    async with running_app(db, ritual_config(), [second], clock) as app:
        await app.advance(TO_DIGEST)
        assert len(digests(second)) == 1
    third = MemoryAdapter()
    async with running_app(db, ritual_config(), [third], clock) as app:
        await app.advance(timedelta(hours=2))
        assert digests(third) == []
        await app.advance(timedelta(days=7))
        assert len(digests(third)) == 1


async def test_the_polls_cog_publishes_the_polls_section_while_it_is_loaded(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await memory.say("alice", "hello")
    await app.advance(timedelta(days=3))  # mid-week: the preview covers the week going out
    community_id = await app.services.directory.id_for(memory.community)
    week_ago = app.clock.now() - timedelta(days=8)
    polls = [
        (1, "Carousel or video?", app.clock.now() - timedelta(days=1)),
        (2, "Dark theme?", app.clock.now() - timedelta(hours=3)),
        (3, "Last month's poll", week_ago),
    ]
    async with app.services.sessions.begin() as session:
        for poll_id, question, created in polls:
            session.add(
                Poll(
                    id=poll_id,
                    community_id=community_id,
                    platform="memory",
                    community_ext=memory.community.id,
                    chat_id=memory.chat.id,
                    kind="poll",
                    mode="buttons",
                    question=question,
                    options=["yes", "no"],
                    created_by="mod",
                    created_at=created,
                    closes_at=created + timedelta(hours=1),
                )
            )
        await session.flush()
        for poll_id, user, option in (
            (1, "a", 0),
            (2, "a", 0),
            (2, "b", 0),
            (2, "b", 1),
            (3, "c", 0),
            (3, "d", 1),
        ):
            session.add(
                PollVote(poll_id=poll_id, user_id=user, option=option, voted_at=app.clock.now())
            )
    without = only(await memory.say("admin", "/digest_preview", level=ADMIN)).text
    assert "Polls of the week" not in without  # the digest never reads the polls tables itself
    await app.cogs.load_extension("cogs.polls")
    preview = only(await memory.say("admin", "/digest_preview", level=ADMIN)).text
    assert "📊 Polls of the week:\n• Dark theme? (2 voters)\n• Carousel or video? (1 voter)" in (
        preview
    )
    assert "Last month" not in preview


async def test_a_crash_between_the_claim_and_the_post_still_publishes_the_digest(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = tmp_path / "kenes.db"
    dying = DyingAdapter("📰")
    async with running_app(db, ritual_config(), [dying], clock) as app:
        await busy_week(dying)
        with pytest.raises(ProcessDied):
            await app.advance(TO_DIGEST)
        assert digests(dying) == []
    restarted = MemoryAdapter()
    async with running_app(db, ritual_config(), [restarted], clock) as app:
        await app.advance(timedelta(minutes=1))
        [text] = digests(restarted)
        assert "Onboarding tips from the team" in text  # the teaser is used, then cleared
        preview = await restarted.say("admin", "/digest_preview", level=ADMIN)
        assert "Onboarding tips" not in sent(preview)[0].text
        await app.advance(timedelta(days=1))
        assert len(digests(restarted)) == 1


async def test_a_preview_days_ahead_covers_the_week_that_will_go_out(
    app: Kenes, memory: MemoryAdapter
) -> None:
    await busy_week(memory)
    await app.advance(timedelta(days=2))
    preview = only(await memory.say("admin", "/digest_preview", level=ADMIN))
    await app.advance(TO_DIGEST)
    [published] = [a for a in sent(memory.actions) if a.text.startswith("📰")]
    # Same week, same header; only what happens in between (the hero is picked) can differ.
    previewed = preview.text.split("\n\n")[1:]
    assert (
        previewed[0] == published.text.split("\n\n")[0] == "📰 Weekly digest, Jan 4\u2009–\u200911"
    )
    assert previewed[1] in published.text  # the answered questions already count
