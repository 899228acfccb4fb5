"""Small parts of the web layer with hand-worked examples: weeks, charts, UTM tags, sweeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import WebSection
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from bot.core.published import Period
from bot.core.refs import CommunityRef, UserRef
from bot.web.access import Logins
from bot.web.charts import bar_chart
from bot.web.links import Links
from tests.auxil.app import running_app

REF = CommunityRef("console", "demo")


def test_weeks_are_community_local_and_cross_a_month_boundary() -> None:
    # Sunday 31 Jan 2027 20:00 UTC is already Monday 1 Feb in Almaty (UTC+5).
    start = datetime(2027, 1, 24, 0, 0, tzinfo=UTC)
    end = datetime(2027, 1, 31, 20, 0, tzinfo=UTC)
    period = Period(REF, 1, "en", "Asia/Almaty", start, end)
    assert period.week_of(end) == date(2027, 2, 1)
    assert period.weeks() == [date(2027, 1, 18), date(2027, 1, 25), date(2027, 2, 1)]
    utc = Period(REF, 1, "en", "UTC", start, end)
    assert utc.weeks() == [date(2027, 1, 18), date(2027, 1, 25)]


def test_bars_scale_to_the_tallest_and_zero_draws_flat() -> None:
    chart = bar_chart("t", [("a", 1), ("b", 4), ("c", 0)], width=320, height=220)
    heights = [bar.height for bar in chart.bars]
    assert heights == [40.0, 160.0, 0.0]  # 220 - 24 above - 36 below = 160 for the tallest
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)
    assert not chart.empty
    assert bar_chart("t", [("a", 0)]).empty


def test_utm_tags_keep_what_the_link_already_says() -> None:
    config = WebSection(utm={"source": "kenes", "medium": "chat", "campaign": "spring"})
    links = Links(None, ManualClock(datetime(2026, 1, 5, tzinfo=UTC)), config)  # type: ignore[arg-type]
    tagged = links.tagged("https://example.org/a?utm_source=mail&x=%20y", "faq:price")
    assert (
        tagged == "https://example.org/a?utm_source=mail&x=%20y&utm_medium=chat&utm_campaign=spring"
    )
    plain = Links(None, ManualClock(datetime(2026, 1, 5, tzinfo=UTC)), WebSection())  # type: ignore[arg-type]
    assert plain.tagged("https://example.org/a", "faq") == "https://example.org/a"


async def test_expired_sessions_and_old_links_are_swept(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    async with running_app(tmp_path / "k.db", clock=clock) as app:
        logins = Logins(app.services.sessions, clock, WebSection(enabled=True))
        community = await app.services.directory.id_for(REF)
        with pytest.raises(PermissionError):
            await logins.issue(UserRef("console", "bob"), "Bob", community, Level.MEMBER)
        url, expires = await logins.issue(
            UserRef("console", "dana"), "Dana", community, Level.MODERATOR
        )
        assert expires - clock.now() == timedelta(minutes=10)
        spent = await logins.redeem(url.rsplit("/", 1)[1], None)
        assert spent is not None
        sid, where = spent
        assert where == community
        signed = await logins.session(sid)
        assert signed is not None
        # A link from a second community, spent in the same browser: one session, two seats.
        other = await app.services.directory.id_for(CommunityRef("console", "other"))
        dana = UserRef("console", "dana")
        second, _ = await logins.issue(dana, "Dana", other, Level.ADMIN)
        assert await logins.redeem(second.rsplit("/", 1)[1], signed) == (sid, other)
        both = await logins.session(sid)
        assert both is not None
        assert [(s.community_id, s.level) for s in both.seats] == [
            (community, Level.MODERATOR),
            (other, Level.ADMIN),
        ]
        clock.set(clock.now() + timedelta(days=2))
        assert await logins.session(sid) is None
        assert await logins.sweep() == 1
        assert not await logins.valid(url.rsplit("/", 1)[1])


def test_figure_labels_agree_with_their_number() -> None:
    # The overview read "1 open tickets now", "1 moderation cases", and in Russian
    # "2 опросов": the label was one fixed text whatever the number.
    from bot.web.pages import _figure

    assert _figure("en", "open_tickets", 1) == ("open ticket now", "1")
    assert _figure("en", "open_tickets", 3) == ("open tickets now", "3")
    assert _figure("ru", "polls", 1) == ("опрос", "1")
    assert _figure("ru", "polls", 2) == ("опроса", "2")
    assert _figure("ru", "polls", 5) == ("опросов", "5")
    assert _figure("ru", "cases", 21) == ("случай модерации", "21")
    assert _figure("kk", "polls", 5) == ("сауалнама", "5")
    assert _figure("en", "polls", None) is None
