"""The bot's own posts, counted where they leave (the outbound port), by next step, written
behind; the share with a next step and what the steps brought, computed by hand."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.actions import Button, SendDirect, SendMessage
from bot.core.published import Period
from bot.core.refs import ChatRef, UserRef
from cogs.metrics import posts
from cogs.metrics.models import BotPostsDay
from cogs.metrics.periods import span_of
from tests.cogs.metrics.harness import COMMUNITY, ZONE, world

MONDAY_9 = datetime.fromisoformat("2026-01-12T09:00:00+05:00")
CHAT = ChatRef("console", "general", COMMUNITY)


async def test_bot_posts_by_next_step_and_their_share(tmp_path: Path) -> None:
    """Monday: two plain posts, one with buttons, one question, a poll (buttons, tagged a
    poll) with two voters; a reply only ann sees and a DM are not posts in the community.
    Tuesday: a link post and a plain one. The week: 7 posts, 4 with a next step (57 %):
    poll 1, buttons 1, question 1, link 1. The steps brought 2 votes: 0.5 per post."""
    async with world(tmp_path, MONDAY_9, cogs=["core", "polls", "metrics"]) as w:
        act = w.app.services.actions.execute
        await act(SendMessage(chat=CHAT, text="Good morning"))
        await act(SendMessage(chat=CHAT, text="Digest is out"))
        await act(SendMessage(chat=CHAT, text="Pick one", buttons=(Button("a", "x:1"),)))
        await act(SendMessage(chat=CHAT, text="What are you building?", next_step="question"))
        await act(SendMessage(chat=CHAT, text="psst", ephemeral_to=UserRef("console", "ann")))
        await act(SendDirect(user=UserRef("console", "ann"), text="hello"))
        out = await w.play(
            """
            mia is moderator
            mia: /poll Tea? | yes | no
            ann presses poll:1:0 on 7
            bob presses poll:1:1 on 7
            """
        )
        assert "Poll #1" in out
        counter = w.app.cogs.get("metrics").posts  # type: ignore[union-attr]
        assert counter.pending == 4  # (Monday, kind) pairs in memory: "", buttons, question, poll
        async with w.app.services.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(BotPostsDay)) == 0
        assert await counter.flush() == 4  # one write for all, not one per post
        w.clock.advance(timedelta(days=1))
        await act(SendMessage(chat=CHAT, text="Guide: https://example.org", next_step="link"))
        await act(SendMessage(chat=CHAT, text="See you"))
        await counter.flush()
        where = await w.where()
        monday = await w.queries.bot_posts(where, span_of("day", date(2026, 1, 12)))
        assert (monday.posts, monday.with_step) == (5, 3)
        week = await w.queries.bot_posts(where, span_of("week", date(2026, 1, 12)))
        assert (week.posts, week.with_step) == (7, 4)
        assert week.by_kind == {"poll": 1, "buttons": 1, "question": 1, "link": 1}
        assert week.share == 4 / 7
        # The dashboard's content page reads it per week, with what the steps brought.
        report = w.app.services.published.reports.get("metrics.posts")
        assert report is not None
        now = w.clock.now()
        start = datetime.fromisoformat("2026-01-12T00:00:00+05:00")
        table = await report(Period(COMMUNITY, where.community_id, "en", ZONE, start, now))
        assert table is not None
        assert table.rows == (("2026-01-12", 7, 4, 57, 2, 0.5),)


async def test_more_pending_counts_than_kept_are_written_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(posts, "KEPT", 3)
    async with world(tmp_path, MONDAY_9, cogs=["core", "metrics"]) as w:
        counter = w.app.cogs.get("metrics").posts  # type: ignore[union-attr]
        for n in range(3):
            counter(COMMUNITY, MONDAY_9 + timedelta(days=n), "")
        assert [t for t in asyncio.all_tasks() if t.get_name() == posts.EARLY] == []
        counter(COMMUNITY, MONDAY_9 + timedelta(days=3), "")  # a fourth (community, day, kind)
        [early] = [t for t in asyncio.all_tasks() if t.get_name() == posts.EARLY]
        await early
        assert counter.pending == 0
        async with w.app.services.sessions() as session:
            assert await session.scalar(select(func.sum(BotPostsDay.posts))) == 4
