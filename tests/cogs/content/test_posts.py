"""Posts: drafted, checked, scheduled in the community's time zone, published once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.config import Config
from bot.core.actions import SendMessage
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.db.models import JobEffect, ScheduledJob
from cogs.content.models import ContentLink, ContentPost
from cogs.polls.models import Poll
from tests.auxil.app import START, make_config, running_app
from tests.auxil.rituals import rules_copy

COGS = ["core", "polls", "support", "content"]
ADMIN, MOD = Level.ADMIN, Level.MODERATOR
# START is Monday 09:00 UTC = 14:00 in Asia/Almaty; Friday 18:00 there is 13:00 UTC.
TO_FRIDAY_18 = timedelta(days=4, hours=4)
MYTH = "/post new myth Myth: bots read every message. Fact: Kenes sees only its chats."


def config(rules: Path | None = None, cogs: list[str] | None = None) -> Config:
    if rules is None:
        return make_config(bot={"cogs": cogs or COGS})
    return make_config(rules, bot={"cogs": cogs or COGS})


def posts(memory: MemoryAdapter, needle: str) -> list[SendMessage]:
    return [a for a in memory.of_type(SendMessage) if needle in a.text and a.ephemeral_to is None]


async def test_a_post_without_a_next_step_is_refused_then_fixed_and_published_after_a_restart(
    tmp_path: Path,
) -> None:
    db, clock = tmp_path / "kenes.db", ManualClock(START)
    first = MemoryAdapter()
    async with running_app(db, config(), adapters=[first], clock=clock) as app:
        await first.say("mod", MYTH, level=MOD)
        [refused] = await first.say("mod", "/post schedule 1 fri 18:00", level=MOD)
        assert isinstance(refused, SendMessage)
        assert refused.ephemeral_to == first.user("mod")
        assert "Post 1 is not scheduled" in refused.text
        assert "has no next step" in refused.text
        assert "/post next 1 poll Which myth next?" in refused.text  # the rubric's suggestion
        await first.say("mod", "/post next 1 poll Which myth next? | Fees | Security", level=MOD)
        [done] = await first.say("mod", "/post schedule 1 fri 18:00", level=MOD)
        assert isinstance(done, SendMessage)
        assert done.text == "Post 1 is scheduled for Jan 9, 2026, 18:00 (Almaty, UTC+5)."
        await app.advance(TO_FRIDAY_18 - timedelta(minutes=1))
        assert posts(first, "Myth: bots") == []
    # The bot restarts on the same database; the post is still due on Friday 18:00 local.
    second = MemoryAdapter()
    async with running_app(db, config(), adapters=[second], clock=clock) as app:
        await app.advance(timedelta(seconds=59))
        assert posts(second, "Myth: bots") == []
        await app.advance(timedelta(seconds=1))
        [published] = posts(second, "Myth: bots")
        assert clock.now() == START + TO_FRIDAY_18
        assert "👇 Vote in the poll below." in published.text
        [poll] = posts(second, "Which myth next?")
        assert [b.label for b in poll.buttons] == ["Fees", "Security"]
        async with app.services.sessions() as session:
            stored = (await session.scalars(select(Poll))).all()
            post = await session.get(ContentPost, 1)
        assert [p.question for p in stored] == ["Which myth next?"]
        assert post is not None
        assert post.status == "published"
        await app.advance(timedelta(days=1))
    # Another restart publishes nothing twice.
    third = MemoryAdapter()
    async with running_app(db, config(), adapters=[third], clock=clock) as app:
        await app.advance(timedelta(days=7))
        assert posts(third, "Myth: bots") == []
        async with app.services.sessions() as session:
            polls = await session.scalar(select(func.count()).select_from(Poll))
        assert polls == 1


async def test_a_crash_inside_the_post_never_posts_it_twice(tmp_path: Path) -> None:
    db, clock = tmp_path / "kenes.db", ManualClock(START)
    memory = MemoryAdapter()
    async with running_app(db, config(), adapters=[memory], clock=clock) as app:
        await memory.say("mod", MYTH, level=MOD)
        await memory.say("mod", "/post next 1 question", level=MOD)
        await memory.say("mod", "/post schedule 1 2h", level=MOD)
        # The process died inside the platform call: the effect is `started`, the job `running`.
        async with app.services.sessions.begin() as session:
            session.add(
                JobEffect(key="content:send:1:memory:c1", state="started", started_at=START)
            )
            job = await session.scalar(
                select(ScheduledJob).where(ScheduledJob.key == "content:post:1")
            )
            assert job is not None
            job.status = "running"
            job.claimed_by = app.scheduler.instance
    again = MemoryAdapter()
    async with running_app(db, config(), adapters=[again], clock=clock) as app:
        await app.advance(timedelta(hours=3))
        assert posts(again, "Myth: bots") == []  # may have gone out: not sent a second time
        async with app.services.sessions() as session:
            post = await session.get(ContentPost, 1)
        assert post is not None
        assert post.status == "published"


async def test_links_get_utm_tags_and_are_stored_for_tracking(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, app = app_with_content
    await memory.say(
        "mod",
        "/post new how_it_works In short: fees explained. Guide: https://example.org/fees?lang=en.",
        level=MOD,
    )
    await memory.say("mod", "/post next 1 link https://example.org/faq", level=MOD)
    await memory.say("mod", "/post now 1", level=MOD)
    [published] = posts(memory, "In short")
    tagged = "https://example.org/fees?lang=en&utm_source=kenes&utm_medium=community"
    assert f"{tagged}&utm_campaign=how_it_works." in published.text
    assert "📖 Read more: https://example.org/faq?utm_source=kenes" in published.text
    async with app.services.sessions() as session:
        links = (await session.scalars(select(ContentLink).order_by(ContentLink.id))).all()
    assert [link.url for link in links] == [
        "https://example.org/fees?lang=en",
        "https://example.org/faq",
    ]
    assert all("utm_campaign=how_it_works" in link.tracked for link in links)


async def test_bad_input_is_explained(app_with_content: tuple[MemoryAdapter, Kenes]) -> None:
    memory, _app = app_with_content

    async def said(text: str) -> str:
        [reply] = await memory.say("mod", text, level=MOD)
        assert isinstance(reply, SendMessage)
        return reply.text

    assert "There is no rubric “memes”" in await said("/post new memes Hello")
    assert "Rubrics: how_it_works, ideas, myth, question, retro, weekly" in await said(
        "/post new memes x"
    )
    await said(MYTH)
    await said("/post next 1 question")
    past = await said("/post schedule 1 2026-01-05 10:00")
    assert (
        past == "Jan 5, 2026, 10:00 (Almaty, UTC+5) has already passed; pick a time in the future."
    )
    assert "I can't read the time “tomorrowish”" in await said("/post schedule 1 tomorrowish")
    assert "There is no post 7 in this community" in await said("/post preview 7")
    assert "I don't know /post publish" in await said("/post publish 1")
    assert "a poll needs a question and 2 to 10 options" in await said("/post next 1 poll Q? | one")
    assert "Post 1: the next step is one of poll, question" in await said("/post next 1 dance")
    assert "write one address starting with https://" in await said("/post next 1 link nope")


async def test_a_missing_language_version_is_refused_when_the_community_needs_it(
    tmp_path: Path, clock: ManualClock
) -> None:
    rules = rules_copy(tmp_path, {"content.toml": [("languages = []", 'languages = ["kk"]')]})
    memory = MemoryAdapter()
    async with running_app(tmp_path / "kenes.db", config(rules), [memory], clock):
        await memory.say("mod", MYTH, level=MOD)
        await memory.say("mod", "/post next 1 question", level=MOD)
        [reply] = await memory.say("mod", "/post schedule 1 fri 18:00", level=MOD)
        assert isinstance(reply, SendMessage)
        assert reply.text == (
            "Post 1 has no kk text, and posts here go out in kk, en: add it with "
            "/post text 1 kk <text>."
        )
        await memory.say("mod", "/post text 1 kk Аңыз: бот бәрін оқиды. Шындық: жоқ.", level=MOD)
        [done] = await memory.say("mod", "/post schedule 1 fri 18:00", level=MOD)
        assert isinstance(done, SendMessage)
        assert "is scheduled" in done.text
        await memory.say("admin", "/post now 1", level=ADMIN)
        [published] = posts(memory, "Myth: bots")
        assert published.text.startswith("Аңыз: бот бәрін оқиды.")  # kk first, then en


async def test_the_checklist_flags_an_unmarked_ad_and_labels_a_sponsored_post(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, _app = app_with_content
    await memory.say(
        "mod",
        "/post new question Which bank card do you use? Promo code SAVE20 at checkout",
        level=MOD,
    )
    await memory.say("mod", "/post next 1 poll Your card? | Visa | Mastercard", level=MOD)
    [refused] = await memory.say("mod", "/post schedule 1 fri 18:00", level=MOD)
    assert isinstance(refused, SendMessage)
    assert "reads like an ad or partnership" in refused.text
    await memory.say("mod", "/post sponsored 1", level=MOD)
    await memory.say("mod", "/post now 1", level=MOD)
    [published] = posts(memory, "Which bank card")
    assert published.text.startswith("#ad\n")  # the support desk's label (rules/safety.toml)


async def test_an_admin_overrides_the_checklist_with_a_logged_reason(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, _app = app_with_content
    await memory.say("mod", MYTH, level=MOD)
    [refused] = await memory.say("mod", "/post override 1 launch day", level=MOD)
    assert isinstance(refused, SendMessage)
    assert refused.text == "Only an admin can override the checklist."
    said = await memory.say("admin", "/post override 1 a plain announcement", level=ADMIN)
    logged = [a for a in said if isinstance(a, SendMessage) and a.chat.id == "mod-log"]
    assert [a.text for a in logged] == [
        "Checklist overridden for post 1 by Admin: a plain announcement"
    ]
    [done] = await memory.say("admin", "/post schedule 1 2h", level=ADMIN)
    assert isinstance(done, SendMessage)
    assert "is scheduled" in done.text


async def test_questions_name_who_answers_and_long_texts_need_a_summary(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, _app = app_with_content
    long = "word " * 200
    await memory.say("mod", f"/post new question {long}", level=MOD)
    await memory.say("mod", "/post next 1 question", level=MOD)
    await memory.say("mod", "/post media 1 https://example.org/chart.png", level=MOD)
    [refused] = await memory.say("mod", "/post schedule 1 2h", level=MOD)
    assert isinstance(refused, SendMessage)
    assert "start it with a short summary" in refused.text
    assert "has media without a description" in refused.text
    await memory.say(
        "mod", "/post media 1 https://example.org/chart.png | Fees by month", level=MOD
    )
    await memory.say("mod", f"/post text 1 Fees, briefly.\n\n{long}", level=MOD)
    [preview] = await memory.say("mod", "/post preview 1", level=MOD)
    assert isinstance(preview, SendMessage)
    assert preview.ephemeral_to == memory.user("mod")
    assert "The support team answers questions within 2 hours" in preview.text
    assert "🖼 Picture: Fees by month, https://example.org/chart.png" in preview.text
    assert "The checklist passes" in preview.text


async def test_rhythm_warns_about_heavy_posts_in_a_row_and_busy_days(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, _app = app_with_content
    replies: list[str] = []
    for hour in (1, 2, 3, 4):
        await memory.say("mod", "/post new retro What launched: the bot.", level=MOD)
        number = len(replies) + 1
        await memory.say("mod", f"/post next {number} thread", level=MOD)
        [reply] = await memory.say("mod", f"/post schedule {number} {hour}h", level=MOD)
        assert isinstance(reply, SendMessage)
        replies.append(reply.text)
    assert "⚠" not in replies[1]
    assert "post 3 makes 3 heavy posts in a row" in replies[2]
    assert "post 4 makes 4 posts that day, more than the 3 planned per day" in replies[3]


async def test_sign_up_buttons_record_once_and_refuse_forged_ids(
    app_with_content: tuple[MemoryAdapter, Kenes],
) -> None:
    memory, _app = app_with_content
    await memory.say("mod", "/post new weekly Coming up: the Friday meetup.", level=MOD)
    await memory.say("mod", "/post next 1 signup", level=MOD)
    await memory.say("mod", "/post now 1", level=MOD)
    [published] = posts(memory, "Friday meetup")
    [button] = published.buttons
    assert button.custom_id == "content:signup:1"
    [first] = await memory.press("bob", "content:signup:1")
    [again] = await memory.press("bob", "content:signup:1")
    [other] = await memory.press("cat", "content:signup:1")
    assert isinstance(first, SendMessage)
    assert first.text.endswith("1 person is signed up so far.")
    assert isinstance(again, SendMessage)
    assert again.text.startswith("You were already signed up.")
    assert isinstance(other, SendMessage)
    assert other.text.endswith("2 people are signed up so far.")
    for forged in ("content:signup:2", "content:signup:99999999999999999999", "content:signup:x"):
        [refused] = await memory.press("eve", forged)
        assert isinstance(refused, SendMessage)
        assert refused.text == "This button is not valid (anymore); nothing was recorded."


async def test_posts_go_to_every_linked_community(tmp_path: Path, clock: ManualClock) -> None:
    from bot.adapters.console import ConsoleAdapter

    rules = rules_copy(
        tmp_path, {"content.toml": [("linked = []", 'linked = [["memory:c1", "console:demo"]]')]}
    )
    printed: list[str] = []
    memory = MemoryAdapter()
    console = ConsoleAdapter("demo", "general", printed.append)
    async with running_app(tmp_path / "kenes.db", config(rules), [memory, console], clock) as app:
        await memory.say("mod", MYTH, level=MOD)
        await memory.say("mod", "/post next 1 poll Which myth next? | Fees | Security", level=MOD)
        await memory.say("mod", "/post schedule 1 fri 18:00", level=MOD)
        await app.advance(TO_FRIDAY_18)
    assert len(posts(memory, "Myth: bots")) == 1
    assert any("Myth: bots" in line for line in printed)
    assert any("Which myth next?" in line for line in printed)


async def test_a_post_planned_in_the_rule_file_is_drafted_once_and_scheduled(
    tmp_path: Path, clock: ManualClock
) -> None:
    plan = (
        '\n[[posts]]\nkey = "myth-jan"\ncommunity = "memory:c1"\nrubric = "myth"\n'
        "at = 2026-01-09T18:00:00+05:00\n"
        'text.en = "Myth: the rule file cannot post. Fact: it can."\n'
        'next = { kind = "poll", question = "Which myth next?", options = ["Fees", "Security"] }\n'
    )
    rules = rules_copy(tmp_path, {})
    (rules / "content.toml").write_text((rules / "content.toml").read_text("utf-8") + plan, "utf-8")
    db = tmp_path / "kenes.db"
    for _ in range(2):  # loading twice (a restart) drafts it once
        memory = MemoryAdapter()
        async with running_app(db, config(rules), [memory], clock) as app:
            async with app.services.sessions() as session:
                count = await session.scalar(select(func.count()).select_from(ContentPost))
            assert count == 1
    memory = MemoryAdapter()
    async with running_app(db, config(rules), [memory], clock) as app:
        await app.advance(TO_FRIDAY_18)
        [published] = posts(memory, "the rule file cannot post")
        assert "👇 Vote in the poll below." in published.text
