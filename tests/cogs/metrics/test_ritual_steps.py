"""The rituals' posts carry a next step and are counted with it: the share of bot posts with a
next step moves when a week's rituals go out (console adapter, real SQLite and migrations)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from cogs.metrics.periods import span_of
from tests.cogs.metrics.harness import world
from tests.cogs.metrics.test_bot_posts import MONDAY_9

COGS = ["core", "onboarding", "polls", "ama", "heroes", "digest", "ideas", "support", "metrics"]


async def test_rituals_post_with_a_next_step_and_the_share_moves(tmp_path: Path) -> None:
    """Monday: a welcome and its newcomer let in, a poll and its results, an AMA announced
    for Friday, a /ping (its reply asks nothing). Then the week's
    rituals: the AMA's top questions and summary, the hero (Sunday 18:00) and the digest
    (Sunday 19:00). Every one of them asks for a next step; the command replies do not."""
    async with world(tmp_path, MONDAY_9, cogs=COGS) as w:
        out = await w.play(
            """
            mia is moderator
            bob joins
            bob presses onboarding:accept:bob on 1
            mia: /poll Tea? | yes | no
            ann presses poll:1:0 on 4
            mia: /poll_close 1
            mia: /ama_open Roadmap
            ann: /ask When does the mobile app ship?
            ann: /ping
            """
        )
        assert "Next step: reply to this message" in out  # the poll's results
        assert "Ask with /ask" in out  # the AMA's announcement
        counter = w.app.cogs.get("metrics").posts  # type: ignore[union-attr]
        await counter.flush()
        where = await w.where()
        week = span_of("week", date(2026, 1, 12))
        before = await w.queries.bot_posts(where, week)
        # The welcome and ann's question (their buttons), the poll, bob let in and the poll's
        # results (questions: introduce yourself, say why you chose it), the AMA's
        # announcement (a command).
        assert before.by_kind == {"buttons": 2, "poll": 1, "question": 2, "command": 1}
        untagged = before.posts - before.with_step
        assert untagged == 1  # the reply to /ping

        lines = len(w.lines)
        await w.app.advance(timedelta(days=6, hours=11))  # to Sunday 20:00
        rituals = "\n".join(w.lines[lines:])
        assert "Top questions for the AMA" in rituals
        assert "what should the next AMA be about?" in rituals
        assert "Thank them with /thanks" in rituals  # the hero post (no hero this week)
        assert "vote for the ideas you want built with /ideas" in rituals  # the digest
        assert "Ask in support with /help_request" in rituals
        await counter.flush()
        after = await w.queries.bot_posts(where, week)
        # Four ritual posts, each with its step: top (command), summary (question), hero
        # (command), digest (command, ideas and support being on); nothing new untagged.
        assert after.posts - before.posts == 4
        assert after.posts - after.with_step == untagged
        assert after.by_kind == {"buttons": 2, "poll": 1, "question": 3, "command": 4}
        assert (before.share, after.share) == (6 / 7, 10 / 11)  # with the rituals untagged: 6/11
