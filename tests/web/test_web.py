"""The web server without a browser: tracked links, login rules, CSRF, public pages, /metrics."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.db.models_web import TrackedLink, WebLoginToken
from bot.web.links import safe_target
from tests.auxil.web import WebBot, web_bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WebBot]:
    async with web_bot(tmp_path / "kenes.db", utm={"source": "kenes", "medium": "chat"}) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe: the test server is an IP address, whose cookies the default jar would drop.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def signed_in(bot: WebBot, http: aiohttp.ClientSession, who: str = "dana") -> str:
    """Sign `http` in through a /dashboard link; return the session's CSRF token."""
    link = await bot.login_link(who)
    page = await (await http.get(link)).text()
    nonce = re.search(r'name="csrf" value="([^"]+)"', page)
    assert nonce is not None
    answer = await http.post(link, data={"csrf": nonce.group(1)})
    assert answer.status == 200
    assert answer.url.path == "/c/1/overview"
    csrf = re.search(r'name="csrf" value="([^"]+)"', await answer.text())
    assert csrf is not None
    return csrf.group(1)


async def scrape(http: aiohttp.ClientSession, bot: WebBot) -> dict[str, float]:
    text = await (await http.get(f"{bot.ops}/metrics")).text()
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


async def test_metrics_move_after_a_console_transcript(
    bot: WebBot, http: aiohttp.ClientSession
) -> None:
    before = await scrape(http, bot)
    await bot.say("alice: /ping\nbob: hello\nalice: /poll 1h Lunch? | Plov | Manty\n+2h\n")
    after = await scrape(http, bot)

    def moved(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    assert moved('kenes_updates_received_total{platform="console"}') == 3
    assert moved('kenes_handler_seconds_count{platform="console"}') == 3
    sent = 'kenes_actions_total{action="SendMessage",platform="console",result="ok"}'
    assert moved(sent) == 3  # the pong, the poll and its results
    # The poll closed when the hour passed: a scheduled job, run and timed.
    assert moved('kenes_jobs_total{kind="polls.close",result="done"}') == 1
    assert moved("kenes_scheduler_lag_seconds_count") == 1
    health = await http.get(f"{bot.ops}/healthz")
    assert health.status == 200
    assert await health.json() == {"adapters": {"console": True}, "database": True, "process": True}


async def test_a_tracked_link_counts_and_redirects_with_utm_tags(
    bot: WebBot, http: aiohttp.ClientSession
) -> None:
    links = bot.app.services.links
    short = await links.shorten(1, "https://example.org/guide?page=2", "post:digest")
    assert short == await links.shorten(1, "https://example.org/guide?page=2", "post:digest")
    assert short.startswith(f"{bot.base}/l/")
    for _ in range(2):
        answer = await http.get(short, allow_redirects=False)
        assert answer.status == 302
        assert answer.headers["Location"] == (
            "https://example.org/guide?page=2&utm_source=kenes&utm_medium=chat&utm_campaign=post"
        )
    [stats] = await links.for_community(1)
    assert stats.clicks == 2
    assert (await http.get(f"{bot.base}/l/nothere", allow_redirects=False)).status == 404


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "//evil.example/",
        "/relative",
        "https://user:pw@evil.example/",
        "https://evil.example/\\@good",
        "data:text/html,hi",
        "https://",
    ],
)
async def test_only_absolute_http_links_are_tracked(bot: WebBot, target: str) -> None:
    assert not safe_target(target)
    with pytest.raises(ValueError, match="only absolute http"):
        await bot.app.services.links.shorten(1, target, "post")


async def test_faq_link_answers_go_through_tracked_links(
    bot: WebBot, http: aiohttp.ClientSession
) -> None:
    lines = await bot.say(
        "zed in #help: Құпиясөзімді ұмытып қалдым, не істеймін?\n"
        "zed presses support:link:password:0 on 31\n"
    )
    shown = "\n".join(lines)
    found = re.search(r"http://127\.0\.0\.1:\d+/l/[A-Za-z0-9_-]+", shown)
    assert found is not None, shown
    answer = await http.get(found.group(0), allow_redirects=False)
    assert answer.status == 302
    assert answer.headers["Location"].startswith("https://")
    async with bot.app.services.sessions() as session:
        row = await session.scalar(select(TrackedLink))
    assert row is not None
    assert (row.source, row.clicks) == ("faq:password", 1)


async def test_members_get_no_link_and_links_are_rate_limited(bot: WebBot) -> None:
    refused = "\n".join(await bot.say("bob: /dashboard\n"))
    assert "/login/" not in refused
    for _ in range(5):
        await bot.login_link()
    sixth = "\n".join(await bot.say("dana: /dashboard\n"))
    assert "too many login links" in sixth
    assert "/login/" not in sixth
    async with bot.app.services.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(WebLoginToken))
    assert count == 5
    await bot.say("+61m\n")
    await bot.login_link()  # an hour on, the person may ask again


async def test_the_login_form_needs_the_cookie_of_the_page_that_showed_it(
    bot: WebBot, http: aiohttp.ClientSession
) -> None:
    link = await bot.login_link()
    forged = await http.post(link, data={"csrf": "guess"}, allow_redirects=False)
    assert forged.status == 403
    # The link is not spent by the refused attempt: its holder can still use it.
    assert (await http.get(link)).status == 200


async def test_admins_switch_the_public_ideas_page(
    bot: WebBot, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    assert (await http.get(f"{bot.base}/p/1/ideas")).status == 404
    csrf = await signed_in(bot, http, "ada")
    forged = await http.post(f"{bot.base}/c/1/public", data={"ideas": "on", "csrf": "x"})
    assert forged.status == 403
    assert (await http.get(f"{bot.base}/p/1/ideas")).status == 404
    saved = await http.post(f"{bot.base}/c/1/public", data={"ideas": "on", "csrf": csrf})
    assert saved.url.path == "/c/1/ideas"
    public = await http.get(f"{bot.base}/p/1/ideas?lang=ru")
    assert public.status == 200
    assert "Идеи сообщества" in await public.text()

    # A moderator's session sees the page but cannot switch it.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        token = await signed_in(bot, other, "dana")
        refused = await other.post(f"{bot.base}/c/1/public", data={"csrf": token})
        assert refused.status == 403


async def test_language_choice_returns_only_to_our_own_pages(
    bot: WebBot, http: aiohttp.ClientSession
) -> None:
    csrf = await signed_in(bot, http)
    for back in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = await http.post(
            f"{bot.base}/lang",
            data={"lang": "kk", "back": back, "csrf": csrf},
            allow_redirects=False,
        )
        assert answer.status == 303
        assert answer.headers["Location"] == "/"
    page = await http.get(f"{bot.base}/c/1/support")
    assert "Қолдау" in await page.text()
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert (await http.get(f"{bot.base}/c/1/nosuchpage")).status == 404


async def test_signing_out_ends_the_session(bot: WebBot, http: aiohttp.ClientSession) -> None:
    csrf = await signed_in(bot, http)
    out = await http.post(f"{bot.base}/logout", data={"csrf": csrf})
    assert out.url.path == "/"
    again = await http.get(f"{bot.base}/c/1/overview")
    assert again.url.path == "/"


async def test_with_the_web_server_off_dashboard_says_so(tmp_path: Path) -> None:
    async with web_bot(tmp_path / "off.db", seed=False, enabled=False) as bot:
        lines = "\n".join(await bot.say("dana is moderator\ndana: /dashboard\n"))
        assert "switched off" in lines
        url = "https://example.org/x"
        assert await bot.app.services.links.shorten(1, url, "post") == url
