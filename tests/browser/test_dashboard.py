"""The dashboard in real Chromium (Debian's package, driven by Playwright): what a person sees.

Screenshots of every page go to build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.core.refs import CommunityRef
from cogs.moderation.models import ModCase
from tests.auxil.web import WebBot, web_bot

CHROMIUM = os.environ.get("KENES_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PAGES = ("overview", "support", "community", "moderation", "content", "ideas")

pytestmark = pytest.mark.skipif(
    not shutil.which(CHROMIUM),
    reason=os.environ.get("KENES_CHROMIUM_SKIP") or f"no Chromium at {CHROMIUM}",
)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WebBot]:
    async with web_bot(tmp_path / "kenes.db") as running:
        yield running


async def sign_in(bot: WebBot, page: Page, who: str = "dana") -> None:
    link = await bot.login_link(who)
    await page.goto(link)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/overview")


async def test_a_moderator_signs_in_and_reads_every_page(bot: WebBot, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await sign_in(bot, page)

    # The overview of the seeded community: its figures and two weekly charts, drawn as SVG.
    assert await page.locator("h1").first.inner_text() == "Overview console:demo"
    charts = page.locator("figure.chart svg")
    assert await charts.count() == 2
    assert await page.locator("figure.chart svg rect").count() == 16  # 8 weeks x 2 charts
    figures = await page.locator(".figures li").all_inner_texts()
    assert any("tickets opened" in f and "2" in f for f in figures)
    assert any("moderation cases" in f and "3" in f for f in figures)
    await page.screenshot(path=str(SHOTS / "overview-en.png"), full_page=True)

    for name in PAGES:
        await page.get_by_role("link", name=name.capitalize(), exact=True).click()
        await page.wait_for_url(f"**/{name}?weeks=8")
        assert await page.locator("h1").first.inner_text() == f"{name.capitalize()} console:demo"
        await page.screenshot(path=str(SHOTS / f"{name}-en.png"), full_page=True)

    # What the pages show comes from the features' own records.
    await page.goto(f"{bot.base}/c/1/support")
    rows = await page.locator("table tbody tr").all_inner_texts()
    assert len(rows) == 1
    assert rows[0].startswith("2\topen")  # ticket 2 is open and breached
    assert "yes" in rows[0]
    await page.goto(f"{bot.base}/c/1/moderation")
    by_rule = await page.locator("table").first.locator("tbody tr").all_inner_texts()
    assert by_rule[0].split("\t")[1] == "2"  # two blocklist deletions under one rule
    await page.goto(f"{bot.base}/c/1/ideas")
    assert "No data" in await page.locator(".nodata").first.inner_text()

    # A phone's width: the same page, no sideways scrolling of the whole page.
    phone = await browser.new_context(
        viewport={"width": 390, "height": 844}, storage_state=await context.storage_state()
    )
    small = await phone.new_page()
    await small.goto(f"{bot.base}/c/1/overview")
    width = await small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    await small.screenshot(path=str(SHOTS / "overview-phone.png"), full_page=True)
    await phone.close()
    await context.close()


async def test_the_language_is_the_viewers_choice(bot: WebBot, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = await browser.new_page()
    await sign_in(bot, page)
    await page.get_by_role("button", name="Қазақша").click()
    await page.wait_for_url("**/overview")
    assert (await page.locator("h1").first.inner_text()).startswith("Шолу")
    assert await page.locator("html").get_attribute("lang") == "kk"
    await page.get_by_role("link", name="Модерация", exact=True).click()
    caption = await page.locator("figcaption").first.inner_text()
    assert "Апта сайынғы модерация жағдайлары" in caption
    await page.screenshot(path=str(SHOTS / "moderation-kk.png"), full_page=True)
    await page.get_by_role("button", name="Русский").click()
    assert (await page.locator("h1").first.inner_text()).startswith("Модерация")
    caption = await page.locator("figcaption").first.inner_text()
    assert "Случаи модерации по неделям" in caption
    await page.screenshot(path=str(SHOTS / "moderation-ru.png"), full_page=True)


async def test_links_that_are_spent_expired_or_for_elsewhere_are_refused(
    bot: WebBot, browser: Browser
) -> None:
    page = await browser.new_page()
    used = await bot.login_link()
    await page.goto(used)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/overview")

    # Reused: the same link again, even from the browser that spent it.
    answer = await page.goto(used)
    assert answer is not None
    assert answer.status == 403
    assert "no longer works" in await page.locator("h1").inner_text()

    # Expired: a fresh link, opened after its ten minutes.
    late = await bot.login_link()
    await bot.say("+11m\n")
    stranger = await browser.new_page()
    answer = await stranger.goto(late)
    assert answer is not None
    assert answer.status == 403

    # Another community's pages: this session was signed into console:demo only.
    other = await bot.app.services.directory.id_for(CommunityRef("console", "elsewhere"))
    answer = await page.goto(f"{bot.base}/c/{other}/overview")
    assert answer is not None
    assert answer.status == 403
    assert "Not allowed" in await page.locator("h1").inner_text()

    # No session at all: the pages send you to the start, which says how to sign in.
    await stranger.goto(f"{bot.base}/c/1/overview")
    assert "/dashboard" in await stranger.locator("main").inner_text()

    # A form posted without the session's CSRF token changes nothing.
    refused = await page.request.post(
        f"{bot.base}/lang", form={"lang": "ru", "back": "/", "csrf": "forged"}
    )
    assert refused.status == 403
    await page.goto(f"{bot.base}/c/1/overview")
    assert (await page.locator("h1").first.inner_text()).startswith("Overview")


async def test_an_expired_session_is_signed_out(bot: WebBot, browser: Browser) -> None:
    page = await browser.new_page()
    await sign_in(bot, page)
    await bot.app.advance(timedelta(hours=13))
    await page.goto(f"{bot.base}/c/1/overview")
    assert page.url == f"{bot.base}/"


async def test_recent_cases_link_to_their_message(bot: WebBot, browser: Browser) -> None:
    """A case's stored message link opens from the moderation page; a link that is not
    http(s) (here a `javascript:` one, as a broken import might leave) is shown as a dash."""
    now = bot.app.clock.now()
    async with bot.app.services.sessions.begin() as session:
        for n, link in enumerate(("https://discord.com/channels/1/2/3", "javascript:alert(1)")):
            session.add(
                ModCase(
                    community_id=1, user_id=f"u{n}", user_name=f"member{n}", action="delete",
                    rule="spam", reason="", created_at=now - timedelta(minutes=n + 1), link=link,
                )
            )  # fmt: skip
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(bot, page)
    await page.goto(f"{bot.base}/c/1/moderation")
    recent = page.locator("table").nth(1)
    anchors = recent.locator("a")
    assert await anchors.count() == 1
    assert await anchors.get_attribute("href") == "https://discord.com/channels/1/2/3"
    assert "noopener" in (await anchors.get_attribute("rel") or "")
    assert await anchors.inner_text() == "Open the message"
    rows = await recent.locator("tbody tr").all_inner_texts()
    assert "javascript" not in "".join(rows)
    await page.screenshot(path=str(SHOTS / "moderation-links-en.png"), full_page=True)
    await context.close()
